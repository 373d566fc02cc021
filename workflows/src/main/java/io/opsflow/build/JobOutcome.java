package io.opsflow.build;

/**
 * How one job attempt ended on its runner.
 *
 * @param exitCode the script's exit code (non-zero: the job failed)
 * @param message the runner's reason when it is not the script's exit (deadline exceeded, image
 *     missing, pod evicted), or null
 * @param logLines how many log lines the attempt stored
 */
public record JobOutcome(int exitCode, String message, long logLines) {
  public boolean succeeded() {
    return exitCode == 0;
  }
}
