package io.opsflow.build;

import java.util.Map;

/**
 * One {@code steps[]} entry: a shell command with its own env.
 *
 * @param name the step's {@code name}, or null (the UI then shows the command)
 * @param run the shell script of the step
 * @param env the step's {@code env}, applied over the job's
 */
public record StepSpec(String name, String run, Map<String, String> env) {
  public StepSpec {
    env = env == null ? Map.of() : Map.copyOf(env);
  }
}
