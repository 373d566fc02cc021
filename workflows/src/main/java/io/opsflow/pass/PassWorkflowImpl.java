package io.opsflow.pass;

import io.opsflow.Failures;
import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;
import io.opsflow.pass.PassLinkActivities.ActionResult;
import io.opsflow.pass.PassLinkActivities.ActionRun;
import io.opsflow.pass.PassLinkActivities.LinkSpec;
import io.opsflow.pass.PassLinkActivities.LinkStatus;
import io.opsflow.pass.PassOperations.AddNode;
import io.opsflow.pass.PassOperations.Cancel;
import io.opsflow.pass.PassOperations.Confirmation;
import io.opsflow.pass.PassOperations.Decision;
import io.opsflow.pass.PassOperations.LinkOperation;
import io.opsflow.pass.PassOperations.NodeOperation;
import io.opsflow.pass.PassOperations.OperatorOnly;
import io.opsflow.pass.PassOperations.Reschedule;
import io.opsflow.pass.PassStoreActivities.OperatorAction;
import io.opsflow.pass.PassStoreActivities.PassEvent;
import io.opsflow.pass.PassStoreActivities.Replan;
import io.opsflow.pass.PassStoreActivities.StatusChange;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.common.RetryOptions;
import io.temporal.common.SearchAttributeUpdate;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.UpdateInfo;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * Deterministic pass lifecycle (seed 000): PSS's timer, PPS's phases and procedure graph, PRS's
 * records, as one workflow. A durable timer waits until aos minus the lead time (moved by {@code
 * reschedule}, ended by {@code cancel}); then the executor is launched ({@link
 * PassExecutorActivities}, queue {@code pass-executors}), preprocessing opens the ground-station
 * link in it ({@link PassLinkActivities} on {@code pass-<id>}), and at aos the procedure graph
 * runs: {@link ProcedureRun} decides which nodes are ready, each ready node runs at once in a
 * coroutine of its own (an activity in the executor, a workflow timer, or an operator's
 * confirmation), in a cancellation scope of its own so a stop, a cancel or the window's end stops
 * it. Postprocessing (link closed, report finalised, executor terminated) always runs once the
 * executor was launched.
 *
 * <p>A watchdog checks the executor every {@code watchdogSeconds} and relaunches it when it died;
 * the running action then misses its heartbeats and is retried on the new executor with the same
 * run key, so no telecommand is sent twice.
 *
 * <p>Operators' updates: every validator decides from the workflow's state and clock alone and
 * refuses with a message naming the node, its state or the window; every handler changes the state
 * before it waits for anything, so a second operator's validator already sees the first one's
 * effect; then the action is recorded ({@code scheduled_pass_actions}) before the update answers.
 * Rows are written by one writer coroutine, in the order the workflow decided them.
 */
public class PassWorkflowImpl implements PassWorkflow {

  /** The queue of the process that launches executors. */
  public static final String EXECUTORS_QUEUE = "pass-executors";

  /** The queue of the workflow and its store activities. */
  public static final String ORCHESTRATION_QUEUE = "orchestration";

  /** Added to an action's own timeout for its start-to-close: the executor enforces the timeout. */
  static final Duration ACTION_MARGIN = Duration.ofSeconds(30);

  /** How long closing the link, the report and the executor's teardown may each take. */
  static final Duration TEARDOWN_DEADLINE = Duration.ofMinutes(2);

  static final String WAITING = "waiting";
  static final String LAUNCHING = "launching";
  static final String PREPROCESSING = "preprocessing";
  static final String PROCEDURE = "procedure";
  static final String STOPPED = "stopped";
  static final String POSTPROCESSING = "postprocessing";
  static final String DONE = "done";

  /** Failure type of an action whose ground-station link is gone. */
  static final String LINK_DOWN = "LinkDown";

  /** Change id: a link refused at its opening is retried until LOS (see {@link #opening()}). */
  static final String LINK_OPEN_RETRY = "link-open-retry";

  private static final Logger log = Workflow.getLogger(PassWorkflowImpl.class);

  /** The coroutine of one node's current attempt: what stops it. */
  private static final class NodeRun {
    CancellationScope scope;
    boolean cancelRequested;

    void cancel() {
      cancelRequested = true;
      if (scope != null) {
        scope.cancel();
      }
    }
  }

  /** A row to write, in order, by the writer coroutine. */
  private record Write(Functions.Proc action, CompletablePromise<Void> done) {}

  private final PassRequest request;
  private final long passId;
  private final PassSettings settings;
  private final PassStoreActivities store;
  private final PassStoreActivities replanStore;
  private final PassStoreActivities reportStore;
  private final PassExecutorActivities watchdogExecutors;
  private final PassExecutorActivities teardownExecutors;
  private final PassLinkActivities closingLink;

  private Instant aos;
  private Instant los;
  private int leadTimeSeconds;
  private int version;
  private Map<String, String> parameters;
  private ProcedureRun run;

  private PassStatus status = PassStatus.RESERVED;
  private String phase = WAITING;
  private ExecutorHandle executor;
  private boolean linkOpened;
  private boolean paused;
  private String failureReason;

  /** Bumped by every change the main coroutine waits on. */
  private int changes;

  private boolean rescheduling;
  private boolean cancelRequested;
  private boolean procedureEnded;
  private boolean tearingDown;
  private boolean finished;
  private String stoppedBy;
  private CancellationScope blocking;
  private final Map<ProcedureRun, Map<String, NodeRun>> nodeRuns = new LinkedHashMap<>();
  private final Deque<Write> writes = new ArrayDeque<>();
  private int statusChanges;
  private int events;
  private int actions;

  @WorkflowInit
  public PassWorkflowImpl(PassRequest request) {
    this.request = request;
    this.passId = request.passId();
    this.settings = request.effectiveSettings();
    this.aos = request.aos();
    this.los = request.los();
    this.leadTimeSeconds = request.leadTimeSeconds();
    this.version = request.version();
    this.parameters = request.parameters() == null ? Map.of() : request.parameters();
    this.run =
        new ProcedureRun(
            request.procedure() == null ? ProcedureGraph.empty() : request.procedure(), 1);
    // Rows must follow the workflow: retried until the database answers.
    this.store = storeStub(null);
    // An operator waits for a reschedule: answered within half a minute, whatever happens.
    this.replanStore = storeStub(Duration.ofSeconds(30));
    this.reportStore = storeStub(TEARDOWN_DEADLINE);
    this.watchdogExecutors =
        Workflow.newActivityStub(
            PassExecutorActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(EXECUTORS_QUEUE)
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(2).build())
                .build());
    this.teardownExecutors =
        Workflow.newActivityStub(
            PassExecutorActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(EXECUTORS_QUEUE)
                .setStartToCloseTimeout(Duration.ofSeconds(60))
                .setScheduleToCloseTimeout(TEARDOWN_DEADLINE)
                .setRetryOptions(backoff(Duration.ofSeconds(10)).build())
                .build());
    this.closingLink =
        Workflow.newActivityStub(
            PassLinkActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(PassRequest.taskQueue(passId))
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setScheduleToCloseTimeout(TEARDOWN_DEADLINE)
                .setRetryOptions(backoff(Duration.ofSeconds(10)).setDoNotRetry(LINK_DOWN).build())
                .build());
  }

  private static PassStoreActivities storeStub(Duration deadline) {
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder()
            .setTaskQueue(ORCHESTRATION_QUEUE)
            .setStartToCloseTimeout(Duration.ofSeconds(10))
            .setRetryOptions(backoff(Duration.ofSeconds(30)).build());
    if (deadline != null) {
      options.setScheduleToCloseTimeout(deadline);
    }
    return Workflow.newActivityStub(PassStoreActivities.class, options.build());
  }

  private static RetryOptions.Builder backoff(Duration maximum) {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setBackoffCoefficient(2.0)
        .setMaximumInterval(maximum);
  }

  // ---- the lifecycle -------------------------------------------------------------------------

  @Override
  public PassView run(PassRequest ignored) {
    List<SearchAttributeUpdate<?>> attributes = new ArrayList<>();
    attributes.add(PassSearchAttributes.GROUND_STATION_ID.valueSet(request.groundStationId()));
    if (request.satellite() != null) {
      attributes.add(PassSearchAttributes.SATELLITE.valueSet(request.satellite()));
    }
    attributes.add(PassSearchAttributes.STATUS.valueSet(status.wire()));
    Workflow.upsertTypedSearchAttributes(attributes.toArray(SearchAttributeUpdate<?>[]::new));
    // A cancel of the workflow itself (Temporal UI, CLI) is the cancel update without operator: the
    // lifecycle runs detached from it, so the executor is still torn down.
    Promise<String> workflowCancel = CancellationScope.current().getCancellationRequest();
    Workflow.newDetachedCancellationScope(
            () -> {
              Async.procedure(this::writer);
              Async.procedure(
                  () -> {
                    Workflow.await(() -> workflowCancel.isCompleted() || finished);
                    if (!finished && !cancelRequested && !procedureEnded) {
                      requestCancel(null, "the workflow was cancelled");
                    }
                  });
              lifecycle();
            })
        .run();
    return state();
  }

  private void lifecycle() {
    List<GraphProblem> problems = ProcedureGraphValidator.problems(run.graph(), "procedure");
    if (!problems.isEmpty()) {
      // The API validates the graph: a pass started without it ends before anything is launched.
      failureReason =
          "invalid procedure: "
              + problems.stream().map(GraphProblem::toString).collect(Collectors.joining("; "));
      end(PassStatus.FAILURE);
      return;
    }
    if (!waitForLaunch()) {
      // Nothing was launched: nothing to tear down.
      end(cancelRequested ? PassStatus.CANCELLED : PassStatus.FAILURE);
      return;
    }
    setStatus(PassStatus.STARTING, LAUNCHING);
    if (launch() && preprocess() && waitForAos()) {
      setStatus(PassStatus.EXECUTING, PROCEDURE);
      procedure();
    }
    postprocess();
  }

  /** The durable timer to aos minus the lead time; false when the pass ends before it. */
  private boolean waitForLaunch() {
    while (true) {
      if (cancelRequested) {
        return false;
      }
      Instant now = now();
      if (!rescheduling && !now.isBefore(los)) {
        failureReason =
            "the reservation window ended at " + los + " before the pass could be launched";
        return false;
      }
      Instant launchAt = aos.minusSeconds(leadTimeSeconds);
      if (!rescheduling && !now.isBefore(launchAt)) {
        return true;
      }
      int seen = changes;
      if (rescheduling) {
        Workflow.await(() -> changes != seen);
      } else {
        Workflow.await(Duration.between(now, launchAt), () -> changes != seen);
      }
    }
  }

  private boolean launch() {
    try {
      executor = blocking(() -> launcher().launch(executorSpec()));
    } catch (ActivityFailure | CanceledFailure e) {
      if (!cancelRequested) {
        failureReason = "the executor could not be launched: " + message(e);
      }
      return false;
    }
    event("executor", null, null, detail("action", "launched", "executor", executor));
    startWatchdog();
    return true;
  }

  private boolean preprocess() {
    setPhase(PREPROCESSING);
    try {
      LinkStatus link = blocking(() -> opening().open(linkSpec()));
      linkOpened = true;
      event("link", null, null, linkDetail("opened", link));
      return true;
    } catch (ActivityFailure | CanceledFailure e) {
      if (!cancelRequested) {
        failureReason =
            e.getCause() instanceof TimeoutFailure t
                    && t.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START
                ? "the executor did not poll "
                    + PassRequest.taskQueue(passId)
                    + " within "
                    + settings.executorStartSeconds()
                    + " s"
                : "the ground-station link could not be opened: " + message(e);
      }
      return false;
    }
  }

  private boolean waitForAos() {
    Instant now = now();
    if (now.isBefore(aos)) {
      Workflow.await(Duration.between(now, aos), () -> cancelRequested);
    }
    return !cancelRequested;
  }

  /**
   * The procedure graph: starts every ready node (unless paused) and waits for the next change,
   * until the run is over, the window ends or the pass is cancelled.
   */
  private void procedure() {
    while (true) {
      if (cancelRequested) {
        break;
      }
      Instant now = now();
      if (!now.isBefore(los)) {
        windowEnded();
        break;
      }
      if (phase.equals(PROCEDURE)) {
        ProcedureRun current = run;
        List<NodeState> before = current.views();
        List<String> ready = current.advance(now);
        recordSettled(current, before);
        if (!paused) {
          ready.forEach(id -> startNode(current, id));
        }
        if (current.over()) {
          String reason = current.failureReason();
          if (reason != null) {
            failureReason = "the procedure failed: " + reason;
          }
          break;
        }
      }
      int seen = changes;
      Workflow.await(Duration.between(now, los), () -> changes != seen || cancelRequested);
    }
    procedureEnded = true;
  }

  private void windowEnded() {
    if (phase.equals(STOPPED)) {
      failureReason =
          "the reservation window ended at "
              + los
              + " with the procedure stopped"
              + (stoppedBy == null ? "" : " by " + stoppedBy);
      return;
    }
    failureReason = windowEndedReason(los, stopNodes(run, "the reservation window ended"));
  }

  /** Why a pass failed at LOS, naming the nodes the window's end stopped or left unrun. */
  static String windowEndedReason(Instant los, List<String> unfinished) {
    String at = "the reservation window ended at " + los;
    if (unfinished.isEmpty()) {
      // e.g. a launch so late (an overloaded worker) that the window closed before the procedure
      return at + " before the procedure could run";
    }
    return at
        + " with "
        + (unfinished.size() == 1 ? "node " : "nodes ")
        + unfinished.stream().map(id -> "'" + id + "'").collect(Collectors.joining(", "))
        + " unfinished";
  }

  /** Nodes {@link ProcedureRun#advance} ended without running: skipped or not run. */
  private void recordSettled(ProcedureRun current, List<NodeState> before) {
    for (NodeState was : before) {
      NodeState now = current.view(was.nodeId());
      if (!now.status().equals(was.status())) {
        event(
            "action_ended",
            now.nodeId(),
            null,
            detail(
                "status",
                now.status(),
                "outcome",
                now.status(),
                "detail",
                now.detail(),
                "run",
                current.number(),
                "attempt",
                now.runs()));
      }
    }
  }

  /** Teardown: always once the executor may exist, also after a cancel or a failure. */
  private void postprocess() {
    procedureEnded = true;
    PassStatus result =
        cancelRequested
            ? PassStatus.CANCELLED
            : failureReason != null ? PassStatus.FAILURE : PassStatus.SUCCESS;
    // Every coroutine of a node has recorded its end before the outcome is written.
    Workflow.await(() -> nodeRuns.values().stream().allMatch(Map::isEmpty));
    tearingDown = true;
    changes++;
    setStatus(result, POSTPROCESSING);
    if (linkOpened) {
      try {
        LinkStatus link = closingLink.close(linkSpec());
        event("link", null, null, linkDetail("closed", link));
      } catch (ActivityFailure e) {
        event("link", null, null, detail("action", "close_failed", "error", message(e)));
      }
    }
    flush();
    try {
      reportStore.finalizeReport(passId);
    } catch (ActivityFailure e) {
      log.warn("pass {}: report not finalised", passId, e);
    }
    try {
      teardownExecutors.terminate(passId);
      event("executor", null, null, detail("action", "terminated", "executor", executor));
    } catch (ActivityFailure e) {
      event("executor", null, null, detail("action", "terminate_failed", "error", message(e)));
    }
    end(result);
  }

  private void end(PassStatus result) {
    procedureEnded = true;
    tearingDown = true;
    setStatus(result, DONE);
    flush();
    finished = true;
    changes++;
    // Updates still running (a cancel waits for the end) answer before the run closes.
    Workflow.await(Workflow::isEveryHandlerFinished);
    flush();
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private void startNode(ProcedureRun owner, String id) {
    owner.start(id, now());
    NodeRun control = new NodeRun();
    nodeRuns.computeIfAbsent(owner, r -> new LinkedHashMap<>()).put(id, control);
    Async.procedure(() -> runNode(owner, id, control));
  }

  /** One node's coroutine: its attempts, until it ends (or waits for a decision that ends it). */
  private void runNode(ProcedureRun owner, String id, NodeRun control) {
    try {
      while (true) {
        int attempt = owner.runs(id);
        ProcedureNode node = owner.node(id);
        String runKey = owner.runKey(id);
        event(
            "action_started",
            id,
            null,
            detail(
                "type",
                node.type(),
                "run",
                owner.number(),
                "attempt",
                attempt,
                "run_key",
                runKey,
                "prompt",
                node.parameters() == null ? null : node.parameters().prompt()));
        ActionResult result = perform(owner, node, runKey, control);
        boolean ours =
            owner.runs(id) == attempt
                && (owner.status(id).equals(NodeState.RUNNING)
                    || owner.status(id).equals(NodeState.AWAITING_CONFIRMATION));
        if (!ours || result == null) {
          // Settled meanwhile by an operator (confirm), a stop, a cancel or the window's end; or,
          // once settled, already run again by an operator (superseded).
          NodeState settled = owner.view(id);
          boolean superseded = settled.runs() != attempt;
          String status = superseded ? "superseded" : settled.status();
          ended(owner, id, attempt, status, status, superseded ? null : settled.detail(), null);
          return;
        }
        String detail = result.detail();
        if (result.succeeded()) {
          owner.succeed(id, detail, now());
          ended(
              owner,
              id,
              attempt,
              NodeState.SUCCEEDED,
              result.outcome(),
              detail,
              result.tcSequenceCount());
          return;
        }
        String why = result.outcome() + (detail == null ? "" : ": " + detail);
        if (owner.failureHandled(id) || PassSettings.FAIL.equals(settings.onError())) {
          owner.fail(id, why, now());
          ended(
              owner,
              id,
              attempt,
              NodeState.FAILED,
              result.outcome(),
              why,
              result.tcSequenceCount());
          return;
        }
        owner.awaitDecision(id, why, now());
        changes++;
        ended(
            owner,
            id,
            attempt,
            NodeState.AWAITING_DECISION,
            result.outcome(),
            why,
            result.tcSequenceCount());
        Workflow.await(() -> !owner.status(id).equals(NodeState.AWAITING_DECISION));
        if (!owner.status(id).equals(NodeState.RUNNING)
            && !owner.status(id).equals(NodeState.AWAITING_CONFIRMATION)) {
          return; // go, stop, or the window's end
        }
        // retry: the decide update started the next attempt.
        control.cancelRequested = false;
      }
    } finally {
      Map<String, NodeRun> runs = nodeRuns.get(owner);
      if (runs != null && runs.get(id) == control) {
        runs.remove(id);
      }
      changes++;
    }
  }

  /**
   * Runs one attempt of a node; null when it was stopped or settled by someone else. A failed
   * activity is a failed result with the failure's message.
   */
  private ActionResult perform(
      ProcedureRun owner, ProcedureNode node, String runKey, NodeRun control) {
    ActionType type = ActionType.of(node.type());
    NodeParameters p = node.parameters();
    switch (type) {
      case DELAY -> {
        int seconds = p.durationSeconds();
        Workflow.await(Duration.ofSeconds(seconds), () -> control.cancelRequested);
        return control.cancelRequested
            ? null
            : new ActionResult(true, NodeState.SUCCEEDED, "waited " + seconds + " s", null);
      }
      case OPERATOR_CONFIRM -> {
        int seconds = p.timeoutSeconds();
        boolean answered =
            Workflow.await(
                Duration.ofSeconds(seconds),
                () ->
                    control.cancelRequested
                        || !owner.status(node.id()).equals(NodeState.AWAITING_CONFIRMATION));
        return answered
            ? null
            : new ActionResult(
                false, "timed_out", "no operator confirmed within " + seconds + " s", null);
      }
      default -> {
        ActionRun action = new ActionRun(passId, linkSpec(), node.id(), runKey, node.type(), p);
        PassLinkActivities link = actionStub(p);
        try {
          Promise<ActionResult> pending =
              inScope(
                  control,
                  () ->
                      switch (type) {
                        case SEND_TELECOMMAND -> Async.function(link::sendTelecommand, action);
                        case WAIT_TELEMETRY -> Async.function(link::waitTelemetry, action);
                        default -> Async.function(link::checkParameter, action);
                      });
          ActionResult result = pending.get();
          if (result == null) {
            return new ActionResult(false, NodeState.FAILED, "the executor returned nothing", null);
          }
          return result;
        } catch (ActivityFailure e) {
          if (control.cancelRequested || e.getCause() instanceof CanceledFailure) {
            return null;
          }
          return new ActionResult(false, failureOutcome(e), message(e), null);
        } catch (CanceledFailure e) {
          return null;
        }
      }
    }
  }

  private static String failureOutcome(ActivityFailure e) {
    ApplicationFailure cause = Failures.applicationCause(e);
    if (cause != null && LINK_DOWN.equals(cause.getType())) {
      return "link_down";
    }
    return e.getCause() instanceof TimeoutFailure ? "timed_out" : NodeState.FAILED;
  }

  private <T> Promise<T> inScope(NodeRun control, Functions.Func<Promise<T>> start) {
    List<Promise<T>> started = new ArrayList<>(1);
    control.scope = Workflow.newCancellationScope(() -> started.add(start.apply()));
    control.scope.run();
    if (control.cancelRequested) {
      control.scope.cancel();
    }
    return started.get(0);
  }

  /**
   * Records the end of one attempt: {@code status} is the node's state after it, {@code outcome}
   * the action's own ({@code succeeded}, {@code rejected}, {@code timed_out}, {@code link_down},
   * ...; the status when the attempt was stopped or answered by an operator).
   */
  private void ended(
      ProcedureRun owner,
      String id,
      int attempt,
      String status,
      String outcome,
      String detail,
      Integer tcSequenceCount) {
    changes++;
    event(
        "action_ended",
        id,
        null,
        detail(
            "status",
            status,
            "outcome",
            outcome,
            "detail",
            detail,
            "run",
            owner.number(),
            "attempt",
            attempt,
            "tc_sequence_count",
            tcSequenceCount));
  }

  /** Stops the run's unfinished nodes (their coroutines record it); returns them. */
  private List<String> stopNodes(ProcedureRun owner, String why) {
    List<String> unfinished = owner.stopAll(why, now());
    Map<String, NodeRun> runs = nodeRuns.get(owner);
    if (runs != null) {
      runs.values().forEach(NodeRun::cancel);
    }
    changes++;
    return unfinished;
  }

  /**
   * Retried with backoff until the window's end, where the workflow stops it: the margin after los
   * keeps the server's own deadline from racing with that stop.
   */
  private PassLinkActivities actionStub(NodeParameters p) {
    int timeout = p.timeoutSeconds() == null ? 0 : p.timeoutSeconds();
    Duration untilLos = Duration.between(now(), los);
    return Workflow.newActivityStub(
        PassLinkActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(PassRequest.taskQueue(passId))
            .setStartToCloseTimeout(Duration.ofSeconds(timeout).plus(ACTION_MARGIN))
            .setScheduleToCloseTimeout(
                (untilLos.isNegative() ? Duration.ZERO : untilLos).plus(ACTION_MARGIN))
            .setHeartbeatTimeout(Duration.ofSeconds(settings.heartbeatSeconds()))
            // A stopped action is over only once the executor has stopped waiting for it (a dead
            // executor: once its heartbeat timed out), so the link never closes under it.
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .setRetryOptions(backoff(Duration.ofSeconds(10)).setDoNotRetry(LINK_DOWN).build())
            .build());
  }

  // ---- the executor --------------------------------------------------------------------------

  /** Launching is retried until the window's end: a pass without its executor cannot run. */
  private PassExecutorActivities launcher() {
    Duration untilLos = Duration.between(now(), los);
    return Workflow.newActivityStub(
        PassExecutorActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(EXECUTORS_QUEUE)
            .setStartToCloseTimeout(Duration.ofSeconds(settings.executorStartSeconds()))
            .setScheduleToCloseTimeout(
                untilLos.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : untilLos)
            .setRetryOptions(backoff(Duration.ofSeconds(30)).build())
            .build());
  }

  /**
   * Opening waits for the executor to poll its queue, at most executorStartSeconds. A station that
   * refuses the link is tried again (1 s doubling to 10 s, each attempt recording the link down)
   * until LOS: one that comes back within the window still gives its contact, one that does not
   * fails the pass at LOS with its last reason. Passes started before {@value #LINK_OPEN_RETRY}
   * failed at the first refusal.
   */
  private PassLinkActivities opening() {
    Duration untilLos = Duration.between(now(), los);
    RetryOptions.Builder retry = backoff(Duration.ofSeconds(10));
    if (Workflow.getVersion(LINK_OPEN_RETRY, Workflow.DEFAULT_VERSION, 1)
        == Workflow.DEFAULT_VERSION) {
      retry.setDoNotRetry(LINK_DOWN);
    }
    return Workflow.newActivityStub(
        PassLinkActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(PassRequest.taskQueue(passId))
            .setScheduleToStartTimeout(Duration.ofSeconds(settings.executorStartSeconds()))
            .setStartToCloseTimeout(Duration.ofSeconds(60))
            .setScheduleToCloseTimeout(
                untilLos.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : untilLos)
            .setRetryOptions(retry.build())
            .build());
  }

  private void startWatchdog() {
    Async.procedure(this::watch);
  }

  /** Every watchdogSeconds until teardown: relaunches (or re-attaches to) a dead executor. */
  private void watch() {
    Duration every = Duration.ofSeconds(settings.watchdogSeconds());
    while (true) {
      Workflow.await(every, () -> tearingDown);
      if (tearingDown) {
        return;
      }
      boolean alive;
      try {
        alive = watchdogExecutors.alive(executor);
      } catch (ActivityFailure e) {
        log.warn("pass {}: executor check failed", passId, e);
        continue;
      }
      if (alive || tearingDown) {
        continue;
      }
      ExecutorHandle dead = executor;
      try {
        executor = launcher().launch(executorSpec());
      } catch (ActivityFailure e) {
        event("executor", null, null, detail("action", "relaunch_failed", "error", message(e)));
        continue;
      }
      event(
          "executor",
          null,
          null,
          detail("action", "relaunched", "executor", executor, "previous", dead));
      markStatus();
    }
  }

  private ExecutorSpec executorSpec() {
    return new ExecutorSpec(passId, PassRequest.taskQueue(passId), los);
  }

  private LinkSpec linkSpec() {
    return new LinkSpec(passId, request.host(), request.port());
  }

  /** Runs an activity of the main coroutine in a scope a cancel can stop. */
  private <T> T blocking(Functions.Func<T> call) {
    List<Promise<T>> started = new ArrayList<>(1);
    CancellationScope scope =
        Workflow.newCancellationScope(() -> started.add(Async.function(call)));
    blocking = scope;
    try {
      scope.run();
      if (cancelRequested) {
        scope.cancel();
      }
      return started.get(0).get();
    } finally {
      blocking = null;
    }
  }

  // ---- updates: the window -------------------------------------------------------------------

  @Override
  public void validateReschedule(Reschedule r) {
    if (cancelRequested) {
      throw new IllegalStateException("pass " + passId + " is being cancelled");
    }
    if (status != PassStatus.RESERVED) {
      throw new IllegalStateException(
          "pass "
              + passId
              + " has already started ("
              + status.wire()
              + "): only a reserved pass can be rescheduled");
    }
    if (rescheduling) {
      throw new IllegalStateException(
          "pass " + passId + " is being rescheduled by another operator: try again");
    }
    Instant now = now();
    Instant newAos = r.aos() != null ? r.aos() : aos;
    Instant newLos = r.los() != null ? r.los() : los;
    if (!newAos.isAfter(now)) {
      throw new IllegalArgumentException(
          "aos " + newAos + " of pass " + passId + " is not in the future (now " + now + ")");
    }
    if (!newLos.isAfter(newAos)) {
      throw new IllegalArgumentException(
          "los " + newLos + " must be after aos " + newAos + " (pass " + passId + ")");
    }
    if (r.leadTimeSeconds() != null && r.leadTimeSeconds() < 0) {
      throw new IllegalArgumentException("lead_time_seconds must not be negative");
    }
    if (r.procedure() != null) {
      List<GraphProblem> problems = ProcedureGraphValidator.problems(r.procedure(), "procedure");
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(
            problems.stream().map(GraphProblem::toString).collect(Collectors.joining("; ")));
      }
    }
  }

  @Override
  public PassView reschedule(Reschedule r) {
    recheck(() -> validateReschedule(r));
    rescheduling = true;
    changes++;
    Instant newAos = r.aos() != null ? r.aos() : aos;
    Instant newLos = r.los() != null ? r.los() : los;
    int newLead = r.leadTimeSeconds() != null ? r.leadTimeSeconds() : leadTimeSeconds;
    Map<String, String> newParameters = r.parameters() != null ? r.parameters() : parameters;
    int newVersion;
    try {
      newVersion =
          replanStore.replan(
              new Replan(
                  passId, newAos, newLos, newLead, r.procedure(), newParameters, r.version()));
    } catch (ActivityFailure e) {
      rescheduling = false;
      changes++;
      ApplicationFailure cause = Failures.applicationCause(e);
      throw cause != null ? cause : e;
    }
    aos = newAos;
    los = newLos;
    leadTimeSeconds = newLead;
    parameters = newParameters;
    version = newVersion;
    if (r.procedure() != null) {
      run = new ProcedureRun(r.procedure(), 1);
    }
    rescheduling = false;
    changes++;
    return accepted("reschedule", r.operator(), null, r);
  }

  @Override
  public void validateCancel(Cancel c) {
    if (finished || isFinal(status)) {
      throw new IllegalStateException(
          "pass " + passId + " has already ended (" + status.wire() + ")");
    }
    if (cancelRequested) {
      throw new IllegalStateException("pass " + passId + " is already being cancelled");
    }
    if (procedureEnded) {
      throw new IllegalStateException(
          "pass " + passId + " is already in postprocessing: it is ending");
    }
  }

  /**
   * Answers once the running actions are stopped and the pass is {@code cancelled}: its teardown
   * (link, report, executor) then runs on, however long a dead executor makes it take.
   */
  @Override
  public PassView cancel(Cancel c) {
    recheck(() -> validateCancel(c));
    String reason = c.reason() == null || c.reason().isBlank() ? null : c.reason();
    requestCancel(c.operator(), reason);
    accepted("cancel", c.operator(), null, c);
    Workflow.await(() -> tearingDown);
    return state();
  }

  private void requestCancel(String operator, String reason) {
    cancelRequested = true;
    String by = operator == null || operator.isBlank() ? "" : " by " + operator;
    failureReason = "cancelled" + by + (reason == null ? "" : ": " + reason);
    stopNodes(run, failureReason);
    if (blocking != null) {
      blocking.cancel();
    }
    changes++;
  }

  @Override
  public void validateStop(OperatorOnly o) {
    requireInWindow("stopped");
    if (phase.equals(STOPPED)) {
      throw new IllegalStateException("the procedure of pass " + passId + " is already stopped");
    }
  }

  @Override
  public PassView stop(OperatorOnly o) {
    recheck(() -> validateStop(o));
    String by = o.operator() == null || o.operator().isBlank() ? "" : " by " + o.operator();
    stopNodes(run, "stopped" + by);
    stoppedBy = o.operator();
    setPhase(STOPPED);
    return accepted("stop", o.operator(), null, o);
  }

  @Override
  public void validateRestart(OperatorOnly o) {
    requireInWindow("restarted");
  }

  /** Stops what runs and begins the next run from the start nodes; pause is lifted. */
  @Override
  public PassView restart(OperatorOnly o) {
    recheck(() -> validateRestart(o));
    String by = o.operator() == null || o.operator().isBlank() ? "" : " by " + o.operator();
    stopNodes(run, "restarted" + by);
    run = run.restart();
    paused = false;
    stoppedBy = null;
    setPhase(PROCEDURE);
    return accepted("restart", o.operator(), null, o);
  }

  /** Stop and restart: while executing, inside [aos, los). */
  private void requireInWindow(String what) {
    requireNotEnded(what);
    Instant now = now();
    if (now.isBefore(aos) || !now.isBefore(los)) {
      String when =
          now.isBefore(aos)
              ? "it opens in " + human(Duration.between(now, aos))
              : "it closed " + human(Duration.between(los, now)) + " ago";
      throw new IllegalStateException(
          "pass "
              + passId
              + " can only be "
              + what
              + " inside its reservation window "
              + aos
              + ".."
              + los
              + "; "
              + when);
    }
    if (status != PassStatus.EXECUTING) {
      throw new IllegalStateException(
          "pass "
              + passId
              + " is "
              + status.wire()
              + " ("
              + phase
              + "): only an executing pass can be "
              + what);
    }
  }

  private void requireNotEnded(String what) {
    if (finished || isFinal(status)) {
      throw new IllegalStateException(
          "pass " + passId + " has ended (" + status.wire() + "): it cannot be " + what);
    }
    if (cancelRequested) {
      throw new IllegalStateException(
          "pass " + passId + " is being cancelled: it cannot be " + what);
    }
    if (procedureEnded) {
      throw new IllegalStateException(
          "the procedure of pass " + passId + " has ended (" + phase + "): nothing can be " + what);
    }
  }

  /** Live operations on the graph: before the procedure ended, and not while it is stopped. */
  private void requireLive(String what) {
    requireNotEnded(what);
    if (phase.equals(STOPPED)) {
      throw new IllegalStateException(
          "the procedure of pass " + passId + " is stopped: restart it first");
    }
  }

  // ---- updates: pause ------------------------------------------------------------------------

  @Override
  public void validatePause(OperatorOnly o) {
    requireLive("paused");
    if (paused) {
      throw new IllegalStateException("pass " + passId + " is already paused");
    }
  }

  @Override
  public PassView pause(OperatorOnly o) {
    recheck(() -> validatePause(o));
    paused = true;
    changes++;
    return accepted("pause", o.operator(), null, o);
  }

  @Override
  public void validateResume(OperatorOnly o) {
    requireLive("resumed");
    if (!paused) {
      throw new IllegalStateException("pass " + passId + " is not paused");
    }
  }

  @Override
  public PassView resume(OperatorOnly o) {
    recheck(() -> validateResume(o));
    paused = false;
    changes++;
    return accepted("resume", o.operator(), null, o);
  }

  // ---- updates: the graph --------------------------------------------------------------------

  @Override
  public void validateSkip(NodeOperation op) {
    requireLive("changed");
    run.checkSkip(op.nodeId(), op.branch());
  }

  @Override
  public PassView skip(NodeOperation op) {
    recheck(() -> validateSkip(op));
    run.skip(op.nodeId(), op.branch());
    return accepted("skip", op.operator(), op.nodeId(), op);
  }

  @Override
  public void validateUnskip(NodeOperation op) {
    requireLive("changed");
    run.checkUnskip(op.nodeId(), op.branch());
  }

  @Override
  public PassView unskip(NodeOperation op) {
    recheck(() -> validateUnskip(op));
    run.unskip(op.nodeId(), op.branch());
    return accepted("unskip", op.operator(), op.nodeId(), op);
  }

  @Override
  public void validateOverride(PassOperations.Override op) {
    requireLive("changed");
    run.checkOverride(op.nodeId(), op.parameters());
  }

  @Override
  public PassView override(PassOperations.Override op) {
    recheck(() -> validateOverride(op));
    run.override(op.nodeId(), op.parameters());
    return accepted("override", op.operator(), op.nodeId(), op);
  }

  @Override
  public void validateAddNode(AddNode op) {
    requireLive("changed");
    run.checkAddNode(op.node(), op.links());
  }

  @Override
  public PassView addNode(AddNode op) {
    recheck(() -> validateAddNode(op));
    run.addNode(op.node(), op.links());
    return accepted("addNode", op.operator(), op.node().id(), op);
  }

  @Override
  public void validateRemoveNode(NodeOperation op) {
    requireLive("changed");
    run.checkRemoveNode(op.nodeId(), op.branch());
  }

  @Override
  public PassView removeNode(NodeOperation op) {
    recheck(() -> validateRemoveNode(op));
    run.removeNode(op.nodeId(), op.branch());
    return accepted("removeNode", op.operator(), op.nodeId(), op);
  }

  @Override
  public void validateAddLink(LinkOperation op) {
    requireLive("changed");
    run.checkAddLink(op.link());
  }

  @Override
  public PassView addLink(LinkOperation op) {
    recheck(() -> validateAddLink(op));
    run.addLink(op.link());
    return accepted("addLink", op.operator(), op.link().to(), op);
  }

  @Override
  public void validateRemoveLink(LinkOperation op) {
    requireLive("changed");
    run.checkRemoveLink(op.link());
  }

  @Override
  public PassView removeLink(LinkOperation op) {
    recheck(() -> validateRemoveLink(op));
    run.removeLink(op.link());
    return accepted("removeLink", op.operator(), op.link().to(), op);
  }

  @Override
  public void validateRerun(NodeOperation op) {
    requireLive("re-run");
    run.checkRerun(op.nodeId(), op.branch());
  }

  @Override
  public PassView rerun(NodeOperation op) {
    recheck(() -> validateRerun(op));
    run.rerun(op.nodeId(), op.branch());
    return accepted("rerun", op.operator(), op.nodeId(), op);
  }

  @Override
  public void validateDecide(Decision d) {
    requireLive("decided");
    run.checkDecide(d.nodeId(), d.decision());
  }

  @Override
  public PassView decide(Decision d) {
    recheck(() -> validateDecide(d));
    run.decide(d.nodeId(), d.decision(), d.operator(), now());
    return accepted("decide", d.operator(), d.nodeId(), d);
  }

  @Override
  public void validateConfirm(Confirmation c) {
    requireLive("confirmed");
    run.checkConfirm(c.nodeId());
  }

  @Override
  public PassView confirm(Confirmation c) {
    recheck(() -> validateConfirm(c));
    run.confirm(c.nodeId(), c.confirmed(), c.operator(), c.comment(), now());
    return accepted("confirm", c.operator(), c.nodeId(), c);
  }

  /**
   * Runs the update's validator again in its handler: an update validated in the same workflow task
   * as another one that changed the state meanwhile fails with the validator's message, so the
   * second of two operators acting at once always sees the first one's effect.
   */
  private static void recheck(Runnable validator) {
    try {
      validator.run();
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), e.getClass().getName());
    }
  }

  /**
   * The handler's change is made: wakes the main coroutine, records the action and its event, then
   * answers with the state.
   */
  private PassView accepted(String kind, String operator, String nodeId, Object input) {
    changes++;
    String key =
        Workflow.getCurrentUpdateInfo()
            .map(UpdateInfo::getUpdateId)
            .orElse(kind + "-" + (++actions));
    Instant at = now();
    Map<String, Object> payload = payload(input);
    Promise<Void> recorded =
        write(
            () ->
                store.recordAction(
                    new OperatorAction(passId, key, at, operator, kind, nodeId, payload)));
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("kind", kind);
    detail.put("action_key", key);
    detail.putAll(payload);
    event("operator", nodeId, operator, detail);
    recorded.get();
    return state();
  }

  @Override
  public PassView state() {
    return new PassView(
        passId,
        status.wire(),
        phase,
        aos,
        los,
        leadTimeSeconds,
        version,
        executor,
        run.number(),
        paused,
        run.graph(),
        run.views(),
        failureReason);
  }

  // ---- rows ----------------------------------------------------------------------------------

  private void setStatus(PassStatus next, String nextPhase) {
    boolean statusChanged = next != status;
    status = next;
    phase = nextPhase;
    if (statusChanged) {
      Workflow.upsertTypedSearchAttributes(PassSearchAttributes.STATUS.valueSet(status.wire()));
    }
    changes++;
    markStatus();
  }

  private void setPhase(String nextPhase) {
    phase = nextPhase;
    changes++;
    markStatus();
  }

  /** The pass row as the workflow now sees it (status, phase, executor, failure). */
  private void markStatus() {
    StatusChange change =
        new StatusChange(
            passId,
            "status-" + (++statusChanges),
            now(),
            status.wire(),
            phase,
            executor,
            status == PassStatus.FAILURE || status == PassStatus.CANCELLED ? failureReason : null);
    write(() -> store.markStatus(change));
  }

  private void event(String type, String nodeId, String operator, Map<String, Object> detail) {
    PassEvent event =
        new PassEvent(
            passId,
            type + "-" + (++events) + (nodeId == null ? "" : "-" + nodeId),
            now(),
            type,
            nodeId,
            operator,
            detail);
    write(() -> store.recordEvent(event));
  }

  private Promise<Void> write(Functions.Proc action) {
    CompletablePromise<Void> done = Workflow.newPromise();
    writes.add(new Write(action, done));
    return done;
  }

  /** Writes the rows one at a time, in the order they were decided. */
  private void writer() {
    while (true) {
      Workflow.await(() -> !writes.isEmpty());
      Write next = writes.peek();
      try {
        next.action().apply();
      } catch (ActivityFailure e) {
        log.warn("pass {}: a row could not be written", passId, e);
      }
      writes.poll();
      next.done().complete(null);
    }
  }

  /** Waits until every row decided so far is written. */
  private void flush() {
    Workflow.await(writes::isEmpty);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static Map<String, Object> detail(Object... pairs) {
    Map<String, Object> detail = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i + 1] != null) {
        detail.put((String) pairs[i], pairs[i + 1]);
      }
    }
    return detail;
  }

  private static Map<String, Object> linkDetail(String action, LinkStatus link) {
    if (link == null) {
      return detail("action", action);
    }
    return detail(
        "action",
        action,
        "up",
        link.up(),
        "tc_sent",
        link.tcSent(),
        "tm_received",
        link.tmReceived(),
        "reconnects",
        link.reconnects());
  }

  /** An update's input as a map: its record components, instants as text, nulls left out. */
  private static Map<String, Object> payload(Object input) {
    Map<String, Object> payload = new LinkedHashMap<>();
    if (input == null || !input.getClass().isRecord()) {
      return payload;
    }
    for (RecordComponent c : input.getClass().getRecordComponents()) {
      try {
        Object value = c.getAccessor().invoke(input);
        if (value instanceof Instant instant) {
          value = instant.toString();
        }
        if (value != null && !c.getName().equals("operator")) {
          payload.put(c.getName(), value);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c.getName(), e);
      }
    }
    return payload;
  }

  private static String message(Throwable e) {
    ApplicationFailure cause = Failures.applicationCause(e);
    if (cause != null) {
      return cause.getOriginalMessage();
    }
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof TimeoutFailure timeout) {
      return "timed out (" + timeout.getTimeoutType().name().toLowerCase().replace('_', ' ') + ")";
    }
    return t.getMessage();
  }

  /** A duration for people: {@code 3 min}, {@code 45 s}, {@code 2 h 5 min}. */
  static String human(Duration d) {
    long seconds = Math.max(0, d.toSeconds());
    if (seconds < 60) {
      return seconds + " s";
    }
    long minutes = (seconds + 59) / 60;
    if (minutes < 60) {
      return minutes + " min";
    }
    return minutes / 60 + " h" + (minutes % 60 == 0 ? "" : " " + minutes % 60 + " min");
  }

  private static boolean isFinal(PassStatus s) {
    return s == PassStatus.SUCCESS || s == PassStatus.FAILURE || s == PassStatus.CANCELLED;
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
