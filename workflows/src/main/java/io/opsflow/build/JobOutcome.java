package io.opsflow.build;

import java.util.Map;

/**
 * How one job attempt ended on its runner.
 *
 * @param exitCode the script's exit code (non-zero: the job failed)
 * @param message the runner's reason when it is not the script's exit (deadline exceeded, image
 *     missing, pod evicted), or null
 * @param logLines how many log lines the attempt stored
 * @param stepOutputs what the steps with an {@code id} wrote to {@code $GITHUB_OUTPUT}, by step id
 */
public record JobOutcome(
    int exitCode, String message, long logLines, Map<String, Map<String, String>> stepOutputs) {

  public JobOutcome(int exitCode, String message, long logLines) {
    this(exitCode, message, logLines, null);
  }

  public JobOutcome {
    stepOutputs = stepOutputs == null ? Map.of() : Map.copyOf(stepOutputs);
  }

  public boolean succeeded() {
    return exitCode == 0;
  }
}
