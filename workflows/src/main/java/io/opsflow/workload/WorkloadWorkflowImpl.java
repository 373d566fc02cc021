package io.opsflow.workload;

import io.opsflow.Failures;
import io.opsflow.workload.ContainerActivities.ContainerRef;
import io.opsflow.workload.ContainerActivities.ContainerSpec;
import io.opsflow.workload.ContainerActivities.ContainerState;
import io.opsflow.workload.WorkloadStoreActivities.PlaceRequest;
import io.opsflow.workload.WorkloadStoreActivities.StatusChange;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One workload: placed and stored before anything runs, started on its node's queue, followed until
 * the container stops, restarted by its policy, moved when its node is lost. Every side effect is
 * an activity; the main thread does all the work, signal and update handlers only set flags and
 * wait.
 *
 * <p>Terminal retention (version {@value #TERMINAL_RETENTION} 1): after EXITED, FAILED or MISSING
 * the run stays open, like a Nomad terminal allocation before garbage collection, so a remove can
 * still reach the container on its node and a retry can run the next revision in this run; after
 * {@link WorkloadSettings#retention()} it removes the container itself ("retention expired") and
 * completes. Runs recorded before (DEFAULT_VERSION) end at the final status as they did.
 *
 * <p>Agent unreachable (the start or restart is not picked up on {@code node-<id>} within {@link
 * WorkloadSettings#agentPickupTimeout()}): the workload is recorded LOST with that reason and
 * placed again, excluding every node whose agent did not answer in this round; when no other node
 * fits right then it is FAILED with the reason. It does not wait as PENDING for such a node: an
 * agent that heartbeats but does not poll is broken, and the operator's retry is the remedy.
 */
public class WorkloadWorkflowImpl implements WorkloadWorkflow {

  /** Change id of terminal retention (remove and retry after a final status). */
  static final String TERMINAL_RETENTION = "terminal-retention";

  /** Start-to-close of one row write. */
  private static final Duration STORE_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * A container may run for months: the heartbeat timeout, not this, detects a follower that died;
   * after this long the follow is simply retried and attaches again.
   */
  private static final Duration FOLLOW_ATTEMPT_TIMEOUT = Duration.ofDays(365);

  /**
   * Restarts in one run before it continues as new: an unlimited ALWAYS policy on a crash loop
   * would otherwise grow the history without bound (about a dozen events per restart).
   */
  static final int RESTARTS_PER_RUN = 50;

  private final WorkloadRequest request;
  private final WorkloadSpec spec;
  private final WorkloadSettings settings;
  private final WorkloadStoreActivities store;

  private WorkloadStatus status = WorkloadStatus.PENDING;
  private String nodeId;

  /** The revision being run: the request's, then +1 per retry served by this run. */
  private int revision;

  /** Version 1 ("terminal-retention"): a final status waits for remove, retry or retention. */
  private boolean retains;

  /** A retry the main thread has not started yet. */
  private RetryWorkload retryAsked;

  /** The revision of the latest placement answer, so a retry answers with its own. */
  private int placedRevision;

  /** The node whose engine may hold our container, so a remove knows where to go. */
  private String containerNode;

  private Integer exitCode;
  private String message;
  private int restarts;
  private int restartsThisRun;
  private int sequence;
  private Placement placement;
  private boolean nudged;
  private NodeLost lost;
  private RemoveWorkload removal;

  /** REMOVED is stored: the remove update answers only then, so a read after it sees the row. */
  private boolean removeRecorded;

  /** Cancelled followers whose end the server has not confirmed yet; waited for before closing. */
  private final List<Promise<?>> unsettled = new ArrayList<>();

  private boolean publishes;
  private String publishedStatus;
  private String publishedNode;

  @WorkflowInit
  public WorkloadWorkflowImpl(WorkloadRequest request) {
    this.request = request;
    this.spec = request.spec();
    this.settings = request.settings();
    this.revision = request.revision();
    this.store =
        Workflow.newActivityStub(
            WorkloadStoreActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(STORE_ATTEMPT_TIMEOUT)
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofSeconds(30))
                        // A request the selector rejects cannot succeed on a retry.
                        .setDoNotRetry(IllegalArgumentException.class.getName())
                        .build())
                .build());
    WorkloadRequest.CarryOver carried = request.carryOver();
    if (carried != null) {
      status = WorkloadStatus.RESTARTING;
      nodeId = carried.nodeId();
      containerNode = carried.nodeId();
      placement = carried.placement();
      placedRevision = revision;
      restarts = carried.restarts();
      sequence = carried.sequence();
      exitCode = carried.exitCode();
      message = carried.message();
    }
  }

  @Override
  public WorkloadView run(WorkloadRequest ignored) {
    // Asked first, before any command: runs recorded before terminal retention replay unchanged.
    retains =
        Workflow.getVersion(TERMINAL_RETENTION, Workflow.DEFAULT_VERSION, 1)
            != Workflow.DEFAULT_VERSION;
    SearchAttributes attributes = Workflow.getTypedSearchAttributes();
    publishes = attributes.containsKey(WorkloadSearchAttributes.STATUS);
    if (publishes) {
      publishedStatus = attributes.get(WorkloadSearchAttributes.STATUS);
      publishedNode =
          attributes.containsKey(WorkloadSearchAttributes.NODE_ID)
              ? attributes.get(WorkloadSearchAttributes.NODE_ID)
              : null;
    }
    WorkloadRequest.CarryOver carried = request.carryOver();
    if (carried != null) {
      supervise(!carried.restartNext());
    } else if (place(List.of())) {
      supervise(true);
    }
    while (retains && retain()) {
      String previousNode = containerNode;
      if (place(List.of())) {
        dropOldContainer(previousNode);
        supervise(true);
      }
    }
    return finish();
  }

  // ---- terminal retention (version 1) ---------------------------------------------------------

  /**
   * Keeps a workload that reached a final status, like Nomad keeps a terminal allocation until it
   * is garbage-collected: waits for a remove, a retry or the retention period. True when a retry
   * came: the next revision was begun and is to be placed. False when the run is to finish, with a
   * remove pending when one came or the retention expired.
   */
  private boolean retain() {
    if (removal != null || !retryable(status)) {
      return false;
    }
    boolean asked =
        Workflow.await(settings.retention(), () -> retryAsked != null || removal != null);
    if (removal != null) {
      return false;
    }
    if (!asked) {
      removal = new RemoveWorkload("retention expired");
      return false;
    }
    retryAsked = null;
    revision++;
    sequence = 0; // event dedup keys are per (workload, revision)
    restarts = 0;
    restartsThisRun = 0;
    status = WorkloadStatus.PENDING;
    nodeId = null;
    exitCode = null;
    message = "retry: revision " + revision;
    publish();
    return true;
  }

  /**
   * A retry placed on another node than the old container's: that container is removed there (on
   * the same node, start replaces it: it carries an older revision).
   */
  private void dropOldContainer(String previousNode) {
    if (previousNode == null || previousNode.equals(nodeId)) {
      return;
    }
    try {
      actions(previousNode).remove(new ContainerRef(request.workloadId(), revision - 1));
    } catch (ActivityFailure e) {
      Workflow.getLogger(WorkloadWorkflowImpl.class)
          .warn("old container of {} left on node {}: {}", request.workloadId(), previousNode, e);
    }
    if (previousNode.equals(containerNode)) {
      containerNode = null;
    }
  }

  private static boolean retryable(WorkloadStatus status) {
    return status == WorkloadStatus.EXITED
        || status == WorkloadStatus.FAILED
        || status == WorkloadStatus.MISSING;
  }

  // ---- placement -------------------------------------------------------------------------------

  /**
   * Places the workload, waiting durably as PENDING while no node fits; true once SCHEDULED on a
   * node. False when it ended instead (FAILED past the pending deadline) or a remove came.
   */
  private boolean place(List<String> exclude) {
    Instant deadline = now().plus(settings.pendingDeadline());
    while (removal == null) {
      nudged = false;
      Placement answer = askPlacement(exclude);
      if (answer == null) {
        return false;
      }
      if (answer.status() == WorkloadStatus.SCHEDULED) {
        return true;
      }
      Duration left = Duration.between(now(), deadline);
      if (!left.isPositive()) {
        record(
            WorkloadStatus.FAILED,
            null,
            "no node fits " + requestText() + " within " + seconds(settings.pendingDeadline()),
            null);
        return false;
      }
      Duration recheck = settings.pendingRecheck();
      Workflow.await(recheck.compareTo(left) < 0 ? recheck : left, () -> nudged || removal != null);
    }
    return false;
  }

  /** One place() call; the state follows its answer. Null when the store refused the request. */
  private Placement askPlacement(List<String> exclude) {
    Placement answer;
    try {
      answer =
          store.place(
              new PlaceRequest(
                  request.workloadId(), spec, revision, settings.placement(), exclude, ++sequence));
    } catch (ActivityFailure e) {
      record(WorkloadStatus.FAILED, null, "placement failed: " + rootMessage(e), null);
      return null;
    }
    placement = answer;
    placedRevision = revision;
    // place() stored the row (SCHEDULED or PENDING) and its event: no status() call here.
    exitCode = null;
    if (answer.status() == WorkloadStatus.SCHEDULED && answer.nodeId() != null) {
      status = WorkloadStatus.SCHEDULED;
      nodeId = answer.nodeId();
      message = null;
    } else {
      status = WorkloadStatus.PENDING;
      nodeId = null;
      message = "no node fits " + requestText() + " yet";
    }
    publish();
    return answer;
  }

  // ---- supervision -----------------------------------------------------------------------------

  /**
   * Starts ({@code fresh}: creates) or restarts, follows and restarts the container until a final
   * status or a remove; continues as new between restarts when the run grew long.
   */
  private void supervise(boolean fresh) {
    List<String> unreachable = new ArrayList<>();
    while (removal == null) {
      if (lost != null) {
        NodeLost from = lost;
        lost = null;
        if (!relocate(from)) {
          return;
        }
        fresh = true;
        unreachable.clear();
        continue;
      }
      if (restartsThisRun >= RESTARTS_PER_RUN && continueAsNew(fresh)) {
        return;
      }
      ContainerState launched;
      try {
        launched = launch(fresh);
      } catch (ActivityFailure e) {
        if (!notPickedUp(e)) {
          failLaunch(e, fresh);
          return;
        }
        unreachable.add(nodeId);
        if (!moveFromUnreachable(unreachable, fresh)) {
          return;
        }
        fresh = true;
        continue;
      }
      if (launched == null) {
        continue; // interrupted: the loop handles the node loss or the remove
      }
      unreachable.clear();
      if (launched.status() == WorkloadStatus.MISSING && !fresh) {
        fresh = true; // the restart found no container: create it again
        continue;
      }
      ContainerState stopped = launched.status() == WorkloadStatus.RUNNING ? follow() : launched;
      if (stopped == null) {
        continue;
      }
      if (!restartAfter(stopped)) {
        return;
      }
      fresh = stopped.status() == WorkloadStatus.MISSING;
    }
  }

  /** Creates and starts the container (fresh) or starts it again; null when interrupted. */
  private ContainerState launch(boolean fresh) {
    ContainerActivities actions = actions(nodeId);
    containerNode = nodeId;
    ContainerState state =
        interruptible(() -> fresh ? actions.start(containerSpec()) : actions.restart(ref()), true);
    if (state == null) {
      return null;
    }
    state = normalised(state);
    if (state.status() == WorkloadStatus.RUNNING) {
      record(WorkloadStatus.RUNNING, null, null, state.logs());
    }
    return state;
  }

  /** Follows the running container until it stops; null when interrupted. */
  private ContainerState follow() {
    ContainerActivities follower = follower(nodeId);
    ContainerState stopped;
    try {
      stopped = interruptible(() -> follower.follow(ref()), false);
    } catch (ActivityFailure e) {
      return new ContainerState(
          WorkloadStatus.FAILED,
          null,
          null,
          "lost track of the container on node " + nodeId + ": " + rootMessage(e),
          null);
    }
    if (stopped != null && stopped.status() == WorkloadStatus.RUNNING) {
      return new ContainerState(
          WorkloadStatus.FAILED, stopped.containerId(), null, "follow ended while running", null);
    }
    return stopped == null ? null : normalised(stopped);
  }

  /**
   * Applies the restart policy to a stopped container: records the final status and returns false,
   * or records RESTARTING, waits the backoff and returns true.
   */
  private boolean restartAfter(ContainerState stopped) {
    WorkloadStatus outcome = stopped.status();
    Integer code = stopped.exitCode();
    boolean failed = outcome != WorkloadStatus.EXITED || code == null || code != 0;
    RestartPolicy policy = spec.restart();
    boolean wanted =
        switch (policy.mode()) {
          case NEVER -> false;
          case ON_FAILURE -> failed;
          case ALWAYS -> true;
        };
    String what = describe(stopped);
    if (!wanted) {
      record(outcome, code, what, stopped.logs());
      return false;
    }
    boolean unlimited = policy.mode() == RestartMode.ALWAYS && policy.maxAttempts() == 0;
    if (!unlimited && restarts >= policy.maxAttempts()) {
      // Restarts ran out: a failure stays a failure, a clean exit (ALWAYS) stays an exit.
      record(
          failed ? WorkloadStatus.FAILED : outcome,
          code,
          what + "; no restart left (" + restarts + " of " + policy.maxAttempts() + " used)",
          stopped.logs());
      return false;
    }
    restarts++;
    restartsThisRun++;
    Duration backoff = restartBackoff(restarts);
    record(
        WorkloadStatus.RESTARTING,
        code,
        what
            + "; restart "
            + restarts
            + (unlimited ? "" : " of " + policy.maxAttempts())
            + " in "
            + seconds(backoff),
        stopped.logs());
    Workflow.await(backoff, this::interrupted);
    return true;
  }

  /** The seed's newer backoff: initial, doubling, capped. */
  private Duration restartBackoff(int restart) {
    Duration backoff = settings.restartInitialBackoff();
    for (int i = 1; i < restart && backoff.compareTo(settings.restartMaxBackoff()) < 0; i++) {
      backoff = backoff.multipliedBy(2);
    }
    return backoff.compareTo(settings.restartMaxBackoff()) > 0
        ? settings.restartMaxBackoff()
        : backoff;
  }

  /**
   * Hands the supervision to a new run before the next launch, once handlers and cancelled
   * followers are done; false when a node loss or a remove came meanwhile (handled first).
   */
  private boolean continueAsNew(boolean fresh) {
    Workflow.await(
        () ->
            interrupted()
                || (Workflow.isEveryHandlerFinished()
                    && unsettled.stream().allMatch(Promise::isCompleted)));
    if (interrupted()) {
      return false;
    }
    unsettled.forEach(Promise::getFailure);
    Workflow.continueAsNew(
        new WorkloadRequest(
            request.workloadId(),
            spec,
            revision,
            settings,
            new WorkloadRequest.CarryOver(
                nodeId, placement, restarts, sequence, !fresh, exitCode, message)));
    return true;
  }

  // ---- node loss and unreachable agents -------------------------------------------------------

  /**
   * The node went Inactive: its container is abandoned (the node's INACTIVE already stored the row
   * as LOST) and the workload is placed again elsewhere, restarts unchanged.
   */
  private boolean relocate(NodeLost from) {
    String lostNode = nodeId;
    containerNode = null;
    status = WorkloadStatus.LOST;
    exitCode = null;
    message = from.reason() != null ? from.reason() : "node " + lostNode + " lost";
    publish();
    return place(List.of(lostNode));
  }

  /** The agent did not pick the task up: LOST, then another node if one fits now, else FAILED. */
  private boolean moveFromUnreachable(List<String> unreachable, boolean fresh) {
    String reason =
        "agent on node "
            + nodeId
            + " did not pick up the "
            + (fresh ? "start" : "restart")
            + " within "
            + seconds(settings.agentPickupTimeout());
    // Nothing ran there: the task expired in the queue, so no container of this attempt exists.
    containerNode = null;
    record(WorkloadStatus.LOST, null, reason, null);
    Placement answer = askPlacement(List.copyOf(unreachable));
    if (answer == null) {
      return false;
    }
    if (answer.status() == WorkloadStatus.SCHEDULED) {
      return true;
    }
    record(WorkloadStatus.FAILED, null, reason + "; no other node fits " + requestText(), null);
    return false;
  }

  private static boolean notPickedUp(ActivityFailure e) {
    return e.getCause() instanceof TimeoutFailure timeout
        && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;
  }

  private void failLaunch(ActivityFailure e, boolean fresh) {
    ApplicationFailure cause = Failures.applicationCause(e);
    String type = cause == null ? null : cause.getType();
    String text;
    if (WorkloadFailure.IMAGE_NOT_FOUND.type().equals(type)
        || WorkloadFailure.START_FAILED.type().equals(type)) {
      text = cause.getOriginalMessage(); // the engine's own words
    } else {
      text =
          (fresh ? "start" : "restart")
              + " failed on node "
              + nodeId
              + (e.getRetryState() == RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
                  ? " after " + settings.actionAttempts() + " attempts"
                  : "")
              + ": "
              + rootMessage(e);
    }
    record(WorkloadStatus.FAILED, null, text, null);
  }

  // ---- remove and end --------------------------------------------------------------------------

  private WorkloadView finish() {
    while (true) {
      // A remove may still come after a final status, while the run is closing: serve it. The run
      // closes once cancelled followers are over too (at most one heartbeat timeout on a dead
      // node), so no activity of this workload outlives it.
      Workflow.await(
          () ->
              removalPending()
                  || (Workflow.isEveryHandlerFinished()
                      && unsettled.stream().allMatch(Promise::isCompleted)));
      if (!removalPending()) {
        unsettled.forEach(Promise::getFailure); // seen: a cancelled follower's end is no news
        return state();
      }
      removeContainer();
    }
  }

  private boolean removalPending() {
    return removal != null && status != WorkloadStatus.REMOVED;
  }

  private void removeContainer() {
    String note = "";
    if (containerNode != null) {
      try {
        actions(containerNode).remove(ref());
      } catch (ActivityFailure e) {
        note = "; container left on node " + containerNode + ": " + rootMessage(e);
      }
    }
    String reason = removal.reason();
    record(
        WorkloadStatus.REMOVED,
        exitCode,
        (reason == null || reason.isBlank() ? "removed" : reason) + note,
        null);
    removeRecorded = true;
  }

  // ---- handlers --------------------------------------------------------------------------------

  @Override
  public Placement placement() {
    Workflow.await(() -> placement != null);
    return placement;
  }

  @Override
  public void validateRemove(RemoveWorkload remove) {
    if (removal != null || status == WorkloadStatus.REMOVED) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Workload already removed", WorkloadFailure.ALREADY_REMOVED.type());
    }
  }

  @Override
  public WorkloadView remove(RemoveWorkload remove) {
    removal = remove != null ? remove : new RemoveWorkload(null);
    Workflow.await(() -> removeRecorded);
    return state();
  }

  @Override
  public void validateRetry(RetryWorkload retry) {
    if (!retains || removal != null || retryAsked != null || !retryable(status)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Workload is " + status.display() + ": only an Exited, Failed or Missing one is retried",
          WorkloadFailure.NOT_RETRYABLE.type());
    }
  }

  @Override
  public Placement retry(RetryWorkload retry) {
    retryAsked = retry != null ? retry : new RetryWorkload(null);
    int next = revision + 1;
    // Answered once the next revision is placed (SCHEDULED or PENDING), or it ended at once.
    Workflow.await(
        () -> placedRevision >= next || (revision >= next && status.isFinal()) || removal != null);
    return placedRevision >= next ? placement : new Placement(request.workloadId(), nodeId, status);
  }

  @Override
  public void nodeLost(NodeLost from) {
    // Only the node the workload is on now matters: a late signal about a node it already left,
    // or one that arrives once it ended, changes nothing.
    if (from != null
        && from.nodeId() != null
        && from.nodeId().equals(nodeId)
        && status.isLive()
        && removal == null) {
      lost = from;
    }
  }

  @Override
  public void capacityChanged() {
    nudged = true;
  }

  @Override
  public WorkloadView state() {
    return new WorkloadView(
        request.workloadId(), spec.name(), nodeId, status, exitCode, message, revision, restarts);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private boolean interrupted() {
    return removal != null || lost != null;
  }

  /**
   * Runs an activity that a node loss or a remove may interrupt: then it is cancelled and null is
   * returned. With {@code settleFirst} the cancellation is waited for until the server confirms it:
   * a remove that follows a cancelled start then cannot miss the container the start was creating.
   * Otherwise the workflow goes on and waits for it only before closing.
   */
  private <T> T interruptible(Functions.Func<T> call, boolean settleFirst) {
    List<Promise<T>> holder = new ArrayList<>(1);
    CancellationScope scope = Workflow.newCancellationScope(() -> holder.add(Async.function(call)));
    scope.run();
    Promise<T> result = holder.get(0);
    Workflow.await(() -> result.isCompleted() || interrupted());
    if (result.isCompleted()) {
      return result.get();
    }
    scope.cancel();
    if (!settleFirst) {
      unsettled.add(result);
      return null;
    }
    try {
      result.get();
    } catch (TemporalFailure expected) {
      // Cancelled, as asked.
    }
    return null;
  }

  /**
   * Start, restart and remove on the node's own queue. A task not picked up in time means the agent
   * is unreachable. A cancellation completes when the server confirms it (see {@link
   * #interruptible}).
   */
  private ContainerActivities actions(String node) {
    return Workflow.newActivityStub(
        ContainerActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(settings.nodeQueue(node))
            .setScheduleToStartTimeout(settings.agentPickupTimeout())
            .setStartToCloseTimeout(settings.actionTimeout())
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(settings.restartInitialBackoff())
                    .setBackoffCoefficient(2.0)
                    .setMaximumInterval(settings.restartMaxBackoff())
                    .setMaximumAttempts(settings.actionAttempts())
                    .setDoNotRetry(
                        WorkloadFailure.IMAGE_NOT_FOUND.type(), WorkloadFailure.START_FAILED.type())
                    .build())
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .build());
  }

  /**
   * The follower heartbeats; retried without limit (a dead agent's follow is ended by the node
   * monitor's nodeLost, not by giving up). Its cancellation is confirmed by its next heartbeat, or
   * on a dead node by the heartbeat timeout; the workflow moves on without waiting for it.
   */
  private ContainerActivities follower(String node) {
    return Workflow.newActivityStub(
        ContainerActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(settings.nodeQueue(node))
            .setStartToCloseTimeout(FOLLOW_ATTEMPT_TIMEOUT)
            .setHeartbeatTimeout(settings.followHeartbeatTimeout())
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(settings.restartInitialBackoff())
                    .setBackoffCoefficient(2.0)
                    .setMaximumInterval(settings.restartMaxBackoff())
                    .build())
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .build());
  }

  private ContainerSpec containerSpec() {
    return new ContainerSpec(
        request.workloadId(),
        revision,
        spec.name(),
        spec.image(),
        spec.command(),
        spec.envVars(),
        spec.cpu(),
        spec.memoryMb());
  }

  private ContainerRef ref() {
    return new ContainerRef(request.workloadId(), revision);
  }

  /** Anything but the four states the activities promise counts as a failure, named. */
  private static ContainerState normalised(ContainerState state) {
    return switch (state.status()) {
      case RUNNING, EXITED, FAILED, MISSING -> state;
      default ->
          new ContainerState(
              WorkloadStatus.FAILED,
              state.containerId(),
              state.exitCode(),
              "unexpected container state " + state.status(),
              state.logs());
    };
  }

  private static String describe(ContainerState stopped) {
    if (stopped.message() != null && !stopped.message().isBlank()) {
      return stopped.message();
    }
    return switch (stopped.status()) {
      case EXITED -> "exited with code " + stopped.exitCode();
      case MISSING -> "container disappeared";
      default -> "container failed";
    };
  }

  /** Records a status change: workflow state first (queries see it), then the row and its event. */
  private void record(WorkloadStatus next, Integer code, String text, String logs) {
    status = next;
    exitCode = code;
    message = text;
    publish();
    store.status(
        new StatusChange(
            request.workloadId(), revision, ++sequence, next, nodeId, code, text, logs, now()));
  }

  /** Mirrors status and node into the search attributes, when the run was started with them. */
  private void publish() {
    if (!publishes) {
      return;
    }
    List<SearchAttributeUpdate<?>> updates = new ArrayList<>(2);
    if (!status.name().equals(publishedStatus)) {
      updates.add(WorkloadSearchAttributes.STATUS.valueSet(status.name()));
      publishedStatus = status.name();
    }
    if (!Objects.equals(nodeId, publishedNode)) {
      updates.add(
          nodeId == null
              ? WorkloadSearchAttributes.NODE_ID.valueUnset()
              : WorkloadSearchAttributes.NODE_ID.valueSet(nodeId));
      publishedNode = nodeId;
    }
    if (!updates.isEmpty()) {
      Workflow.upsertTypedSearchAttributes(updates.toArray(new SearchAttributeUpdate<?>[0]));
    }
  }

  private String requestText() {
    return "cpu="
        + BigDecimal.valueOf(spec.cpu()).stripTrailingZeros().toPlainString()
        + " memory="
        + spec.memoryMb()
        + " MiB";
  }

  private static String seconds(Duration d) {
    return d.toSeconds() + " s";
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof TemporalFailure tf ? tf.getOriginalMessage() : t.getMessage();
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
