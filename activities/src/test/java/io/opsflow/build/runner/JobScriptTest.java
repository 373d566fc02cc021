package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.JobRun;
import io.opsflow.build.StepResidual;
import io.opsflow.build.StepSpec;
import io.opsflow.build.expr.Condition;
import io.opsflow.build.expr.ExprContext;
import io.opsflow.build.expr.ShellCompiler;
import io.opsflow.build.expr.Template;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rendered job script is valid POSIX sh, whatever the steps hold. */
class JobScriptTest {

  private static final JobRun RUN =
      new JobRun(
          7,
          "all",
          1,
          "img",
          Map.of(),
          List.of(
              new StepSpec("plain", "echo hi", Map.of("A", "it's")),
              new StepSpec(
                  null,
                  "OPSFLOW_STEP_1_EOF\necho '$HOME' \"quoted\"",
                  Map.of(),
                  "meta",
                  "bash",
                  "sub dir",
                  true,
                  2,
                  "failure()",
                  "failure"),
              new StepSpec(
                  null, "print(1)", Map.of(), "py", "python", null, false, null, null, "always"),
              new StepSpec(
                  null, "echo x", Map.of(), null, "sh -eu {0}", null, false, null, null, "never")),
          60);

  @Test
  void passesShellcheckAndSh() throws Exception {
    String script = JobScript.render(RUN);
    assertThat(run(script, "shellcheck", "-s", "sh", "-S", "error", "-")).isZero();
    assertThat(run(script, "sh", "-n")).isZero();
    // The delimiter that a script line happens to equal is lengthened.
    assertThat(script).contains("<<'OPSFLOW_STEP_1_EOF_'");
    assertThat(script).contains("exec timeout 120 bash --noprofile --norc -eo pipefail");
    assertThat(script).contains("printf '%s %s\\n' '##[outputs meta]'");
  }

  @Test
  void stepsLeftToTheRunnerPassShellcheckAndSh() throws Exception {
    ExprContext none =
        new ExprContext() {
          @Override
          public Object context(String name) {
            return null;
          }

          @Override
          public boolean status(String function) {
            return true;
          }
        };
    List<String> ids = List.of("v", "w");
    StepResidual left =
        new StepResidual(
            ShellCompiler.condition(
                Condition.parse(
                    "failure() && contains(steps.v.outputs.x, 'a') || steps.v.outcome == 1"),
                none,
                ids,
                1),
            ShellCompiler.text(Template.parse("n ${{ steps.v.conclusion }}"), none, ids, 1),
            ShellCompiler.text(Template.parse("echo ${{ !steps.v.outputs.y }}"), none, ids, 1),
            ShellCompiler.text(Template.parse("${{ hashFiles('**/x', '!y/**') }}"), none, ids, 1),
            Map.of(
                "E",
                ShellCompiler.text(
                    Template.parse("${{ startsWith(steps.V.outputs.Y, 'x') }}"), none, ids, 1)));
    JobRun run =
        new JobRun(
            7,
            "all",
            1,
            "img",
            Map.of(),
            List.of(
                new StepSpec(
                    null,
                    "echo x=1 >> $GITHUB_OUTPUT",
                    Map.of(),
                    "v",
                    null,
                    null,
                    true,
                    null,
                    null,
                    null),
                new StepSpec(
                    null, "unused", Map.of(), "w", null, null, false, null, "x", "always", left)),
            60);
    String script = JobScript.render(run);
    assertThat(run(script, "shellcheck", "-s", "sh", "-S", "error", "-")).isZero();
    assertThat(run(script, "sh", "-n")).isZero();
    assertThat(script).contains("__opsflow_o0=skipped").contains("__opsflow_c0=success");
    assertThat(script).contains("for __opsflow_tool in awk find sort cut sha256sum; do");
  }

  @Test
  void anImageWithoutAwkFailsTheJobSayingSo(@TempDir Path bin) throws Exception {
    for (String tool : List.of("sh", "mktemp", "rm", "cat", "base64", "tr")) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of(which(tool)));
    }
    ExprContext none =
        new ExprContext() {
          @Override
          public Object context(String name) {
            return null;
          }

          @Override
          public boolean status(String function) {
            return true;
          }
        };
    StepResidual left =
        new StepResidual(
            ShellCompiler.condition(
                Condition.parse("steps.v.outputs.x == 'a'"), none, List.of("v", "w"), 1),
            null,
            null,
            null,
            null);
    JobRun run =
        new JobRun(
            7,
            "all",
            1,
            "img",
            Map.of(),
            List.of(
                new StepSpec(
                    null,
                    "echo x=a >> \"$GITHUB_OUTPUT\"",
                    Map.of(),
                    "v",
                    null,
                    null,
                    false,
                    null,
                    null,
                    null),
                new StepSpec(
                    null, "echo ran", Map.of(), "w", null, null, false, null, "x", "always", left)),
            60);
    ProcessBuilder pb =
        new ProcessBuilder(bin.resolve("sh").toString(), "-c", JobScript.render(run))
            .redirectErrorStream(true);
    pb.environment().put("PATH", bin.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(127);
    assertThat(out).contains("needs awk in the job's image").doesNotContain("ran");
  }

  private static String which(String tool) throws IOException {
    for (String dir : List.of("/usr/bin", "/bin")) {
      Path path = Path.of(dir, tool);
      if (Files.isExecutable(path)) {
        return path.toRealPath().toString();
      }
    }
    throw new IOException(tool + " not found");
  }

  private static int run(String stdin, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    if (p.exitValue() != 0) {
      System.err.println(out);
    }
    return p.exitValue();
  }
}
