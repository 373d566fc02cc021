package io.opsflow.build;

import java.util.Map;

/**
 * What of a step only the runner can evaluate (it names {@code steps} or calls {@code hashFiles}),
 * compiled by {@link io.opsflow.build.expr.ShellCompiler} into POSIX sh the job script runs right
 * before the step.
 *
 * @param condition commands whose exit status decides the step's {@code if:}, or null ({@link
 *     StepSpec#when()} decides)
 * @param name commands printing the step's name, or null
 * @param run commands printing the step's script, or null
 * @param workingDirectory commands printing the working directory, or null
 * @param env commands printing each env value that depends on the runner (the others are in {@link
 *     StepSpec#env()})
 */
public record StepResidual(
    String condition, String name, String run, String workingDirectory, Map<String, String> env) {

  public StepResidual {
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  /** Whether nothing is left to the runner. */
  boolean isEmpty() {
    return condition == null
        && name == null
        && run == null
        && workingDirectory == null
        && env.isEmpty();
  }
}
