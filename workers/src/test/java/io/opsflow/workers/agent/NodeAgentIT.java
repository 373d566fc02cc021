package io.opsflow.workers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.opsflow.docker.DockerConnections;
import io.opsflow.workload.ContainerActivities;
import io.opsflow.workload.ContainerActivities.ContainerRef;
import io.opsflow.workload.ContainerActivities.ContainerSpec;
import io.opsflow.workload.ContainerActivities.ContainerState;
import io.opsflow.workload.ContainerSettings;
import io.opsflow.workload.WorkloadStatus;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two node agents in one JVM, on the real Docker engine and an in-process Temporal server: a
 * workflow routes Docker activities to {@code node-<id>}, and only that node's agent runs them; a
 * closed agent's queue is not picked up any more.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class NodeAgentIT {

  static final String IMAGE = "opsflow/busybox:local";
  static final String ORCHESTRATION = "node-agent-it";

  /** Starts a container on a node's queue and follows it to its end. */
  @WorkflowInterface
  public interface ProbeWorkflow {
    @WorkflowMethod
    ContainerState run(String nodeQueue, ContainerSpec spec, long pickupMillis);
  }

  /** The probe: schedule-to-start bounded by the pickup deadline, no retries. */
  public static class ProbeWorkflowImpl implements ProbeWorkflow {
    @Override
    public ContainerState run(String nodeQueue, ContainerSpec spec, long pickupMillis) {
      ContainerActivities node =
          Workflow.newActivityStub(
              ContainerActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(nodeQueue)
                  .setScheduleToStartTimeout(Duration.ofMillis(pickupMillis))
                  .setStartToCloseTimeout(Duration.ofMinutes(1))
                  .setHeartbeatTimeout(Duration.ofSeconds(10))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      node.start(spec);
      return node.follow(new ContainerRef(spec.workloadId(), spec.revision()));
    }
  }

  private TestWorkflowEnvironment temporal;
  private RecordingApi api;
  private DockerClient docker;
  private String run;
  private NodeAgent first;
  private NodeAgent second;

  @BeforeEach
  void start() throws Exception {
    // Real time: the containers run in real time too.
    temporal =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker orchestration = temporal.newWorker(ORCHESTRATION);
    orchestration.registerWorkflowImplementationTypes(ProbeWorkflowImpl.class);
    temporal.start();
    api = RecordingApi.start(0);
    docker = DockerConnections.connect(null, null);
    docker.pingCmd().exec();
    run = UUID.randomUUID().toString().substring(0, 8);
    first = agent("a-" + run);
    second = agent("b-" + run);
  }

  @AfterEach
  void stop() throws Exception {
    first.close();
    second.close();
    for (Container c : containers()) {
      docker.removeContainerCmd(c.getId()).withForce(true).exec();
    }
    docker.close();
    api.close();
    temporal.close();
  }

  @Test
  void eachAgentRunsTheContainersOfItsOwnNode() {
    String onFirst = UUID.randomUUID().toString();
    String onSecond = UUID.randomUUID().toString();

    ContainerState firstEnd = probe(first.nodeQueue(), spec(onFirst, "echo on a; exit 0"));
    ContainerState secondEnd = probe(second.nodeQueue(), spec(onSecond, "echo on b; exit 3"));

    assertThat(firstEnd.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(firstEnd.exitCode()).isZero();
    assertThat(firstEnd.logs()).isEqualTo("on a\n");
    assertThat(secondEnd.exitCode()).isEqualTo(3);
    assertThat(secondEnd.logs()).isEqualTo("on b\n");
    assertThat(label(onFirst)).isEqualTo(first.nodeId());
    assertThat(label(onSecond)).isEqualTo(second.nodeId());
    // Both registered and heartbeat with their own node ids.
    assertThat(api.registrations())
        .extracting(c -> c.body().get("nodeId").asText())
        .containsExactlyInAnyOrder(first.nodeId(), second.nodeId());
  }

  @Test
  void aClosedAgentsQueueIsNotPickedUpWithinThePickupDeadline() {
    first.close();
    String id = UUID.randomUUID().toString();

    assertThatThrownBy(() -> probe(first.nodeQueue(), spec(id, "echo never"), 2_000))
        .isInstanceOf(WorkflowFailedException.class)
        .cause()
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            TimeoutFailure.class,
            t ->
                assertThat(t.getTimeoutType())
                    .isEqualTo(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START));
    assertThat(containers()).isEmpty();
    // The other node carries on.
    assertThat(probe(second.nodeQueue(), spec(id, "echo here")).logs()).isEqualTo("here\n");
  }

  private NodeAgent agent(String nodeId) {
    return NodeAgent.start(
        NodeAgent.Options.builder(nodeId, api.url(), temporal.getWorkflowClient())
            .heartbeatInterval(Duration.ofSeconds(1))
            .offered(2, 2048)
            .containers(
                new ContainerSettings(
                    nodeId, "none", Duration.ofSeconds(2), 200, Duration.ofSeconds(1)))
            .build());
  }

  private ContainerState probe(String queue, ContainerSpec spec) {
    return probe(queue, spec, 30_000);
  }

  private ContainerState probe(String queue, ContainerSpec spec, long pickupMillis) {
    WorkflowClient client = temporal.getWorkflowClient();
    ProbeWorkflow workflow =
        client.newWorkflowStub(
            ProbeWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ORCHESTRATION)
                .setWorkflowId("probe-" + spec.workloadId() + "-" + queue)
                .setWorkflowExecutionTimeout(Duration.ofMinutes(2))
                .build());
    return workflow.run(queue, spec, pickupMillis);
  }

  private static ContainerSpec spec(String id, String script) {
    return new ContainerSpec(id, 1, "probe", IMAGE, List.of("sh", "-c", script), Map.of(), 0, 0);
  }

  private String label(String containerName) {
    return docker
        .inspectContainerCmd(containerName)
        .exec()
        .getConfig()
        .getLabels()
        .get("opsflow.node");
  }

  private List<Container> containers() {
    return docker.listContainersCmd().withShowAll(true).exec().stream()
        .filter(c -> c.getLabels() != null)
        .filter(c -> String.valueOf(c.getLabels().get("opsflow.node")).endsWith("-" + run))
        .toList();
  }
}
