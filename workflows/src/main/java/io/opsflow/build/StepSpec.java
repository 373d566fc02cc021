package io.opsflow.build;

import java.util.Map;

/**
 * One {@code steps[]} entry: a script with its own env and controls.
 *
 * @param name the step's {@code name}, or null (the UI then shows the command)
 * @param run the script of the step
 * @param env the step's {@code env}, applied over the job's
 * @param id the step's {@code id}, or null (its {@code $GITHUB_OUTPUT} is then not reported)
 * @param shell {@code bash}, {@code sh}, {@code python}, or a command with {@code {0}} for the
 *     script file; null runs the script with {@code sh -e} (the runner's historical default)
 * @param workingDirectory {@code working-directory} relative to the workspace, or null
 * @param continueOnError {@code continue-on-error}: a failure does not fail the job
 * @param timeoutMinutes {@code timeout-minutes}, or null
 * @param ifExpression the step's {@code if:} as written, or null ({@code success()})
 * @param when the {@code if:} decided for the runner: {@code success} (run while no step failed,
 *     the default), {@code failure} (only after a failure), {@code always} or {@code never}
 * @param residual what of the step's expressions only the runner can evaluate, or null
 */
public record StepSpec(
    String name,
    String run,
    Map<String, String> env,
    String id,
    String shell,
    String workingDirectory,
    boolean continueOnError,
    Integer timeoutMinutes,
    String ifExpression,
    String when,
    StepResidual residual) {

  /** A step with nothing left to the runner. */
  public StepSpec(
      String name,
      String run,
      Map<String, String> env,
      String id,
      String shell,
      String workingDirectory,
      boolean continueOnError,
      Integer timeoutMinutes,
      String ifExpression,
      String when) {
    this(
        name,
        run,
        env,
        id,
        shell,
        workingDirectory,
        continueOnError,
        timeoutMinutes,
        ifExpression,
        when,
        null);
  }

  /** A plain step: runs while no earlier step failed. */
  public StepSpec(String name, String run, Map<String, String> env) {
    this(name, run, env, null, null, null, false, null, null, null);
  }

  public StepSpec {
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  /** The same step with its expressions evaluated. */
  StepSpec rendered(
      String newName,
      String newRun,
      Map<String, String> newEnv,
      String dir,
      String decided,
      StepResidual left) {
    return new StepSpec(
        newName,
        newRun,
        newEnv,
        id,
        shell,
        dir,
        continueOnError,
        timeoutMinutes,
        ifExpression,
        decided,
        left == null || left.isEmpty() ? null : left);
  }
}
