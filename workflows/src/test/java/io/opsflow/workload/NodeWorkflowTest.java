package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.workload.FakeDatabase.NodeCall;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node workflow against the fake database on the time-skipping test server. No activity runs
 * for long here, so time skips; "on time" means within {@link #ON_TIME} after the due time.
 */
class NodeWorkflowTest {

  private static final Duration ON_TIME = Duration.ofSeconds(1);
  private static final Duration THRESHOLD = Duration.ofMinutes(10);

  private WorkloadHarness cluster;

  @BeforeEach
  void startCluster() {
    cluster = new WorkloadHarness();
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  @Test
  void registrationMakesTheNodeActive() {
    cluster.register(WorkloadHarness.registration("n1", THRESHOLD, 100));

    NodeView view = cluster.node("n1").state();

    assertThat(view.status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(view.agentStatus()).isEqualTo("active");
    NodeCall registered = awaitCalls("n1", 1).get(0);
    assertThat(registered.change().status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(registered.change().reason()).isEqualTo("registered");
    assertThat(registered.change().report().ipAddress()).isEqualTo("127.0.0.1");
    assertThat(registered.change().report().hostname()).isEqualTo("host-n1");
    assertThat(registered.change().lastHeartbeatAt()).isEqualTo(view.lastHeartbeatAt());
  }

  @Test
  void inactiveExactlyAtTheThresholdAfterTheLastHeartbeat() throws IOException {
    cluster.register(WorkloadHarness.registration("n2", THRESHOLD, 100));
    cluster.env.sleep(Duration.ofMinutes(3));
    cluster.heartbeat("n2", "active", 2, 4096);
    Instant lastBeat = awaitHeartbeats("n2", 1).lastHeartbeatAt();

    cluster.env.sleep(Duration.ofMinutes(15));

    List<NodeCall> inactive = cluster.db.nodeCalls("n2", NodeStatus.INACTIVE);
    assertThat(inactive).hasSize(1);
    NodeCall call = inactive.get(0);
    // Decided on the workflow's clock exactly at last heartbeat + threshold, not up to 60 s later.
    assertOnTime(call.change().at().toEpochMilli(), lastBeat.plus(THRESHOLD));
    assertOnTime(call.atMillis(), lastBeat.plus(THRESHOLD));
    assertThat(call.change().lastHeartbeatAt()).isEqualTo(lastBeat);
    assertThat(call.change().reason()).isEqualTo("no heartbeat for 600 s");
    NodeView view = cluster.node("n2").state();
    assertThat(view.status()).isEqualTo(NodeStatus.INACTIVE);
    assertThat(view.inactiveSince()).isEqualTo(call.change().at());
    assertThat(cluster.db.nodeRow("n2").status).isEqualTo(NodeStatus.INACTIVE);

    cluster.recordHistory("node-inactive", NodeRegistration.workflowId("n2"), null);
  }

  @Test
  void heartbeatsBeforeTheThresholdKeepTheNodeActive() {
    cluster.register(WorkloadHarness.registration("n3", THRESHOLD, 100));

    for (int i = 0; i < 6; i++) {
      cluster.env.sleep(THRESHOLD.minusSeconds(1));
      cluster.heartbeat("n3", "active", 2, 4096);
      awaitHeartbeats("n3", i + 1);
    }

    assertThat(cluster.db.nodeCalls("n3", NodeStatus.INACTIVE)).isEmpty();
    assertThat(cluster.node("n3").state().status()).isEqualTo(NodeStatus.ACTIVE);
    // Registration plus one stored heartbeat each.
    assertThat(cluster.db.nodeCalls("n3", NodeStatus.ACTIVE)).hasSize(7);
  }

  @Test
  void nextHeartbeatMakesAnInactiveNodeActiveAgain() throws IOException {
    // The agent answers the prune of a node that comes back (nothing to remove here).
    cluster.startAgent("n4");
    cluster.register(WorkloadHarness.registration("n4", THRESHOLD, 100));
    cluster.env.sleep(THRESHOLD.plusMinutes(5));
    assertThat(cluster.node("n4").state().status()).isEqualTo(NodeStatus.INACTIVE);

    cluster.heartbeat("n4", "active", 2, 4096);
    NodeView back = awaitHeartbeats("n4", 1);

    assertThat(back.status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(back.inactiveSince()).isNull();
    NodeCall reactivated = cluster.db.nodeCalls("n4", NodeStatus.ACTIVE).get(1);
    // The node's clock starts at its first workflow task, a few ms after the register call.
    Instant turnedInactive = cluster.db.nodeCalls("n4", NodeStatus.INACTIVE).get(0).change().at();
    long inactiveFor = Duration.between(turnedInactive, back.lastHeartbeatAt()).toSeconds();
    assertThat(inactiveFor).isBetween(299L, 300L);
    assertThat(reactivated.change().reason())
        .isEqualTo("heartbeat after " + inactiveFor + " s inactive");
    assertThat(reactivated.change().lastHeartbeatAt()).isEqualTo(back.lastHeartbeatAt());
    assertThat(cluster.db.nodeRow("n4").status).isEqualTo(NodeStatus.ACTIVE);

    // The timer runs again from that heartbeat.
    cluster.env.sleep(THRESHOLD.plusMinutes(1));
    List<NodeCall> inactive = cluster.db.nodeCalls("n4", NodeStatus.INACTIVE);
    assertThat(inactive).hasSize(2);
    assertOnTime(
        inactive.get(1).change().at().toEpochMilli(), back.lastHeartbeatAt().plus(THRESHOLD));

    cluster.recordHistory("node-reactivated", NodeRegistration.workflowId("n4"), null);
  }

  @Test
  void heartbeatStatusOtherThanActiveIsRecordedAndKeepsTheNodeActive() {
    cluster.register(WorkloadHarness.registration("n5", THRESHOLD, 100));

    cluster.heartbeat("n5", "draining", 0.5, 512);
    NodeView view = awaitHeartbeats("n5", 1);

    assertThat(view.status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(view.agentStatus()).isEqualTo("draining");
    NodeCall stored = cluster.db.nodeCalls("n5", NodeStatus.ACTIVE).get(1);
    assertThat(stored.change().report().agentStatus()).isEqualTo("draining");
    assertThat(stored.change().report().availableCpu()).isEqualTo(0.5);
    assertThat(stored.change().report().availableMemoryMb()).isEqualTo(512);
    assertThat(cluster.db.nodeRow("n5").offeredCpu).isEqualTo(0.5);
  }

  @Test
  void continueAsNewKeepsStatusAndLastHeartbeat() throws IOException {
    cluster.register(WorkloadHarness.registration("n6", THRESHOLD, 3));
    WorkflowStub node = cluster.untyped(NodeRegistration.workflowId("n6"));
    String firstRun = node.describe().getExecution().getRunId();

    for (int i = 1; i <= 3; i++) {
      cluster.env.sleep(Duration.ofMinutes(1));
      cluster.heartbeat("n6", "active", 2, 4096);
    }
    awaitCalls("n6", 4);
    String secondRun = awaitNewRun(node, firstRun);
    NodeView carried = cluster.node("n6").state();

    assertThat(secondRun).isNotEqualTo(firstRun);
    assertThat(carried.status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(carried.heartbeats()).isEqualTo(3);
    Instant lastBeat = carried.lastHeartbeatAt();
    assertThat(lastBeat).isEqualTo(cluster.db.nodeCalls("n6").get(3).change().lastHeartbeatAt());
    List<HistoryEvent> first = cluster.client.fetchHistory("node-n6", firstRun).getEvents();
    assertThat(first.get(first.size() - 1).getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    // The new run does not register again, and its timer counts from the carried heartbeat.
    cluster.env.sleep(THRESHOLD);
    assertThat(cluster.db.nodeCalls("n6", NodeStatus.ACTIVE)).hasSize(4);
    List<NodeCall> inactive = cluster.db.nodeCalls("n6", NodeStatus.INACTIVE);
    assertThat(inactive).hasSize(1);
    assertOnTime(inactive.get(0).change().at().toEpochMilli(), lastBeat.plus(THRESHOLD));

    cluster.recordHistory("node-continued", "node-n6", firstRun);
    cluster.recordHistory("node-carried", "node-n6", secondRun);
  }

  @Test
  void inactiveNodeTellsItsWorkloadsAndShrugsOffClosedOnes() {
    cluster.startAgent("n7");
    cluster.register(WorkloadHarness.registration("n7", THRESHOLD, 100));
    awaitCalls("n7", 1);
    // A live workload row whose workflow is long gone (closed): signalling it must not break
    // the node's workflow.
    cluster.db.place(
        new WorkloadStoreActivities.PlaceRequest(
            "ghost",
            WorkloadHarness.spec("app:any", 0, 0, RestartPolicy.NEVER),
            1,
            PlacementPolicy.SPREAD,
            List.of(),
            1));

    cluster.env.sleep(THRESHOLD.plusMinutes(1));

    NodeCall inactive = cluster.db.nodeCalls("n7", NodeStatus.INACTIVE).get(0);
    assertThat(inactive.answer()).containsExactly("ghost");
    assertThat(cluster.db.row("ghost").orElseThrow().status).isEqualTo(WorkloadStatus.LOST);
    assertThat(cluster.untyped("node-n7").describe().getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    cluster.heartbeat("n7", "active", 1, 1024);
    assertThat(awaitHeartbeats("n7", 1).status()).isEqualTo(NodeStatus.ACTIVE);
  }

  @Test
  void nodeBackFromInactivePrunesContainersOfWorkloadsMovedElsewhere() throws IOException {
    cluster.image("app:any", FakeEngine.Behaviour.runs("up"));
    cluster.startAgent("n8");
    FakeEngine engine = cluster.engine("n8");
    cluster.register(WorkloadHarness.registration("n8", THRESHOLD, 100));
    awaitCalls("n8", 1);
    engine.start(container("moved"));
    engine.start(container("kept"));
    cluster.heartbeat("n8", "active", 2, 4096);
    awaitHeartbeats("n8", 1);
    // Neither registration nor a heartbeat of an active node prunes.
    assertThat(engine.pruneCalls()).isEmpty();

    cluster.env.sleep(THRESHOLD.plusMinutes(5));
    assertThat(cluster.node("n8").state().status()).isEqualTo(NodeStatus.INACTIVE);
    // Meanwhile "moved" was rescheduled on n9; "kept" is placed on n8 as it comes back.
    cluster.db.assign("moved", "n9", WorkloadStatus.RUNNING);
    cluster.db.assign("kept", "n8", WorkloadStatus.RUNNING);
    cluster.heartbeat("n8", "active", 2, 4096);
    awaitHeartbeats("n8", 2);
    for (int i = 0; i < 100 && engine.pruneCalls().isEmpty(); i++) {
      cluster.env.sleep(Duration.ofMillis(50));
    }

    List<ContainerActivities.PruneRequest> prunes = engine.pruneCalls();
    assertThat(prunes).hasSize(1);
    NodeCall reactivated = cluster.db.nodeCalls("n8", NodeStatus.ACTIVE).get(2);
    assertThat(prunes.get(0).nodeId()).isEqualTo("n8");
    assertThat(prunes.get(0).keep()).containsExactly("kept");
    assertThat(prunes.get(0).createdBefore()).isEqualTo(reactivated.change().at());
    assertThat(engine.state("moved")).isNull();
    assertThat(engine.state("kept")).isEqualTo("running");

    // Later heartbeats of the active node do not prune again.
    cluster.env.sleep(Duration.ofMinutes(1));
    cluster.heartbeat("n8", "active", 2, 4096);
    awaitHeartbeats("n8", 3);
    cluster.env.sleep(Duration.ofMinutes(1));
    assertThat(engine.pruneCalls()).hasSize(1);
    assertThat(cluster.node("n8").state().status()).isEqualTo(NodeStatus.ACTIVE);

    cluster.recordHistory("node-v1-reactivated-prune", NodeRegistration.workflowId("n8"), null);
  }

  private static ContainerActivities.ContainerSpec container(String workloadId) {
    return new ContainerActivities.ContainerSpec(
        workloadId, 1, workloadId, "app:any", List.of("serve"), java.util.Map.of(), 0, 0);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Waits until the node workflow stored {@code count} status changes (registration included). */
  private List<NodeCall> awaitCalls(String nodeId, int count) {
    for (int i = 0; i < 100 && cluster.db.nodeCalls(nodeId).size() < count; i++) {
      cluster.env.sleep(Duration.ofMillis(50));
    }
    List<NodeCall> calls = cluster.db.nodeCalls(nodeId);
    assertThat(calls).hasSizeGreaterThanOrEqualTo(count);
    return calls;
  }

  /** Waits until the node counted {@code count} heartbeats and stored the newest one. */
  private NodeView awaitHeartbeats(String nodeId, long count) {
    for (int i = 0; i < 100; i++) {
      NodeView view = cluster.node(nodeId).state();
      List<NodeCall> calls = cluster.db.nodeCalls(nodeId);
      // Nothing stored yet (the registration's own call may still be on its way): wait.
      NodeCall last = calls.isEmpty() ? null : calls.get(calls.size() - 1);
      if (last != null
          && view.heartbeats() >= count
          && last.change().reason().startsWith("heartbeat")
          && last.change().lastHeartbeatAt().equals(view.lastHeartbeatAt())
          && view.status() == NodeStatus.ACTIVE) {
        return view;
      }
      cluster.env.sleep(Duration.ofMillis(50));
    }
    throw new AssertionError("heartbeat " + count + " of " + nodeId + " was not stored");
  }

  private String awaitNewRun(WorkflowStub node, String previousRun) {
    for (int i = 0; i < 100; i++) {
      String run =
          cluster.untyped(NodeRegistration.workflowId("n6")).describe().getExecution().getRunId();
      if (!run.equals(previousRun)) {
        return run;
      }
      cluster.env.sleep(Duration.ofMillis(50));
    }
    throw new AssertionError("no continue-as-new of " + node);
  }

  private static void assertOnTime(long actualMillis, Instant due) {
    assertThat(actualMillis - due.toEpochMilli())
        .as("ms after %s", due)
        .isBetween(0L, ON_TIME.toMillis());
  }
}
