package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import io.opsflow.docker.DockerConnections;
import io.opsflow.workers.agent.NodeAgent;
import io.opsflow.workload.ContainerActivitiesImpl;
import io.temporal.client.WorkflowClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Workload scheduling end to end on the real Docker engine: the seed's request bodies over HTTP,
 * two node agents (each a Temporal worker on its own {@code node-<id>} queue), containers as Docker
 * reports them, delete, and a node whose agent dies going Inactive at the threshold with its
 * workload rescheduled on the other node. Both agents share this machine's one engine, so a dead
 * node is simulated as a machine that went down: its agent stops and its containers go with it.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=workload-it",
      "opsflow.agent-secret=it-secret",
      "opsflow.workloads.inactive-after=6s",
      "opsflow.workloads.agent-pickup-timeout=20s",
      "opsflow.workloads.follow-heartbeat-timeout=5s",
      "opsflow.workloads.restart-initial-backoff=1s",
      "opsflow.workloads.pending-recheck=2s"
    })
class WorkloadFlowIT {

  static final String IMAGE = "opsflow/busybox:local";

  @LocalServerPort int port;
  @Autowired WorkflowClient client;
  final List<NodeAgent> agents = new ArrayList<>();
  final DockerClient docker = DockerConnections.connect(DockerConnections.resolveHost(null), null);
  final List<String> containers = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    agents.forEach(NodeAgent::close);
    for (String name : containers) {
      try {
        docker.removeContainerCmd(name).withForce(true).exec();
      } catch (NotFoundException gone) {
        // removed by the test itself
      }
    }
  }

  /** Node b authenticates with its own client's tokens (node_agent), node a with AGENT_SECRET. */
  private NodeAgent agent(String nodeId) {
    URI api = URI.create("http://127.0.0.1:" + port);
    NodeAgent.Builder options = NodeAgent.Options.builder(nodeId, api, client);
    if (nodeId.endsWith("-b")) {
      options.clientCredentials(api.resolve("/oauth2/token"), "it-agent", "it-agent-secret");
    } else {
      options.agentSecret("it-secret");
    }
    NodeAgent agent =
        NodeAgent.start(
            options
                .heartbeatInterval(Duration.ofSeconds(1))
                .offered(2.0, 1024)
                .registerInitialBackoff(Duration.ofMillis(200))
                .build());
    agents.add(agent);
    return agent;
  }

  private JsonNode schedule(ApiClient api, String json) {
    JsonNode answer = api.ok(api.post("/api/v1/workloads/schedule", json), 200);
    containers.add(answer.path("workload_id").asText());
    return answer;
  }

  private JsonNode awaitStatus(ApiClient api, String id, String status) {
    return api.await(
        "/api/v1/workloads/" + id,
        w -> w.path("status").asText().equals(status),
        Duration.ofSeconds(60));
  }

  private static int post(int port, String path, String json, String secret) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (secret != null) {
      request.header("Authorization", "Bearer " + secret);
    }
    return HttpClient.newHttpClient()
        .send(request.build(), HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void agentRoutesRequireTheSharedSecret() throws Exception {
    String body =
        "{\"nodeId\":\"intruder\",\"ipAddress\":\"127.0.0.9\",\"hostname\":\"x\",\"status\":\"active\"}";
    assertThat(post(port, "/api/v1/nodes/register", body, null)).isEqualTo(401);
    assertThat(post(port, "/api/v1/nodes/register", body, "wrong")).isEqualTo(401);
    assertThat(
            post(
                port,
                "/api/v1/nodes/heartbeat",
                "{\"nodeId\":\"never-registered\",\"status\":\"active\",\"availableCpu\":1,"
                    + "\"availableMemory\":512}",
                "it-secret"))
        .isEqualTo(404);
    ApiClient api = new ApiClient(port);
    // A node_agent token is the agent's other way in; an operator's token is not an agent's.
    assertThat(
            post(
                port,
                "/api/v1/nodes/heartbeat",
                "{\"nodeId\":\"never-registered\",\"status\":\"active\",\"availableCpu\":1,"
                    + "\"availableMemory\":512}",
                api.as("it-agent").token()))
        .isEqualTo(404);
    assertThat(post(port, "/api/v1/nodes/register", body, api.as("it-scheduler").token()))
        .isEqualTo(403);
    assertThat(api.get("/api/v1/nodes").body().toString()).doesNotContain("intruder");
  }

  @Test
  void workloadsRunOnTwoAgentsAndMoveWhenANodeDies() throws Exception {
    ApiClient api = new ApiClient(port);
    agent("it-node-a");
    agent("it-node-b");
    api.await(
        "/api/v1/nodes",
        nodes -> {
          int active = 0;
          for (JsonNode n : nodes) {
            if (n.path("node_id").asText().startsWith("it-node-")
                && n.path("status").asText().equals("Active")
                && n.path("available_cpu").asDouble() == 2.0) {
              active++;
            }
          }
          return active == 2;
        },
        Duration.ofSeconds(30));

    // The seed's body, as persys-cli sends it.
    JsonNode worker =
        schedule(
            api,
            "{\"name\":\"celery-worker\",\"type\":\"docker-container\",\"image\":\""
                + IMAGE
                + "\",\"command\":\"sh -c 'echo worker up; sleep 300'\","
                + "\"envVars\":{\"QUEUE\":\"default\"},\"cpu\":1,\"memory\":256}");
    String workerId = worker.path("workload_id").asText();
    assertThat(worker.path("node_id").asText()).startsWith("it-node-");
    JsonNode ok =
        schedule(
            api,
            "{\"name\":\"migrate\",\"type\":\"docker-container\",\"image\":\""
                + IMAGE
                + "\",\"command\":\"sh -c 'echo migrated $TARGET'\",\"envVars\":{\"TARGET\":\"v2\"}}");
    JsonNode three =
        schedule(
            api,
            "{\"name\":\"broken\",\"type\":\"docker-container\",\"image\":\""
                + IMAGE
                + "\",\"command\":\"sh -c 'echo about to fail >&2; exit 3'\"}");
    JsonNode missing =
        schedule(
            api,
            "{\"name\":\"ghost\",\"type\":\"docker-container\",\"image\":\"opsflow/no-such-image:1\","
                + "\"command\":\"true\"}");

    JsonNode running = awaitStatus(api, workerId, "Running");
    JsonNode exited0 = awaitStatus(api, ok.path("workload_id").asText(), "Exited");
    JsonNode exited3 = awaitStatus(api, three.path("workload_id").asText(), "Exited");
    JsonNode failed = awaitStatus(api, missing.path("workload_id").asText(), "Failed");
    assertThat(exited0.path("exit_code").asInt()).isZero();
    assertThat(exited0.path("logs").asText()).contains("migrated v2");
    assertThat(exited3.path("exit_code").asInt()).isEqualTo(3);
    assertThat(exited3.path("logs").asText()).contains("about to fail");
    assertThat(failed.path("message").asText()).contains("not found");

    // As Docker reports it: name = workload id, the seed's labels, env and command.
    InspectContainerResponse c = docker.inspectContainerCmd(workerId).exec();
    assertThat(c.getName()).isEqualTo("/" + workerId);
    assertThat(c.getConfig().getLabels())
        .containsEntry(ContainerActivitiesImpl.LABEL_WORKLOAD, workerId)
        .containsEntry(ContainerActivitiesImpl.LABEL_DISPLAY_NAME, "celery-worker");
    assertThat(c.getConfig().getEnv()).contains("QUEUE=default");
    assertThat(c.getState().getRunning()).isTrue();
    assertThat(
            docker
                .inspectContainerCmd(three.path("workload_id").asText())
                .exec()
                .getState()
                .getExitCodeLong())
        .isEqualTo(3L);
    assertThat(api.get("/api/v1/workloads/" + workerId + "/events").body().toString())
        .contains("RUNNING");

    // Retry of the one that exited 3: its next revision runs (and exits 3 again).
    String threeId = three.path("workload_id").asText();
    JsonNode retried = api.ok(api.post("/api/v1/workloads/" + threeId + "/retry", null), 200);
    assertThat(retried.path("node_id").asText()).startsWith("it-node-");
    api.await(
        "/api/v1/workloads/" + threeId,
        w -> w.path("revision").asInt() == 2 && w.path("status").asText().equals("Exited"),
        Duration.ofSeconds(60));
    assertThat(api.post("/api/v1/workloads/" + workerId + "/retry", null).status()).isEqualTo(409);

    // Delete: stopped and removed; a second delete is a conflict.
    JsonNode removed =
        api.ok(api.delete("/api/v1/workloads/" + ok.path("workload_id").asText()), 200);
    assertThat(removed.path("status").asText()).isEqualTo("Removed");
    assertThat(
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withNameFilter(List.of(ok.path("workload_id").asText()))
                .exec())
        .isEmpty();
    assertThat(api.delete("/api/v1/workloads/" + ok.path("workload_id").asText()).status())
        .isEqualTo(409);

    // The worker's node dies: its agent stops heartbeating and its containers go with the machine.
    String deadNode = running.path("node_id").asText();
    String otherNode = deadNode.equals("it-node-a") ? "it-node-b" : "it-node-a";
    Instant killedAt = Instant.now();
    agents.stream().filter(a -> a.nodeId().equals(deadNode)).forEach(NodeAgent::close);
    docker.removeContainerCmd(workerId).withForce(true).exec();
    JsonNode inactive =
        api.await(
            "/api/v1/nodes",
            nodes -> {
              for (JsonNode n : nodes) {
                if (n.path("node_id").asText().equals(deadNode)) {
                  return n.path("status").asText().equals("Inactive");
                }
              }
              return false;
            },
            Duration.ofSeconds(30));
    assertThat(inactive.toString()).contains(deadNode);
    assertThat(Duration.between(killedAt, Instant.now()))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    JsonNode moved =
        api.await(
            "/api/v1/workloads/" + workerId,
            w ->
                w.path("status").asText().equals("Running")
                    && w.path("node_id").asText().equals(otherNode),
            Duration.ofSeconds(60));
    assertThat(moved.path("node_id").asText()).isEqualTo(otherNode);
    assertThat(docker.inspectContainerCmd(workerId).exec().getState().getRunning()).isTrue();
    JsonNode metrics = api.ok(api.get("/api/v1/cluster/metrics"), 200);
    assertThat(metrics.path("nodes_by_status").path("Inactive").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(metrics.path("workloads_by_status").path("Running").asLong())
        .isGreaterThanOrEqualTo(1);
  }
}
