package io.opsflow.workload;

import io.opsflow.workload.NodeActivities.NodeReport;
import io.opsflow.workload.NodeActivities.NodeStatusChange;
import io.opsflow.workload.NodeRegistration.CarryOver;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * One agent node. Its liveness is heartbeats alone: the node is ACTIVE from registration and from
 * every heartbeat, whatever status string the agent sends (e.g. {@code draining} is recorded and
 * shown, and the agent offers less capacity if it wants fewer workloads); it turns INACTIVE when
 * {@code inactiveAfter} passed since the last heartbeat, on a timer due exactly then (the seed's
 * monitor looked every 60 s). Times are workflow time of the signal's arrival.
 */
public class NodeWorkflowImpl implements NodeWorkflow {

  private static final Logger log = Workflow.getLogger(NodeWorkflowImpl.class);
  private static final Duration STORE_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  private final NodeRegistration registration;
  private final NodeActivities nodes;
  private final boolean registering;

  private NodeStatus status;
  private Instant lastHeartbeatAt;
  private Instant inactiveSince;
  private long heartbeats;
  private String agentStatus;
  private int heartbeatsThisRun;

  /** The newest heartbeat not recorded yet; older unrecorded ones are superseded by it. */
  private Heartbeat unrecorded;

  @WorkflowInit
  public NodeWorkflowImpl(NodeRegistration registration) {
    this.registration = registration;
    this.nodes =
        Workflow.newActivityStub(
            NodeActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(STORE_ATTEMPT_TIMEOUT)
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofSeconds(30))
                        .build())
                .build());
    CarryOver carried = registration.carryOver();
    registering = carried == null;
    if (carried == null) {
      status = NodeStatus.ACTIVE;
      lastHeartbeatAt = now(); // registration counts as the first sign of life
      agentStatus = "active";
    } else {
      status = carried.status();
      lastHeartbeatAt = carried.lastHeartbeatAt();
      inactiveSince = carried.inactiveSince();
      heartbeats = carried.heartbeats();
      agentStatus = carried.agentStatus();
    }
  }

  @Override
  public void run(NodeRegistration ignored) {
    if (registering) {
      List<String> pending =
          nodes.status(
              new NodeStatusChange(
                  registration.nodeId(),
                  NodeStatus.ACTIVE,
                  lastHeartbeatAt,
                  lastHeartbeatAt,
                  "registered",
                  new NodeReport(
                      registration.ipAddress(), registration.hostname(), agentStatus, null, null)));
      signalAll(pending, WorkloadWorkflow::capacityChanged);
    }
    while (true) {
      if (unrecorded != null) {
        recordHeartbeat();
        continue;
      }
      if (runIsLongEnough()) {
        // Heartbeats that arrive meanwhile are recorded first; their handlers must be done too.
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (unrecorded != null) {
          continue;
        }
        Workflow.continueAsNew(
            registration.carrying(
                new CarryOver(status, lastHeartbeatAt, inactiveSince, heartbeats, agentStatus)));
        return;
      }
      if (status == NodeStatus.ACTIVE) {
        Duration left = Duration.between(now(), lastHeartbeatAt.plus(registration.inactiveAfter()));
        if (left.isPositive()) {
          Workflow.await(left, () -> unrecorded != null);
          continue;
        }
        turnInactive();
      } else {
        Workflow.await(() -> unrecorded != null);
      }
    }
  }

  @Override
  public void heartbeat(Heartbeat heartbeat) {
    lastHeartbeatAt = now();
    heartbeats++;
    heartbeatsThisRun++;
    if (heartbeat.status() != null && !heartbeat.status().isBlank()) {
      agentStatus = heartbeat.status();
    }
    unrecorded = heartbeat;
  }

  @Override
  public NodeView state() {
    return new NodeView(
        registration.nodeId(), status, lastHeartbeatAt, inactiveSince, heartbeats, agentStatus);
  }

  private boolean runIsLongEnough() {
    return heartbeatsThisRun >= registration.heartbeatsPerRun()
        || Workflow.getInfo().isContinueAsNewSuggested();
  }

  /** Stores the newest heartbeat; an inactive node turns active again. */
  private void recordHeartbeat() {
    Heartbeat beat = unrecorded;
    unrecorded = null;
    String reason = "heartbeat";
    if (status == NodeStatus.INACTIVE) {
      reason =
          "heartbeat after "
              + Duration.between(inactiveSince, lastHeartbeatAt).toSeconds()
              + " s inactive";
    }
    status = NodeStatus.ACTIVE;
    inactiveSince = null;
    List<String> pending =
        nodes.status(
            new NodeStatusChange(
                registration.nodeId(),
                NodeStatus.ACTIVE,
                now(),
                lastHeartbeatAt,
                reason,
                new NodeReport(
                    null, null, beat.status(), beat.availableCpu(), beat.availableMemory())));
    signalAll(pending, WorkloadWorkflow::capacityChanged);
  }

  /** The timer won: INACTIVE now, and every live workload on the node is told to move. */
  private void turnInactive() {
    status = NodeStatus.INACTIVE;
    inactiveSince = now();
    String reason = "no heartbeat for " + registration.inactiveAfter().toSeconds() + " s";
    List<String> lost =
        nodes.status(
            new NodeStatusChange(
                registration.nodeId(),
                NodeStatus.INACTIVE,
                inactiveSince,
                lastHeartbeatAt,
                reason,
                null));
    NodeLost signal =
        new NodeLost(
            registration.nodeId(), "node " + registration.nodeId() + " inactive: " + reason);
    signalAll(lost, workload -> workload.nodeLost(signal));
  }

  /** Signals each workload, all at once; one that already closed needs nothing. */
  private static void signalAll(
      List<String> workloadIds, Functions.Proc1<WorkloadWorkflow> signal) {
    List<Promise<Void>> sent = new ArrayList<>(workloadIds.size());
    for (String workloadId : workloadIds) {
      WorkloadWorkflow workload =
          Workflow.newExternalWorkflowStub(
              WorkloadWorkflow.class, WorkloadRequest.workflowId(workloadId));
      sent.add(Async.procedure(signal, workload));
    }
    for (int i = 0; i < sent.size(); i++) {
      try {
        sent.get(i).get();
      } catch (ApplicationFailure | SignalExternalWorkflowException undelivered) {
        // Not running any more (the common case: it ended since the query) or never started:
        // nothing to tell it. A node must not fail because one of its workloads is gone.
        log.info("signal to workload {} not delivered: {}", workloadIds.get(i), undelivered);
      }
    }
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
