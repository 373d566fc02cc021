package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import io.opsflow.docker.DockerConnections;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.opsflow.workers.embedded.LoopbackPorts;
import io.opsflow.workers.embedded.TemporalDevServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-in-one app on its embedded default (the real Temporal dev server and PostgreSQL, both in
 * one data directory) killed with SIGKILL while a session is ACTIVE, a build RUNNING and a workload
 * Running, then started again on the same data directory: the session still expires at its
 * scheduled end with the plug switched off once, the build finishes with its job run once, and the
 * workload is still followed. Real processes throughout: the app's jar, its dev server and
 * PostgreSQL, Docker, a Shelly plug simulator over HTTP.
 */
class AllInOneRestartIT {

  static final String IMAGE = "opsflow/busybox:local";
  static final String SECRET = "restart-secret";

  @TempDir Path temp;
  ShellyPlugSimulator plug;
  final DockerClient docker = DockerConnections.connect(DockerConnections.resolveHost(null), null);
  final List<JavaProcess> apps = new ArrayList<>();
  final List<String> containers = new ArrayList<>();

  @BeforeEach
  void startPlug() throws IOException {
    plug = ShellyPlugSimulator.start();
  }

  @AfterEach
  void cleanUp() {
    apps.forEach(JavaProcess::close);
    plug.close();
    for (String name : containers) {
      try {
        docker.removeContainerCmd(name).withForce(true).exec();
      } catch (NotFoundException gone) {
        // removed by its workflow
      }
    }
  }

  private JavaProcess startApp(Path dataDir, int port, int temporalPort, Path log)
      throws Exception {
    JavaProcess app =
        JavaProcess.start(
            "all-in-one app",
            List.of("-Xmx768m"),
            JavaProcess.execJar("api"),
            List.of(
                "--server.port=" + port,
                "--opsflow.embedded.temporal.port=" + temporalPort,
                "--opsflow.embedded.temporal.ui-port=-1",
                "--opsflow.builds.runner=docker",
                "--opsflow.task-queues.instance-id=restart-app",
                // the node agent inside the app, as on one machine
                "--opsflow.agent.node-id=restart-node",
                "--opsflow.agent.api-url=http://127.0.0.1:" + port,
                "--opsflow.agent.heartbeat-interval=2s",
                "--opsflow.workloads.follow-heartbeat-timeout=5s",
                "--opsflow.sessions.power-poll-interval=10s",
                "--opsflow.security.embedded.clients.it-admin.secret=it-admin-secret",
                "--opsflow.security.embedded.clients.it-admin.roles=admin",
                "--opsflow.security.embedded.clients.alice.secret=alice-secret",
                "--opsflow.security.embedded.clients.alice.roles=ci_user"),
            Map.of("OPSFLOW_DATA_DIR", dataDir.toString(), "AGENT_SECRET", SECRET),
            log);
    apps.add(app);
    return app.awaitHttp("http://127.0.0.1:" + port + "/actuator/health", Duration.ofSeconds(120));
  }

  @Test
  void sigkillAndRestartOnTheSameDataDirectoryLosesNothing() throws Exception {
    Path dataDir = Files.createDirectory(temp.resolve("data"));
    // PostgreSQL runs as nobody when the tests run as root: it must reach its cluster.
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx--x--x"));
    Path log = temp.resolve("app.log");
    int port = LoopbackPorts.free();
    int temporalPort = LoopbackPorts.free();
    JavaProcess first = startApp(dataDir, port, temporalPort, log);
    assertThat(first.logText()).contains("Temporal: Temporal dev server").contains("temporal.db");
    // The payload key generated on the first start, readable by its owner only; the restart
    // below must decrypt everything written before the kill with it.
    Path payloadKey = dataDir.resolve("security/payload-key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(payloadKey)))
        .isEqualTo("rw-------");
    String key = Files.readString(payloadKey);
    ApiClient api = new ApiClient(port);
    ApiClient alice = api.as("alice");

    // A build whose one job runs across the kill.
    String yaml =
        "jobs:\n"
            + "  long:\n"
            + "    container: "
            + IMAGE
            + "\n"
            + "    steps:\n"
            + "      - run: echo job-started; sleep 40; echo job-finished\n";
    long build = alice.startBuild(alice.pipeline("restart", yaml));

    // A workload on the app's own node agent.
    api.await(
        "/api/v1/nodes",
        nodes -> nodes.toString().contains("\"status\":\"Active\""),
        Duration.ofSeconds(60));
    String workload =
        api.ok(
                api.post(
                    "/api/v1/workloads/schedule",
                    "{\"name\":\"survivor\",\"type\":\"docker-container\",\"image\":\""
                        + IMAGE
                        + "\",\"command\":\"sh -c 'echo up; sleep 3600'\",\"cpu\":0.1,"
                        + "\"memory\":32,\"restartPolicy\":\"never\"}"),
                200)
            .path("workload_id")
            .asText();
    containers.add(workload);
    awaitWorkload(api, workload, "Running");

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> api.text("/api/v1/builds/" + build + "/jobs/long/logs").contains("job-started"));
    assertThat(api.get("/api/v1/builds/" + build).body().path("status").asText())
        .isEqualTo("RUNNING");

    // A one-minute session on a console, started last so that its end falls after the restart.
    JsonNode session =
        api.startSession(api.console("ps5-restart", plug.baseUrl()), api.user("kim"), 1);
    assertThat(plug.isOn()).isTrue();
    Instant scheduledEnd = Instant.parse(session.path("scheduled_end_at").asText());

    // SIGKILL: no shutdown hook runs. The dev server and PostgreSQL die with the app.
    first.kill();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                TemporalDevServer.probe("127.0.0.1:" + temporalPort, Duration.ofSeconds(1))
                    .isEmpty());

    JavaProcess second = startApp(dataDir, port, temporalPort, log);
    assertThat(Instant.now()).isBefore(scheduledEnd);
    assertThat(Files.readString(payloadKey)).isEqualTo(key);

    JsonNode expired =
        api.await(
            "/api/v1/sessions/" + session.path("id").asLong(),
            s -> s.path("status").asText().equals("EXPIRED"),
            Duration.ofSeconds(120));
    Duration late =
        Duration.between(scheduledEnd, Instant.parse(expired.path("actual_end_at").asText()));
    assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(20)).until(() -> !plug.isOn());
    Thread.sleep(3_000);
    assertThat(plug.httpOnCount()).isEqualTo(1);
    assertThat(plug.httpOffCount()).isEqualTo(1);

    JsonNode done =
        api.await(
            "/api/v1/builds/" + build,
            b -> b.path("status").asText().equals("SUCCEEDED"),
            Duration.ofSeconds(120));
    JsonNode job = done.path("jobs").get(0);
    assertThat(job.path("attempt").asInt()).isEqualTo(1);
    assertThat(job.path("exit_code").asInt()).isZero();
    String jobLog = api.text("/api/v1/builds/" + build + "/jobs/long/logs");
    // The step header, then each output line once: nothing replayed, nothing lost.
    assertThat(jobLog.lines().filter(l -> l.startsWith("##[step")).count()).isEqualTo(1);
    assertThat(jobLog.lines().filter(l -> l.strip().equals("job-started")).count()).isEqualTo(1);
    assertThat(jobLog.lines().filter(l -> l.strip().equals("job-finished")).count()).isEqualTo(1);

    // Still followed: the container stopped behind opsflow's back is seen as Exited.
    assertThat(api.get("/api/v1/workloads/" + workload).body().path("status").asText())
        .isEqualTo("Running");
    docker.killContainerCmd(workload).exec();
    awaitWorkload(api, workload, "Exited");
    assertThat(second.isAlive()).isTrue();
    assertThat(second.logText()).doesNotContain("Cannot decrypt");
  }

  private static void awaitWorkload(ApiClient api, String id, String status) {
    api.await(
        "/api/v1/workloads/" + id,
        w -> w.path("status").asText().equals(status),
        Duration.ofSeconds(90));
  }
}
