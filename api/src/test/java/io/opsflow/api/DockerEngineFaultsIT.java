package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.docker.DockerConnections;
import io.opsflow.workers.agent.NodeAgent;
import io.opsflow.workload.ContainerActivitiesImpl;
import io.opsflow.workload.ContainerSettings;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Docker engine fails under the workload flow (a node agent) and under the CI Docker runner,
 * without touching the shared daemon: each reaches the real engine through its own {@link
 * DockerEngineRelay}, which the test makes answer 500, answer late, or go away. Each engine's
 * circuit breaker ({@code docker:<host>}) is read from {@code /actuator/prometheus}. A workload
 * whose engine comes back proceeds with one container; one whose engine stays down ends FAILED with
 * a reason naming the engine; a CI job whose engine fails ends FAILED naming it; no engine call is
 * held past the client's response timeout.
 */
@AutoConfigureObservability
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=engine-faults-it",
      "opsflow.agent-secret=it-secret",
      "opsflow.workloads.inactive-after=30s",
      "opsflow.workloads.agent-pickup-timeout=20s",
      "opsflow.workloads.follow-heartbeat-timeout=5s",
      "opsflow.workloads.restart-initial-backoff=1s",
      "opsflow.workloads.restart-max-backoff=4s",
      "opsflow.workloads.action-timeout=20s",
      "opsflow.builds.runner=docker",
      "opsflow.builds.docker.stop-grace=1s",
      "opsflow.builds.docker.response-timeout=3s",
      "opsflow.builds.docker.breaker-wait-in-open=2s"
    })
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerEngineFaultsIT {

  static final String IMAGE = "opsflow/busybox:local";
  static final String NODE = "engine-faults-node";

  /** The agent's engine client gives up on an answer after this long. */
  static final Duration AGENT_RESPONSE_TIMEOUT = Duration.ofSeconds(2);

  /** The CI runner's engine, behind a relay created before the application starts. */
  static final DockerEngineRelay ciEngine = Started.at(() -> DockerEngineRelay.start());

  @DynamicPropertySource
  static void engines(DynamicPropertyRegistry registry) {
    registry.add("opsflow.builds.docker.host", ciEngine::host);
  }

  @LocalServerPort int port;
  @Autowired WorkflowClient client;
  @Autowired MeterRegistry meters;

  final DockerClient docker = DockerConnections.connect(DockerConnections.resolveHost(null), null);
  final List<String> workloads = new ArrayList<>();
  DockerEngineRelay nodeEngine;
  NodeAgent agent;
  ApiClient api;

  @BeforeAll
  void nodeAgent() throws IOException {
    nodeEngine = DockerEngineRelay.start();
    URI base = URI.create("http://127.0.0.1:" + port);
    agent =
        NodeAgent.start(
            NodeAgent.Options.builder(NODE, base, client)
                .agentSecret("it-secret")
                .heartbeatInterval(Duration.ofSeconds(1))
                .offered(4.0, 4096)
                .registerInitialBackoff(Duration.ofMillis(200))
                .dockerHost(nodeEngine.host())
                // A stop is answered after the grace: shorter than the response timeout.
                .containers(new ContainerSettings(NODE, null, Duration.ofSeconds(1), 0, null))
                .engine(AGENT_RESPONSE_TIMEOUT, Duration.ofSeconds(2))
                .meters(meters)
                .build());
    new ApiClient(port)
        .await(
            "/api/v1/nodes",
            nodes -> {
              for (JsonNode n : nodes) {
                if (n.path("node_id").asText().equals(NODE)
                    && n.path("status").asText().equals("Active")) {
                  return true;
                }
              }
              return false;
            },
            Duration.ofSeconds(30));
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (agent != null) {
      agent.close();
    }
    for (String id : workloads) {
      try {
        docker.removeContainerCmd(id).withForce(true).exec();
      } catch (NotFoundException gone) {
        // removed by the flow
      }
    }
    if (nodeEngine != null) {
      nodeEngine.close();
    }
    ciEngine.close();
    docker.close();
  }

  @BeforeEach
  void healthyEngines() throws IOException {
    api = new ApiClient(port);
    nodeEngine.mode(DockerEngineRelay.Mode.PASS);
    ciEngine.mode(DockerEngineRelay.Mode.PASS);
  }

  /** The value of {@code resilience4j_circuitbreaker_state{name=<breaker>,state=<state>}}. */
  private double breaker(String name, String state) {
    String metrics = api.text("/actuator/prometheus");
    Matcher m =
        Pattern.compile("(?m)^resilience4j_circuitbreaker_state\\{([^}]*)\\} ([0-9.]+)$")
            .matcher(metrics);
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("name=\"" + name + "\"") && labels.contains("state=\"" + state + "\"")) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }

  private String schedule(String name, String command) {
    JsonNode answer =
        api.ok(
            api.post(
                "/api/v1/workloads/schedule",
                "{\"name\":\""
                    + name
                    + "\",\"type\":\"docker-container\",\"image\":\""
                    + IMAGE
                    + "\",\"command\":\""
                    + command
                    + "\"}"),
            200);
    String id = answer.path("workload_id").asText();
    workloads.add(id);
    assertThat(answer.path("node_id").asText()).isEqualTo(NODE);
    return id;
  }

  private JsonNode awaitStatus(String id, String status, Duration within) {
    return api.await(
        "/api/v1/workloads/" + id, w -> w.path("status").asText().equals(status), within);
  }

  private List<Container> containersOf(String workloadId) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(ContainerActivitiesImpl.LABEL_WORKLOAD, workloadId))
        .exec();
  }

  /** Removes the workload through the API (the engine answers again by then). */
  private void remove(String id) {
    api.ok(api.delete("/api/v1/workloads/" + id), 200);
    assertThat(containersOf(id)).isEmpty();
  }

  /** A one-job pipeline on the CI runner, bob a member. */
  private long ciPipeline() {
    ApiClient alice = api.as("alice");
    var body = new ObjectMapper().createObjectNode();
    body.put("name", "engine-faults-" + UUID.randomUUID());
    body.put(
        "yaml",
        """
        name: engine-faults
        jobs:
          only:
            container:
              image: %s
            steps:
              - run: echo built
        """
            .formatted(IMAGE));
    body.putArray("members").add("bob");
    return alice.ok(alice.post("/api/v1/pipelines", body.toString()), 201).path("id").asLong();
  }

  @Test
  @Order(1)
  void anEngineAnswering500OpensItsCircuitAndTheWorkloadStartsOnceWhenItIsBack() throws Exception {
    String breakerName = "docker:" + nodeEngine.host();
    int createsBefore = nodeEngine.creates();
    nodeEngine.mode(DockerEngineRelay.Mode.ERROR);
    Instant failingSince = Instant.now();
    String id = schedule("engine-500", "sh -c 'echo up; sleep 300'");

    // The start's attempts meet 500s: the node's engine breaker opens.
    await().atMost(Duration.ofSeconds(30)).until(() -> breaker(breakerName, "open") == 1);
    Duration toOpen = Duration.between(failingSince, Instant.now());
    assertThat(api.get("/api/v1/workloads/" + id).body().path("status").asText())
        .isNotIn("Running", "Failed");
    assertThat(containersOf(id)).isEmpty();

    // The engine answers again: the next retry passes the half-open breaker and closes it.
    nodeEngine.mode(DockerEngineRelay.Mode.PASS);
    Instant back = Instant.now();
    JsonNode running = awaitStatus(id, "Running", Duration.ofSeconds(40));
    Duration toRunning = Duration.between(back, Instant.now());
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker(breakerName, "closed") == 1);
    System.out.printf(
        "engine 500: breaker open %d ms after the faults began; Running %d ms after the engine"
            + " came back%n",
        toOpen.toMillis(), toRunning.toMillis());

    // One container, created once.
    assertThat(containersOf(id)).hasSize(1);
    assertThat(nodeEngine.creates() - createsBefore).isEqualTo(1);
    assertThat(running.path("node_id").asText()).isEqualTo(NODE);
    remove(id);
  }

  @Test
  @Order(2)
  void aSlowEngineIsCutAtTheResponseTimeoutAndTheContainerItCreatedMeanwhileIsUsedOnce()
      throws Exception {
    int createsBefore = nodeEngine.creates();
    // The engine does what it is asked but answers create/start/stop 6 s late.
    nodeEngine.mode(DockerEngineRelay.Mode.SLOW, Duration.ofSeconds(6));
    Instant slowSince = Instant.now();
    String id = schedule("engine-slow", "sh -c 'echo up; sleep 300'");

    JsonNode running = awaitStatus(id, "Running", Duration.ofSeconds(60));
    Duration toRunning = Duration.between(slowSince, Instant.now());
    List<Duration> waits = nodeEngine.abandonedWaits();
    Duration longest = waits.stream().max(Duration::compareTo).orElse(Duration.ZERO);
    System.out.printf(
        "slow engine: %d held answers abandoned, longest wait %d ms (timeout %d ms); Running"
            + " after %d ms%n",
        waits.size(), longest.toMillis(), AGENT_RESPONSE_TIMEOUT.toMillis(), toRunning.toMillis());

    // The client gave up on held answers at its timeout, never waited the engine's 6 s.
    assertThat(waits).isNotEmpty();
    assertThat(longest).isLessThan(AGENT_RESPONSE_TIMEOUT.plusMillis(1500));
    // The create whose answer was lost reached the engine once; the retry found its container.
    assertThat(nodeEngine.creates() - createsBefore).isEqualTo(1);
    assertThat(containersOf(id)).hasSize(1);
    assertThat(running.path("node_id").asText()).isEqualTo(NODE);

    nodeEngine.mode(DockerEngineRelay.Mode.PASS);
    remove(id);
  }

  @Test
  @Order(3)
  void aCiJobWhoseEngineFailsEndsFailedNamingTheEngineAndTheNextBuildRunsWhenItIsBack()
      throws Exception {
    String breakerName = "docker:" + ciEngine.host();
    ApiClient bob = api.as("alice").as("bob");
    long pipeline = ciPipeline();

    ciEngine.mode(DockerEngineRelay.Mode.ERROR);
    Instant failingSince = Instant.now();
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    await().atMost(Duration.ofSeconds(30)).until(() -> breaker(breakerName, "open") == 1);
    Duration toOpen = Duration.between(failingSince, Instant.now());
    // The job gives up after its runner attempts, recording the engine as the reason.
    JsonNode withFailedJob =
        bob.await(
            "/api/v1/builds/" + id,
            b -> b.path("jobs").get(0).path("status").asText().equals("FAILED"),
            Duration.ofSeconds(90));
    Duration toJobFailed = Duration.between(failingSince, Instant.now());
    JsonNode job = withFailedJob.path("jobs").get(0);
    assertThat(job.path("message").asText()).contains("Docker engine " + ciEngine.host());
    // The build ends once the runner cleaned up on the engine, which is still failing.
    assertThat(withFailedJob.path("status").asText()).isEqualTo("RUNNING");
    assertThat(ciEngine.creates()).isZero();

    // The engine is back: the cleanup passes, the build is FAILED, the breaker closes, and the
    // next build runs.
    ciEngine.mode(DockerEngineRelay.Mode.PASS);
    Instant back = Instant.now();
    JsonNode failed =
        bob.await(
            "/api/v1/builds/" + id,
            b -> b.path("status").asText().equals("FAILED"),
            Duration.ofSeconds(60));
    Duration toBuildFailed = Duration.between(back, Instant.now());
    assertThat(failed.path("message").asText()).contains("Docker engine " + ciEngine.host());
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker(breakerName, "closed") == 1);
    long next =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    bob.await(
        "/api/v1/builds/" + next,
        b -> b.path("status").asText().equals("SUCCEEDED"),
        Duration.ofSeconds(90));
    System.out.printf(
        "CI engine 500: breaker open after %d ms, job FAILED after %d ms (%s); build FAILED %d ms"
            + " and next build SUCCEEDED %d ms after the engine came back%n",
        toOpen.toMillis(),
        toJobFailed.toMillis(),
        job.path("message").asText(),
        toBuildFailed.toMillis(),
        Duration.between(back, Instant.now()).toMillis());
    assertThat(ciEngine.creates()).isEqualTo(1);
  }

  @Test
  @Order(4)
  void aCiEngineSlowerThanTheResponseTimeoutFailsTheJobNamingItAndNoCallWaitsLonger()
      throws Exception {
    ApiClient bob = api.as("alice").as("bob");
    long pipeline = ciPipeline();
    int createsBefore = ciEngine.creates();
    int abandonedBefore = ciEngine.abandonedWaits().size();
    // The engine does what it is asked but answers every POST (volume and container create,
    // start, stop) 6 s late: longer than the runner's 3 s response timeout.
    ciEngine.mode(DockerEngineRelay.Mode.SLOW, Duration.ofSeconds(6));
    Instant slowSince = Instant.now();
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    JsonNode failed =
        bob.await(
            "/api/v1/builds/" + id,
            b -> b.path("status").asText().equals("FAILED"),
            Duration.ofSeconds(90));
    Duration took = Duration.between(slowSince, Instant.now());
    List<Duration> waits =
        ciEngine.abandonedWaits().subList(abandonedBefore, ciEngine.abandonedWaits().size());
    Duration longest = waits.stream().max(Duration::compareTo).orElse(Duration.ZERO);
    String message = failed.path("jobs").get(0).path("message").asText();
    System.out.printf(
        "slow CI engine: build FAILED after %d ms (%s); %d held answers abandoned, longest wait"
            + " %d ms (response timeout 3000 ms)%n",
        took.toMillis(), message, waits.size(), longest.toMillis());
    assertThat(message).contains("Docker engine " + ciEngine.host()).contains("timed out");
    // Every attempt gave up on its held answer at the timeout, never waited the engine's 6 s.
    assertThat(waits).hasSizeGreaterThanOrEqualTo(2);
    assertThat(longest).isLessThan(Duration.ofMillis(4500));
    // The workspace volume's create never got its answer, so no container create was sent.
    assertThat(ciEngine.creates()).isEqualTo(createsBefore);
  }

  @Test
  @Order(5)
  void aDownEngineFailsTheWorkloadWithAReasonNamingTheEngineAndCreatesNothing() throws Exception {
    String breakerName = "docker:" + nodeEngine.host();
    int createsBefore = nodeEngine.creates();
    nodeEngine.mode(DockerEngineRelay.Mode.DOWN);
    Instant downSince = Instant.now();
    String id = schedule("engine-down", "sh -c 'echo up; sleep 300'");

    JsonNode failed = awaitStatus(id, "Failed", Duration.ofSeconds(60));
    Duration toFailed = Duration.between(downSince, Instant.now());
    String message = failed.path("message").asText();
    System.out.printf(
        "engine down: workload Failed after %d ms: %s%n", toFailed.toMillis(), message);
    assertThat(message).contains("Docker engine " + nodeEngine.host());
    assertThat(breaker(breakerName, "open")).isEqualTo(1);
    assertThat(nodeEngine.creates()).isEqualTo(createsBefore);
    assertThat(containersOf(id)).isEmpty();
  }
}
