package io.opsflow.workers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.workload.ContainerSettings;
import io.temporal.testing.TestWorkflowEnvironment;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent's conversation with the API (a recording HTTP server on 127.0.0.1): the seed's bodies,
 * the bearer secret, retries while the API is down, the heartbeat rhythm and close. Its worker runs
 * on an in-process Temporal test server; no Docker call is made here.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeAgentTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  // Nothing listens there: the agent's Docker client is never used in these tests.
  private static final String NO_ENGINE = "unix:///nonexistent/opsflow-test-docker.sock";

  private TestWorkflowEnvironment temporal;
  private RecordingApi api;
  private NodeAgent agent;

  @BeforeEach
  void start() throws Exception {
    temporal = TestWorkflowEnvironment.newInstance();
    api = RecordingApi.start(0);
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    api.close();
    temporal.close();
  }

  @Test
  void registersWithTheSeedsBodyAndTheBearerSecretThenHeartbeatsItsOffer() throws Exception {
    agent =
        NodeAgent.start(
            options("node-1", api.url())
                .agentSecret("s3cret")
                .heartbeatInterval(Duration.ofMillis(200))
                .offered(2.5, 8192)
                .address("127.0.0.1", "worker-1")
                .build());

    await(() -> api.heartbeats().size() >= 2);

    RecordingApi.Call register = api.calls().get(0);
    assertThat(api.heartbeats().get(1).body()).isEqualTo(api.heartbeats().get(0).body());
    assertThat(register.path()).isEqualTo("/api/v1/nodes/register");
    assertThat(register.authorization()).isEqualTo("Bearer s3cret");
    assertThat(register.body())
        .isEqualTo(
            JSON.readTree(
                "{\"nodeId\":\"node-1\",\"ipAddress\":\"127.0.0.1\",\"hostname\":\"worker-1\","
                    + "\"status\":\"active\"}"));
    RecordingApi.Call heartbeat = api.heartbeats().get(0);
    assertThat(heartbeat.authorization()).isEqualTo("Bearer s3cret");
    assertThat(heartbeat.body())
        .isEqualTo(
            JSON.readTree(
                "{\"nodeId\":\"node-1\",\"status\":\"active\",\"availableCpu\":2.5,"
                    + "\"availableMemory\":8192}"));
    assertThat(api.registrations()).hasSize(1);
    assertThat(agent.isRegistered()).isTrue();
    assertThat(agent.nodeQueue()).isEqualTo("node-node-1");
  }

  @Test
  void measuredOfferIsTheMachineMinusTheReserve() {
    agent = NodeAgent.start(options("node-m", api.url()).offered(0, 0).reserved(0.5, 256).build());

    await(() -> !api.heartbeats().isEmpty());

    double cpu = Runtime.getRuntime().availableProcessors() - 0.5;
    long memory = OfferedCapacity.totalMemoryMb() - 256;
    assertThat(agent.offeredCpu()).isEqualTo(cpu);
    assertThat(agent.offeredMemoryMb()).isEqualTo(memory);
    assertThat(api.heartbeats().get(0).body().get("availableCpu").asDouble()).isEqualTo(cpu);
    assertThat(api.heartbeats().get(0).body().get("availableMemory").asLong()).isEqualTo(memory);
  }

  @Test
  void keepsRegisteringWhileTheApiIsNotUpAndHeartbeatsOnceItIs() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    agent =
        NodeAgent.start(
            options("node-late", URI.create("http://127.0.0.1:" + port))
                .registerInitialBackoff(Duration.ofMillis(50))
                .build());
    await(() -> agent.registrationAttempts() >= 3);
    assertThat(agent.isRegistered()).isFalse();

    try (RecordingApi late = RecordingApi.start(port)) {
      await(() -> late.heartbeats().size() >= 1);

      assertThat(late.registrations()).hasSize(1);
      assertThat(agent.isRegistered()).isTrue();
    }
  }

  @Test
  void retriesARefusedRegistrationAndSendsNoHeartbeatBeforeItIsAccepted() {
    api.answerRegister(503);
    agent =
        NodeAgent.start(
            options("node-refused", api.url())
                .registerInitialBackoff(Duration.ofMillis(20))
                .build());

    await(() -> api.registrations().size() >= 3);
    assertThat(api.heartbeats()).isEmpty();
    assertThat(agent.isRegistered()).isFalse();

    api.answerRegister(200);
    await(() -> !api.heartbeats().isEmpty());
    assertThat(agent.isRegistered()).isTrue();
  }

  @Test
  void heartbeatsComeAtTheConfiguredInterval() {
    Duration interval = Duration.ofMillis(250);
    agent = NodeAgent.start(options("node-rhythm", api.url()).heartbeatInterval(interval).build());

    await(() -> api.heartbeats().size() >= 11);

    List<RecordingApi.Call> beats = api.heartbeats();
    Duration tenIntervals = Duration.between(beats.get(0).at(), beats.get(10).at());
    // Fixed rate: never early (less a little clock slack), late only by scheduling jitter.
    assertThat(tenIntervals)
        .isBetween(
            interval.multipliedBy(10).minusMillis(60), interval.multipliedBy(10).plusSeconds(2));
  }

  @Test
  void anEngineResponseTimeoutNotLongerThanTheStopGraceIsRefused() {
    assertThatThrownBy(
            () ->
                options("node-timeout", api.url())
                    .containers(
                        new ContainerSettings(
                            "node-timeout", null, Duration.ofSeconds(10), 0, null))
                    .engine(Duration.ofSeconds(10), null)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("engineResponseTimeout");
  }

  @Test
  void aHeartbeatTheApiDoesNotKnowLeadsToRegisteringAgain() {
    agent =
        NodeAgent.start(
            options("node-forgotten", api.url()).heartbeatInterval(Duration.ofMillis(100)).build());
    await(() -> !api.heartbeats().isEmpty());

    api.answerHeartbeat(404);
    await(() -> api.registrations().size() >= 2);
  }

  @Test
  void closeStopsTheHeartbeats() throws Exception {
    Duration interval = Duration.ofMillis(100);
    agent = NodeAgent.start(options("node-closed", api.url()).heartbeatInterval(interval).build());
    await(() -> api.heartbeats().size() >= 3);

    agent.close();
    int sent = api.heartbeats().size();
    // Proving an absence takes waiting: five intervals without a single heartbeat.
    Thread.sleep(interval.multipliedBy(5).toMillis());

    assertThat(api.heartbeats()).hasSize(sent);
    agent.close();
  }

  private NodeAgent.Builder options(String nodeId, URI url) {
    return NodeAgent.Options.builder(nodeId, url, temporal.getWorkflowClient())
        .heartbeatInterval(Duration.ofSeconds(30))
        .offered(1, 1024)
        .dockerHost(NO_ENGINE);
  }

  private static void await(BooleanSupplier condition) {
    Await.until(Duration.ofSeconds(20), condition);
  }
}
