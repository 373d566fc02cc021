package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.opsflow.workers.embedded.EmbeddedInfrastructure;
import io.opsflow.workers.embedded.TemporalDevServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Visibility on the real dev server, as an engineer uses it: the app's search attributes and memo
 * found through the Temporal CLI ({@code temporal workflow list --query}) and through the Temporal
 * UI's own HTTP API (what its workflow list page calls), for a session and a build.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.embedded.temporal.ui-port=0",
      "opsflow.embedded.temporal.engine=CLI",
      "opsflow.task-queues.instance-id=visibility-it",
      "opsflow.builds.runner=local"
    })
class VisibilityIT {

  static final ShellyPlugSimulator plug = Started.at(() -> ShellyPlugSimulator.start());

  @AfterAll
  static void stopPlug() {
    plug.close();
  }

  @LocalServerPort int port;

  @Autowired
  @org.springframework.beans.factory.annotation.Qualifier(EmbeddedInfrastructure.TEMPORAL_BEAN)
  TemporalDevServer temporal;

  @Value("${" + EmbeddedInfrastructure.TEMPORAL_UI_URL + "}")
  String uiUrl;

  final ObjectMapper mapper = new ObjectMapper();

  @Test
  void sessionsAndBuildsAreFoundByTheirSearchAttributesInTheCliAndTheUi() throws Exception {
    assertThat(temporal.uiUrl()).contains(uiUrl);
    ApiClient api = new ApiClient(port);
    long station = api.console("ps5-visible", plug.baseUrl());
    long session = api.startSession(station, api.user("eve"), 5).path("id").asLong();

    ApiClient alice = api.as("alice");
    long pipelineId =
        alice.pipeline("visible", "jobs:\n  hello:\n    steps:\n      - run: echo hello\n");
    long build = alice.startBuild(pipelineId);
    api.await(
        "/api/v1/builds/" + build,
        b -> b.path("status").asText().equals("SUCCEEDED"),
        Duration.ofSeconds(60));

    String sessionQuery =
        "OpsflowStationId = " + station + " AND OpsflowSessionStatus = \"ACTIVE\"";
    String buildQuery =
        "OpsflowPipelineId = \"" + pipelineId + "\" AND OpsflowBuildStatus = \"SUCCEEDED\"";

    // Visibility is eventually consistent: the list catches up within a second or so.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode sessions = cliList(sessionQuery);
              assertThat(sessions).hasSize(1);
              assertThat(sessions.get(0).path("execution").path("workflowId").asText())
                  .isEqualTo("session-" + session);
              assertThat(sessions.get(0).path("memo").path("fields").path("api").asText())
                  .isEqualTo("/api/v1/sessions/" + session);
              JsonNode builds = cliList(buildQuery);
              assertThat(builds).hasSize(1);
              assertThat(builds.get(0).path("execution").path("workflowId").asText())
                  .isEqualTo("build-" + build);
            });

    JsonNode fromUi = uiList(sessionQuery);
    assertThat(fromUi).hasSize(1);
    JsonNode listed = fromUi.get(0);
    assertThat(listed.path("execution").path("workflowId").asText())
        .isEqualTo("session-" + session);
    assertThat(listed.path("type").path("name").asText()).isEqualTo("SessionWorkflow");
    // The UI shows the memo's link back to the API resource, decoded through the app's codec
    // endpoint as the UI's browser page does (the UI server itself only has the ciphertext).
    JsonNode encrypted = listed.path("memo").path("fields").path("api");
    assertThat(
            new String(
                Base64.getDecoder().decode(encrypted.path("metadata").path("encoding").asText()),
                StandardCharsets.UTF_8))
        .isEqualTo("binary/encrypted");
    JsonNode decoded =
        api.ok(
                api.post(
                    "/api/v1/temporal/codec/decode",
                    mapper
                        .createObjectNode()
                        .set("payloads", mapper.createArrayNode().add(encrypted))
                        .toString()),
                200)
            .path("payloads")
            .get(0);
    String memo =
        new String(
            Base64.getDecoder().decode(decoded.path("data").asText()), StandardCharsets.UTF_8);
    assertThat(memo).isEqualTo("\"/api/v1/sessions/" + session + "\"");
    assertThat(uiList(buildQuery)).hasSize(1);
    // A query that matches nothing lists nothing (the filter is applied, not ignored).
    assertThat(cliList("OpsflowStationId = " + (station + 1000))).isEmpty();

    api.delete("/api/v1/sessions/" + session);
  }

  /** {@code temporal workflow list --query ... -o json}, the real CLI. */
  private JsonNode cliList(String query) throws Exception {
    Path cli = TemporalDevServer.findCli().orElseThrow();
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            cli.toString(),
            "workflow",
            "list",
            "--address",
            temporal.target(),
            "--query",
            query,
            "--output",
            "json",
            // Payloads (the memo) are encrypted: the CLI decodes them through the app.
            "--codec-endpoint",
            "http://127.0.0.1:" + port + "/api/v1/temporal/codec",
            // ... as an engineer would: with a bearer token (admin holds the engineer role).
            "--codec-auth",
            "Bearer " + new ApiClient(port).token()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    JsonNode parsed = mapper.readTree(output.isBlank() ? "[]" : output);
    return parsed;
  }

  /** The Temporal UI server's list endpoint, which its workflows page calls with the query. */
  private JsonNode uiList(String query) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            uiUrl
                                + "/api/v1/namespaces/default/workflows?query="
                                + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(20))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return mapper.readTree(response.body()).path("executions");
  }
}
