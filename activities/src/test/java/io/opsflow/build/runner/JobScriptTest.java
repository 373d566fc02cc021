package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.JobRun;
import io.opsflow.build.StepSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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
