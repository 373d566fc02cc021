package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The API fuzzed from its own OpenAPI document by schemathesis (Python's package index; {@code
 * .ci/run} installs it and names it in {@code OPSFLOW_SCHEMATHESIS}): every operation with an admin
 * token, a bounded number of generated cases each (valid and invalid), and not one answer may be a
 * 5xx or break its documented schema. Left out: the live streams (they never end) and the two
 * operations that run a build's steps, since generated YAML would run as shell commands.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=fuzz-it",
      "opsflow.builds.runner=local",
      // Workloads land on nodes the fuzzer registers, where no agent listens: a remove gives up
      // on the container after this instead of a minute.
      "opsflow.workloads.agent-pickup-timeout=3s"
    })
class ApiFuzzIT {

  /** Cases per operation, per phase; the whole run stays within a few minutes on two cores. */
  static final int MAX_EXAMPLES = Integer.getInteger("opsflow.fuzz.max-examples", 25);

  static final String EXCLUDED =
      "^/api/v1/events/stream$"
          + "|^/api/v1/passes/\\{[^}]+}/stream$"
          + "|^/api/v1/builds/\\{[^}]+}/jobs/\\{[^}]+}/logs$"
          + "|^/api/v1/pipelines/\\{[^}]+}/builds$"
          + "|^/api/v1/builds/\\{[^}]+}/rerun$";

  @LocalServerPort int port;

  @Test
  void schemathesisFindsNoServerErrorAndNoAnswerOutsideItsSchema() throws Exception {
    String cli = System.getenv("OPSFLOW_SCHEMATHESIS");
    assertThat(cli)
        .as("OPSFLOW_SCHEMATHESIS names the schemathesis CLI (bash .ci/run installs it)")
        .isNotBlank();
    Path reports = Path.of("target", "schemathesis").toAbsolutePath();
    Files.createDirectories(reports);
    Path output = reports.resolve("output.txt");
    String token = new ApiClient(port).token();
    List<String> command =
        new ArrayList<>(
            List.of(
                cli,
                "run",
                "http://127.0.0.1:" + port + "/v3/api-docs",
                "--header",
                "Authorization: Bearer " + token,
                "--checks",
                "not_a_server_error,response_schema_conformance",
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                String.valueOf(MAX_EXAMPLES),
                "--seed",
                "20261204",
                "--workers",
                "2",
                "--request-timeout",
                "60",
                "--exclude-path-regex",
                EXCLUDED,
                "--suppress-health-check",
                "all",
                "--report",
                "junit",
                "--report-dir",
                reports.toString(),
                "--output-truncate",
                "false",
                "--continue-on-failure"));
    Process process =
        new ProcessBuilder(command)
            .directory(reports.toFile()) // its cache (.schemathesis/) goes there too
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    boolean ended = process.waitFor(15, TimeUnit.MINUTES);
    if (!ended) {
      process.destroyForcibly();
    }
    String text = read(output);
    System.out.println("schemathesis:\n" + text);
    assertThat(ended).as("schemathesis ended within 15 minutes").isTrue();
    assertThat(process.exitValue()).as(text).isZero();
    Matcher tested = Pattern.compile("Tested: (\\d+)").matcher(text);
    Matcher cases = Pattern.compile("(\\d+) generated, (\\d+) passed").matcher(text);
    assertThat(tested.find()).as("schemathesis summary: operations tested").isTrue();
    assertThat(cases.find()).as("schemathesis summary: every generated case passed").isTrue();
    System.out.printf(
        "API fuzz: %s operations, %s cases, %d failures%n",
        tested.group(1),
        cases.group(1),
        Long.parseLong(cases.group(1)) - Long.parseLong(cases.group(2)));
    assertThat(Integer.parseInt(tested.group(1)))
        .as("operations tested")
        .isGreaterThanOrEqualTo(30);
    assertThat(cases.group(2)).isEqualTo(cases.group(1));
  }

  private static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
