package io.opsflow.build.runner;

import io.opsflow.build.JobRun;
import io.opsflow.build.StepResidual;
import io.opsflow.build.StepSpec;
import io.opsflow.build.expr.ShellCompiler;
import java.util.Map;

/**
 * The POSIX shell script every runner executes for a job attempt: the steps in order, each in a
 * subshell with its own env exported, each announced by a marker line. A step runs its script from
 * a file with its {@code shell} ({@code sh -e} by default, as GitHub Actions runs {@code sh}), in
 * its {@code working-directory}, under its {@code timeout-minutes}; whether it runs at all is its
 * decided {@code if:} ({@link StepSpec#when()}: by default only while no step has failed). A failed
 * step fails the job unless it has {@code continue-on-error}; the job exits with the first failing
 * step's code.
 *
 * <p>Like GitHub's runner, each step gets {@code $GITHUB_OUTPUT} and {@code $GITHUB_ENV} files:
 * what a step appends to {@code $GITHUB_ENV} ({@code NAME=value} or {@code NAME<<DELIM} ... {@code
 * DELIM}) is exported to the steps after it; what a step with an {@code id} appends to {@code
 * $GITHUB_OUTPUT} is printed at the end as an {@link #OUTPUTS_MARKER} line (base64), which the
 * runner turns into the job outcome's step outputs.
 */
public final class JobScript {

  /** Prefix of the line printed before each step, e.g. {@code ##[step 2/3] test}. */
  public static final String STEP_MARKER = "##[step ";

  /** Prefix of the line reporting a step's outputs: {@code ##[outputs <id>] <base64>}. */
  public static final String OUTPUTS_MARKER = "##[outputs ";

  private static final String TMP = "\"$__opsflow_tmp\"";

  private static final String HASHFILES = "__opsflow_hashfiles";

  // GITHUB_ENV lines: NAME=value, or NAME<<DELIM then lines then DELIM.
  private static final String LOAD_ENV =
      """
      __opsflow_load_env() {
        [ -s "$1" ] || return 0
        __opsflow_name=
        while IFS= read -r __opsflow_line || [ -n "$__opsflow_line" ]; do
          if [ -n "$__opsflow_name" ]; then
            if [ "$__opsflow_line" = "$__opsflow_delim" ]; then
              export "$__opsflow_name=$__opsflow_value"
              __opsflow_name=
            elif [ "$__opsflow_first" = 1 ]; then
              __opsflow_value=$__opsflow_line
              __opsflow_first=0
            else
              __opsflow_value="$__opsflow_value
      $__opsflow_line"
            fi
          else
            case ${__opsflow_line%%=*} in
              *'<<'*)
                __opsflow_name=${__opsflow_line%%<<*}
                __opsflow_delim=${__opsflow_line#*<<}
                __opsflow_value=
                __opsflow_first=1
                ;;
              *)
                case $__opsflow_line in
                  *=*) export "${__opsflow_line%%=*}=${__opsflow_line#*=}" ;;
                esac
                ;;
            esac
          fi
        done < "$1"
      }
      """;

  private JobScript() {}

  /**
   * Renders the script.
   *
   * @throws IllegalArgumentException when a step env name is not a shell variable name (it is
   *     written unquoted after {@code export})
   */
  public static String render(JobRun run) {
    StringBuilder sh = new StringBuilder();
    sh.append("__opsflow_tmp=$(mktemp -d \"${TMPDIR:-/tmp}/opsflow.XXXXXX\") || exit 1\n");
    sh.append("trap 'rm -rf ").append(TMP).append("' EXIT\n");
    sh.append("__opsflow_rc=0\n");
    sh.append(": > ").append(TMP).append("/env\n");
    sh.append(LOAD_ENV);
    boolean runnerExpressions = run.steps().stream().anyMatch(s -> s.residual() != null);
    if (runnerExpressions) {
      sh.append(ShellCompiler.LIBRARY);
      // Without its tools an expression would silently read as false or empty: fail instead.
      boolean hashes =
          run.steps().stream()
              .anyMatch(s -> s.residual() != null && s.residual().toString().contains(HASHFILES));
      sh.append("for __opsflow_tool in awk").append(hashes ? " find sort cut sha256sum" : "");
      sh.append("; do\n");
      sh.append("  command -v \"$__opsflow_tool\" > /dev/null 2>&1 || {\n");
      sh.append(
          "    echo \"##[error] this job's steps read earlier steps (steps context, hashFiles)");
      sh.append(" on the runner, which needs $__opsflow_tool in the job's image\"\n");
      sh.append("    exit 127\n  }\ndone\n");
    }
    int n = run.steps().size();
    for (int i = 0; i < n; i++) {
      step(sh, run.steps().get(i), i, n, runnerExpressions);
    }
    for (int i = 0; i < n; i++) {
      StepSpec step = run.steps().get(i);
      if (step.id() != null) {
        String file = TMP + "/out-" + i;
        sh.append("if [ -s ")
            .append(file)
            .append(" ]; then printf '%s %s\\n' ")
            .append(quote(OUTPUTS_MARKER + step.id() + "]"))
            .append(" \"$(base64 < ")
            .append(file)
            .append(" | tr -d '\\n')\"; fi\n");
      }
    }
    sh.append("exit \"$__opsflow_rc\"\n");
    return sh.toString();
  }

  private static void step(
      StringBuilder sh, StepSpec step, int i, int n, boolean runnerExpressions) {
    StepResidual left = step.residual() != null ? step.residual() : NOTHING_LEFT;
    // Later steps' expressions read an earlier step's outcome and conclusion from these.
    boolean recorded = runnerExpressions && step.id() != null;
    if (recorded) {
      sh.append("__opsflow_o").append(i).append("=skipped; __opsflow_c").append(i);
      sh.append("=skipped\n");
    }
    String when = step.when() == null ? "success" : step.when();
    String test =
        switch (when) {
          case "always" -> "true";
          case "failure" -> "[ \"$__opsflow_rc\" -ne 0 ]";
          case "never" -> "false";
          default -> "[ \"$__opsflow_rc\" -eq 0 ]";
        };
    String title = step.name() != null ? step.name() : firstLine(step.run());
    String file = TMP + "/step-" + i;
    if (left.condition() != null) {
      sh.append("if {\n").append(left.condition()).append("}; then\n");
    } else {
      sh.append("if ").append(test).append("; then\n");
    }
    if (left.name() != null) {
      capture(sh, left.name());
      sh.append("printf '%s%s\\n' ")
          .append(quote(STEP_MARKER + (i + 1) + "/" + n + "] "))
          .append(" \"${__opsflow_x%x}\"\n");
    } else {
      sh.append("echo ").append(quote(STEP_MARKER + (i + 1) + "/" + n + "] " + title)).append('\n');
    }
    if (left.run() != null) {
      sh.append("{\n").append(left.run()).append("} > ").append(file).append('\n');
    } else {
      String delimiter = delimiter(step.run(), i);
      sh.append("cat > ").append(file).append(" <<'").append(delimiter).append("'\n");
      sh.append(step.run());
      if (!step.run().endsWith("\n")) {
        sh.append('\n');
      }
      sh.append(delimiter).append('\n');
    }
    sh.append(": > ").append(TMP).append("/out-").append(i).append('\n');
    sh.append(": > ").append(TMP).append("/env-").append(i).append('\n');
    sh.append("(\n");
    sh.append("__opsflow_load_env ").append(TMP).append("/env\n");
    for (Map.Entry<String, String> e : step.env().entrySet()) {
      if (!isEnvName(e.getKey())) {
        throw new IllegalArgumentException(
            "steps[" + i + "].env: '" + e.getKey() + "' is not a valid variable name");
      }
      sh.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
    }
    for (Map.Entry<String, String> e : left.env().entrySet()) {
      if (!isEnvName(e.getKey())) {
        throw new IllegalArgumentException(
            "steps[" + i + "].env: '" + e.getKey() + "' is not a valid variable name");
      }
      capture(sh, e.getValue());
      sh.append("export ").append(e.getKey()).append("=\"${__opsflow_x%x}\"\n");
    }
    sh.append("export GITHUB_OUTPUT=").append(TMP).append("/out-").append(i).append('\n');
    sh.append("export GITHUB_ENV=").append(TMP).append("/env-").append(i).append('\n');
    if (left.workingDirectory() != null) {
      capture(sh, left.workingDirectory());
      sh.append("cd -- \"${__opsflow_x%x}\" || exit 1\n");
    } else if (step.workingDirectory() != null) {
      sh.append("cd -- ").append(quote(step.workingDirectory())).append(" || exit 1\n");
    }
    sh.append("exec ");
    if (step.timeoutMinutes() != null) {
      sh.append("timeout ").append(step.timeoutMinutes() * 60L).append(' ');
    }
    sh.append(shell(step.shell(), file)).append('\n');
    sh.append(")\n");
    sh.append("__opsflow_step=$?\n");
    sh.append("cat ")
        .append(TMP)
        .append("/env-")
        .append(i)
        .append(" >> ")
        .append(TMP)
        .append("/env\n");
    if (recorded) {
      sh.append("if [ \"$__opsflow_step\" -ne 0 ]; then __opsflow_o").append(i);
      sh.append("=failure; __opsflow_c").append(i).append('=');
      sh.append(step.continueOnError() ? "success" : "failure");
      sh.append("; else __opsflow_o").append(i).append("=success; __opsflow_c").append(i);
      sh.append("=success; fi\n");
    }
    sh.append("if [ \"$__opsflow_step\" -ne 0 ]; then\n");
    if (step.continueOnError()) {
      sh.append("echo ")
          .append(quote("##[step " + (i + 1) + "/" + n + "] failed with exit "))
          .append("\"$__opsflow_step\"")
          .append(quote(", continuing (continue-on-error)"))
          .append('\n');
    } else {
      sh.append("[ \"$__opsflow_rc\" -ne 0 ] || __opsflow_rc=$__opsflow_step\n");
    }
    sh.append("fi\n");
    sh.append("fi\n");
  }

  private static final StepResidual NOTHING_LEFT = new StepResidual(null, null, null, null, null);

  /**
   * Runs commands printing a value and leaves it in {@code __opsflow_x} followed by an {@code x}
   * (which keeps trailing newlines from the command substitution): read it as {@code
   * ${__opsflow_x%x}}.
   */
  private static void capture(StringBuilder sh, String commands) {
    sh.append("__opsflow_x=$(\n").append(commands).append("printf x\n)\n");
  }

  /** The command running the step's script file with its shell. */
  static String shell(String shell, String file) {
    if (shell == null || shell.equals("sh")) {
      return "sh -e " + file;
    }
    return switch (shell) {
      case "bash" -> "bash --noprofile --norc -eo pipefail " + file;
      case "python" -> "\"$(command -v python3 || command -v python)\" " + file;
      default -> shell.replace("{0}", file);
    };
  }

  /** A here-document delimiter that no line of the script equals. */
  private static String delimiter(String script, int i) {
    String delimiter = "OPSFLOW_STEP_" + i + "_EOF";
    while (script.lines().anyMatch(delimiter::equals)) {
      delimiter = delimiter + "_";
    }
    return delimiter;
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
