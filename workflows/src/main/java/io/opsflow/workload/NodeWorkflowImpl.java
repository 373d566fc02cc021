package io.opsflow.workload;

import io.opsflow.workload.NodeActivities.NodeReport;
import io.opsflow.workload.NodeActivities.NodeStatusChange;
import io.opsflow.workload.NodeRegistration.CarryOver;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
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

  /** Change id: a node back from INACTIVE prunes the containers of workloads moved elsewhere. */
  static final String REACTIVATION_PRUNE = "reactivation-prune";

  /** Bound of each step of a prune: reading the live list, then pruning on the agent. */
  private static final Duration LIVE_LIST_TIMEOUT = Duration.ofMinutes(1);

  private static final Duration PRUNE_TIMEOUT = Duration.ofMinutes(2);

  private final NodeRegistration registration;
  private final NodeActivities nodes;
  private final boolean registering;
  private final NodeActivities pruneNodes;
  private final ContainerActivities agent;

  /** Set by run() before anything else (getVersion must not run in the constructor). */
  private boolean prunesOnReactivation;

  private int prunesInFlight;

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
    RetryOptions pruneRetry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setMaximumInterval(Duration.ofSeconds(10))
            .build();
    this.pruneNodes =
        Workflow.newActivityStub(
            NodeActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(STORE_ATTEMPT_TIMEOUT)
                .setScheduleToCloseTimeout(LIVE_LIST_TIMEOUT)
                .setRetryOptions(pruneRetry)
                .build());
    // The agent's own queue (default prefix): only that node's engine can see its containers.
    this.agent =
        Workflow.newActivityStub(
            ContainerActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(registration.nodeQueue())
                .setScheduleToCloseTimeout(PRUNE_TIMEOUT)
                .setRetryOptions(pruneRetry)
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
    // Asked first, before any command, so histories recorded before the change replay unchanged.
    prunesOnReactivation =
        Workflow.getVersion(REACTIVATION_PRUNE, Workflow.DEFAULT_VERSION, 1) >= 1;
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
      // A prune in flight holds continue-as-new back (its answer would be lost), not the timer.
      boolean heldBack = runIsLongEnough() && prunesInFlight > 0;
      if (runIsLongEnough() && !heldBack) {
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
          Workflow.await(left, () -> unrecorded != null || heldBack && prunesInFlight == 0);
          continue;
        }
        turnInactive();
      } else {
        Workflow.await(() -> unrecorded != null || heldBack && prunesInFlight == 0);
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
    boolean reactivated = status == NodeStatus.INACTIVE;
    if (reactivated) {
      reason =
          "heartbeat after "
              + Duration.between(inactiveSince, lastHeartbeatAt).toSeconds()
              + " s inactive";
    }
    status = NodeStatus.ACTIVE;
    inactiveSince = null;
    Instant at = now();
    List<String> pending =
        nodes.status(
            new NodeStatusChange(
                registration.nodeId(),
                NodeStatus.ACTIVE,
                at,
                lastHeartbeatAt,
                reason,
                new NodeReport(
                    null, null, beat.status(), beat.availableCpu(), beat.availableMemory())));
    if (reactivated && prunesOnReactivation) {
      pruneAbandoned(at);
    }
    signalAll(pending, WorkloadWorkflow::capacityChanged);
  }

  /**
   * While the node was INACTIVE its workloads were marked LOST and placed elsewhere, but a node cut
   * off (not dead) may still run their containers: remove every container of the node whose
   * workload the database no longer places here, so no workload runs twice. Runs beside the loop,
   * so heartbeats and the timer go on; a failure is logged, the node carries on. Containers created
   * from {@code reactivatedAt} on are spared: they belong to workloads placed after the node came
   * back, which the live list read a moment later may not show yet.
   */
  private void pruneAbandoned(Instant reactivatedAt) {
    String nodeId = registration.nodeId();
    prunesInFlight++;
    Async.procedure(
        () -> {
          try {
            List<String> keep =
                pruneNodes.liveWorkloads(new NodeActivities.LiveWorkloadsRequest(nodeId));
            ContainerActivities.PruneResult result =
                agent.prune(new ContainerActivities.PruneRequest(nodeId, keep, reactivatedAt));
            log.info(
                "node {} back: kept {}, removed containers {}", nodeId, keep, result.removed());
          } catch (ActivityFailure failed) {
            log.warn("node {} back: prune failed, containers may remain: {}", nodeId, failed);
          } finally {
            prunesInFlight--;
          }
        });
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
