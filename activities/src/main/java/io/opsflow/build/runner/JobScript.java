package io.opsflow.build.runner;

import io.opsflow.build.JobRun;
import io.opsflow.build.StepSpec;
import java.util.Map;

/**
 * The POSIX shell script every runner executes for a job attempt: the steps in order, each in a
 * subshell with {@code set -e} and its own env exported, each announced by a marker line, stopping
 * at the first step that fails (GitHub Actions runs steps with {@code sh -e}).
 */
public final class JobScript {

  /** Prefix of the line printed before each step, e.g. {@code ##[step 2/3] test}. */
  public static final String STEP_MARKER = "##[step ";

  private JobScript() {}

  /**
   * Renders the script.
   *
   * @throws IllegalArgumentException when a step env name is not a shell variable name (it is
   *     written unquoted after {@code export})
   */
  public static String render(JobRun run) {
    StringBuilder sh = new StringBuilder("set -e\n");
    int n = run.steps().size();
    for (int i = 0; i < n; i++) {
      StepSpec step = run.steps().get(i);
      String title = step.name() != null ? step.name() : firstLine(step.run());
      sh.append("echo ").append(quote(STEP_MARKER + (i + 1) + "/" + n + "] " + title)).append('\n');
      sh.append("(\n");
      for (Map.Entry<String, String> e : step.env().entrySet()) {
        if (!isEnvName(e.getKey())) {
          throw new IllegalArgumentException(
              "steps[" + i + "].env: '" + e.getKey() + "' is not a valid variable name");
        }
        sh.append("export ")
            .append(e.getKey())
            .append('=')
            .append(quote(e.getValue()))
            .append('\n');
      }
      sh.append(step.run());
      if (!step.run().endsWith("\n")) {
        sh.append('\n');
      }
      sh.append(")\n");
    }
    return sh.toString();
  }

  /** Whether {@code name} is a POSIX shell variable name ({@code [A-Za-z_][A-Za-z0-9_]*}). */
  public static boolean isEnvName(String name) {
    return name != null && name.matches("[A-Za-z_][A-Za-z0-9_]*");
  }

  /** Single-quotes a value for sh: nothing inside is expanded. */
  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  private static String firstLine(String run) {
    String line = run.strip();
    int nl = line.indexOf('\n');
    return nl < 0 ? line : line.substring(0, nl) + " ...";
  }
}
