package io.opsflow.pass;

import static io.opsflow.pass.Graphs.check;
import static io.opsflow.pass.Graphs.confirm;
import static io.opsflow.pass.Graphs.delay;
import static io.opsflow.pass.Graphs.graph;
import static io.opsflow.pass.Graphs.link;
import static io.opsflow.pass.Graphs.telecommand;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.opsflow.pass.FakeLink.Mode;
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
import io.opsflow.pass.PassStoreActivities.StatusChange;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pass workflow on the time-skipping test server, with fakes of its three activity interfaces
 * on their own queues: the store on {@code orchestration}, the executor launcher on {@code
 * pass-executors}, the ground-station link on {@code pass-42}.
 *
 * <p>Times: the test server skips time while no activity runs (the wait for launch and aos, delays,
 * confirmations), and runs in real time while one does (an action that hangs until it is stopped),
 * so windows that end while an action runs are short.
 */
class PassWorkflowTest {

  private static final long PASS = 42;
  private static final String WORKFLOW_ID = PassRequest.workflowId(PASS);
  private static final String ORCHESTRATION = PassWorkflowImpl.ORCHESTRATION_QUEUE;
  private static final PassSettings SETTINGS = new PassSettings(PassSettings.ASK, 60, 2, 30);
  private static final PassSettings FAIL_AT_ONCE = new PassSettings(PassSettings.FAIL, 60, 2, 30);
  private static final int LEAD = 120;

  /** The workflow version the recorded histories belong to: {@code pass-<version>-<scenario>}. */
  private static final String RECORDED_VERSION = "v2";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakePassStore store;
  private FakeExecutors executors;
  private FakeLink link;
  private Instant t0;

  @BeforeEach
  void startTestServer() {
    env = TestWorkflowEnvironment.newInstance(); // time skipping is on by default
    env.registerSearchAttribute(
        PassSearchAttributes.GROUND_STATION_ID.getName(), IndexedValueType.INDEXED_VALUE_TYPE_INT);
    env.registerSearchAttribute(
        PassSearchAttributes.SATELLITE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute(
        PassSearchAttributes.STATUS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    store = new FakePassStore(env::currentTimeMillis);
    executors = new FakeExecutors(env::currentTimeMillis);
    link = new FakeLink(env::currentTimeMillis, executors::kill);
    Worker orchestration = env.newWorker(ORCHESTRATION);
    orchestration.registerWorkflowImplementationTypes(PassWorkflowImpl.class);
    orchestration.registerActivitiesImplementations(store);
    env.newWorker(PassWorkflowImpl.EXECUTORS_QUEUE).registerActivitiesImplementations(executors);
    env.newWorker(PassRequest.taskQueue(PASS)).registerActivitiesImplementations(link);
    env.start();
    client = env.getWorkflowClient();
    t0 = now();
  }

  @AfterEach
  void stopTestServer() {
    env.close();
  }

  // ---- the timer, reschedule, cancel ---------------------------------------------------------

  @Test
  void launchesAtAosMinusTheLeadTimeAndRunsTheProcedureFromAos() throws IOException {
    PassRequest request =
        request(graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))));
    start(request);

    env.sleep(Duration.ofMinutes(7));
    assertThat(executors.launches()).isEmpty();
    assertThat(pass().state())
        .extracting(PassView::status, PassView::phase)
        .containsExactly("reserved", "waiting");

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.phase()).isEqualTo("done");
    assertThat(ended.failureReason()).isNull();
    assertThat(ended.nodes())
        .extracting(NodeState::nodeId, NodeState::status, NodeState::runs)
        .containsExactly(
            tuple("ping", NodeState.SUCCEEDED, 1), tuple("vbat", NodeState.SUCCEEDED, 1));
    FakeExecutors.Launch launch = executors.launches().get(0);
    assertThat(executors.launches()).hasSize(1);
    assertOnTime(launch.atMillis(), request.launchAt());
    assertThat(launch.spec())
        .isEqualTo(new PassExecutorActivities.ExecutorSpec(PASS, "pass-42", request.los()));
    assertThat(link.opened()).containsExactly("gs.test:10025");
    // The first action runs at aos, not at the launch.
    assertOnTime(link.calls("ping").get(0).atMillis(), request.aos());
    assertThat(link.calls("vbat").get(0).atMillis())
        .isGreaterThanOrEqualTo(link.window("ping/1/1").endMillis());
    assertThat(link.closed()).hasSize(1);
    assertThat(store.reports()).hasSize(1);
    assertThat(executors.terminations()).hasSize(1);
    assertThat(store.statusSequence()).containsExactly("starting", "executing", "success");
    assertThat(store.phases())
        .containsExactly("launching", "preprocessing", "procedure", "postprocessing", "done");
    assertThat(store.statuses().get(1).executor()).isEqualTo(launch.handle());
    assertThat(store.events("action_started", "ping"))
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).containsEntry("run_key", "ping/1/1"));
    assertThat(store.events("action_ended", "ping"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.detail())
                    .containsEntry("outcome", "succeeded")
                    .containsEntry("tc_sequence_count", 0));
    assertThat(store.events("link"))
        .extracting(e -> e.detail().get("action"))
        .containsExactly("opened", "closed");
    assertThat(attribute()).isEqualTo("success");

    recordHistory("success");
  }

  @Test
  void independentBranchesRunAtTheSameTime() {
    link.script("left", Mode.SLOW);
    link.script("right", Mode.SLOW);
    start(
        request(
            graph(
                List.of(telecommand("left"), telecommand("right"), check("join")),
                List.of(link("left", "join"), link("right", "join")))));

    assertThat(result().status()).isEqualTo("success");

    FakeLink.Window left = link.window("left/1/1");
    FakeLink.Window right = link.window("right/1/1");
    assertThat(left.overlaps(right)).as("left and right run at the same time").isTrue();
    assertThat(link.calls("join").get(0).atMillis())
        .isGreaterThanOrEqualTo(Math.max(left.endMillis(), right.endMillis()));
  }

  @Test
  void rescheduleMovesTheLaunch() {
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);
    env.sleep(Duration.ofMinutes(1));
    Instant aos = request.aos().plus(Duration.ofMinutes(30));
    Instant los = request.los().plus(Duration.ofMinutes(30));

    PassView moved =
        update("reschedule", "move-1", new Reschedule("alice", aos, los, 300, null, null, 1));

    assertThat(moved)
        .extracting(PassView::aos, PassView::los, PassView::leadTimeSeconds, PassView::version)
        .containsExactly(aos, los, 300, 2);
    assertThat(store.replans())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.replan().aos()).isEqualTo(aos);
              assertThat(r.replan().los()).isEqualTo(los);
              assertThat(r.replan().leadTimeSeconds()).isEqualTo(300);
              assertThat(r.replan().expectedVersion()).isEqualTo(1);
            });
    PassView ended = result();
    assertThat(ended.status()).isEqualTo("success");
    assertOnTime(executors.launches().get(0).atMillis(), aos.minusSeconds(300));
    assertOnTime(link.calls("ping").get(0).atMillis(), aos);
    assertThat(store.actions())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.actionKey()).isEqualTo("move-1");
              assertThat(a.kind()).isEqualTo("reschedule");
              assertThat(a.operator()).isEqualTo("alice");
              assertThat(a.payload()).containsEntry("aos", aos.toString());
            });
  }

  @Test
  void rescheduleIsRefusedInThePastAndAfterTheStart() {
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);

    Instant past = now().minusSeconds(60);
    assertThat(
            refusal(
                () ->
                    pass()
                        .reschedule(
                            new Reschedule("alice", past, request.los(), null, null, null, null))))
        .startsWith("aos " + past + " of pass 42 is not in the future (now ");
    assertThat(
            refusal(
                () ->
                    pass()
                        .reschedule(
                            new Reschedule(
                                "alice", request.los(), request.aos(), null, null, null, null))))
        .isEqualTo("los " + request.aos() + " must be after aos " + request.los() + " (pass 42)");

    ProcedureGraph cyclic =
        graph(List.of(delay("a"), delay("b")), List.of(link("a", "b"), link("b", "a")));
    assertThat(
            refusal(
                () ->
                    pass()
                        .reschedule(new Reschedule("alice", null, null, null, cyclic, null, null))))
        .isEqualTo("procedure.nodes[0]: node 'a' is on a cycle: a -> b -> a");

    env.sleep(Duration.ofMinutes(9));
    assertThat(pass().state().status()).isEqualTo("starting");
    assertThat(
            refusal(
                () ->
                    pass()
                        .reschedule(
                            new Reschedule(
                                "alice",
                                request.aos().plusSeconds(3600),
                                request.los().plusSeconds(3600),
                                null,
                                null,
                                null,
                                null))))
        .isEqualTo(
            "pass 42 has already started (starting): only a reserved pass can be rescheduled");
    assertThat(store.replans()).isEmpty();
    assertThat(result().status()).isEqualTo("success");
    assertThat(store.actions()).isEmpty();
  }

  @Test
  void anOverlapRefusedByTheStoreFailsTheRescheduleAndKeepsTheWindow() {
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);
    store.refuseReplans(
        ApplicationFailure.newNonRetryableFailure(
            "the window overlaps pass 7 on ground station 3", "PassOverlap", 7L));

    WorkflowUpdateException failed =
        catchThrowableOfType(
            WorkflowUpdateException.class,
            () ->
                pass()
                    .reschedule(
                        new Reschedule(
                            "alice",
                            request.aos().plusSeconds(600),
                            request.los().plusSeconds(600),
                            null,
                            null,
                            null,
                            null)));

    assertThat(failed).isNotNull();
    ApplicationFailure cause = (ApplicationFailure) failed.getCause();
    assertThat(cause.getType()).isEqualTo("PassOverlap");
    assertThat(cause.getOriginalMessage())
        .isEqualTo("the window overlaps pass 7 on ground station 3");
    assertThat(cause.getDetails().get(Long.class)).isEqualTo(7L);
    assertThat(pass().state().aos()).isEqualTo(request.aos());
    assertThat(store.actions()).isEmpty();
    store.refuseReplans(null);
    assertThat(result().status()).isEqualTo("success");
    assertOnTime(executors.launches().get(0).atMillis(), request.launchAt());
  }

  @Test
  void cancelBeforeTheLaunchLaunchesNothing() {
    start(request(graph(List.of(telecommand("ping")), List.of())));
    env.sleep(Duration.ofMinutes(2));

    PassView cancelled = pass().cancel(new Cancel("alice", "satellite in safe mode"));

    assertThat(cancelled)
        .extracting(PassView::status, PassView::phase, PassView::failureReason)
        .containsExactly("cancelled", "done", "cancelled by alice: satellite in safe mode");
    assertThat(result().status()).isEqualTo("cancelled");
    assertThat(executors.launches()).isEmpty();
    assertThat(link.opened()).isEmpty();
    assertThat(link.calls()).isEmpty();
    assertThat(executors.terminations()).isEmpty();
    assertThat(store.statuses())
        .singleElement()
        .extracting(StatusChange::status, StatusChange::failureReason)
        .containsExactly("cancelled", "cancelled by alice: satellite in safe mode");
    assertThat(store.actions()).extracting(OperatorAction::kind).containsExactly("cancel");
    // The run has closed: the API answers from the row from now on.
    assertThat(catchThrowable(() -> pass().cancel(new Cancel("bob", null))))
        .isInstanceOf(WorkflowNotFoundException.class);
  }

  @Test
  void cancelDuringTheProcedureStopsTheRunningActionAndTearsDown() throws IOException {
    link.script("ping", Mode.HANGS);
    PassRequest request =
        request(graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))));
    start(request);
    untilAos(request);
    link.awaitStarted("ping/1/1");

    PassView cancelled = pass().cancel(new Cancel("alice", "wrong satellite"));

    // Answered once the action has stopped in the executor; the teardown follows.
    assertThat(cancelled)
        .extracting(PassView::status, PassView::phase, PassView::failureReason)
        .containsExactly("cancelled", "postprocessing", "cancelled by alice: wrong satellite");
    assertThat(cancelled.nodes())
        .extracting(NodeState::nodeId, NodeState::status)
        .containsExactly(tuple("ping", NodeState.STOPPED), tuple("vbat", NodeState.NOT_RUN));
    assertThat(link.cancelled()).containsExactly("ping/1/1");
    PassView ended = result();
    assertThat(ended)
        .extracting(PassView::status, PassView::phase)
        .containsExactly("cancelled", "done");
    assertThat(link.calls("vbat")).isEmpty();
    assertThat(link.closed()).hasSize(1);
    assertThat(store.reports()).hasSize(1);
    assertThat(executors.terminations()).hasSize(1);
    assertThat(store.statusSequence()).containsExactly("starting", "executing", "cancelled");
    assertThat(store.events("action_ended", "ping"))
        .singleElement()
        .satisfies(e -> assertThat(e.detail()).containsEntry("outcome", NodeState.STOPPED));

    recordHistory("cancel");
  }

  @Test
  void aWindowThatEndsBeforeTheProcedureCouldRunSaysSoRatherThanNamingNoNodes() {
    // A launch so late that LOS has passed when the procedure would start (an overloaded worker)
    // cannot be provoked under time skipping: every activity is bounded by LOS.
    Instant los = Instant.parse("2026-12-04T10:00:00Z");
    assertThat(PassWorkflowImpl.windowEndedReason(los, List.of()))
        .isEqualTo("the reservation window ended at " + los + " before the procedure could run");
    assertThat(PassWorkflowImpl.windowEndedReason(los, List.of("ping")))
        .isEqualTo("the reservation window ended at " + los + " with node 'ping' unfinished");
  }

  @Test
  void theWindowsEndStopsWhatRunsAndFailsThePassNamingTheNodes() {
    link.script("ping", Mode.HANGS);
    // While an action runs the server's clock runs in real time: a window of 4 s.
    PassRequest request =
        request(
            graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))),
            SETTINGS,
            LEAD,
            Duration.ofSeconds(4));
    start(request);

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason())
        .isEqualTo(
            "the reservation window ended at "
                + request.los()
                + " with nodes 'ping', 'vbat' unfinished");
    assertThat(ended.nodes())
        .extracting(NodeState::status)
        .containsExactly(NodeState.STOPPED, NodeState.NOT_RUN);
    assertThat(link.cancelled()).containsExactly("ping/1/1");
    assertThat(executors.terminations()).hasSize(1);
    assertThat(store.lastStatus().failureReason()).isEqualTo(ended.failureReason());
  }

  @Test
  void aFailureNobodyDecidesOnFailsThePassAtTheWindowsEnd() {
    link.script("x", Mode.REJECTED);
    PassRequest request =
        request(graph(List.of(telecommand("x"), check("y")), List.of(link("x", "y"))));
    start(request);

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason())
        .isEqualTo(
            "the reservation window ended at " + request.los() + " with nodes 'x', 'y' unfinished");
    assertThat(ended.nodes())
        .extracting(NodeState::status, NodeState::detail)
        .containsExactly(
            tuple(
                NodeState.FAILED, "rejected: negative ack (error 3); the reservation window ended"),
            tuple(NodeState.NOT_RUN, "the reservation window ended"));
    // The operator had until the window's end.
    assertThat(store.lastStatus().at()).isAfterOrEqualTo(request.los());
  }

  @Test
  void aCancelOfTheWorkflowItselfTearsDownLikeTheCancelUpdate() {
    link.script("ping", Mode.HANGS);
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);
    untilAos(request);
    link.awaitStarted("ping/1/1");

    client.newUntypedWorkflowStub(WORKFLOW_ID).cancel();

    WorkflowFailedException closed =
        catchThrowableOfType(WorkflowFailedException.class, this::result);
    assertThat(closed).isNotNull();
    assertThat(closed.getCause()).isInstanceOf(CanceledFailure.class);
    assertThat(link.cancelled()).containsExactly("ping/1/1");
    assertThat(link.closed()).hasSize(1);
    assertThat(executors.terminations()).hasSize(1);
    assertThat(store.lastStatus())
        .extracting(StatusChange::status, StatusChange::phase, StatusChange::failureReason)
        .containsExactly("cancelled", "done", "cancelled: the workflow was cancelled");
  }

  @Test
  void anExecutorThatNeverPollsFailsThePassAfterItsStartTime() {
    // No worker polls pass-43: the executor was launched but never took its queue.
    PassSettings impatient = new PassSettings(PassSettings.ASK, 60, 2, 2);
    PassRequest request =
        withId(
            43,
            request(
                graph(List.of(telecommand("ping")), List.of()),
                impatient,
                LEAD,
                Duration.ofMinutes(10)));
    client
        .newWorkflowStub(
            PassWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(PassRequest.workflowId(43))
                .setTaskQueue(ORCHESTRATION)
                .build())
        .run(request);

    PassView ended =
        client.newUntypedWorkflowStub(PassRequest.workflowId(43)).getResult(PassView.class);
    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason()).isEqualTo("the executor did not poll pass-43 within 2 s");
    assertThat(executors.launches()).hasSize(1);
    // No link was opened, so none is closed; the executor is still torn down.
    assertThat(store.events("link")).isEmpty();
    assertThat(executors.terminations()).hasSize(1);
  }

  @Test
  void aPassStartedWithAnInvalidProcedureFailsWithoutLaunching() {
    start(
        request(
            graph(
                List.of(telecommand("ping"), check("vbat")),
                List.of(link("ping", "vbat"), link("vbat", "ping")))));

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason())
        .isEqualTo(
            "invalid procedure: procedure.nodes[0]: node 'ping' is on a cycle: ping -> vbat -> ping");
    assertThat(executors.launches()).isEmpty();
    assertThat(store.statuses())
        .extracting(StatusChange::status, StatusChange::phase)
        .containsExactly(tuple("failure", "done"));
  }

  // ---- live operations -----------------------------------------------------------------------

  @Test
  void skippedNodesDoNotRunAndCountAsSuccessEveryActionRecorded() {
    PassRequest request =
        request(
            graph(
                List.of(
                    telecommand("a"), telecommand("b"), check("c"), telecommand("d"), check("e")),
                List.of(link("a", "b"), link("b", "c"), link("d", "e"))));
    start(request);

    update("skip", "op-1", new NodeOperation("alice", "b", false));
    update("skip", "op-2", new NodeOperation("alice", "d", true));
    PassView unskipped = update("unskip", "op-3", new NodeOperation("bob", "e", false));

    assertThat(unskipped.nodes())
        .extracting(NodeState::nodeId, NodeState::skipRequested)
        .containsExactly(
            tuple("a", false),
            tuple("b", true),
            tuple("c", false),
            tuple("d", true),
            tuple("e", false));
    assertThat(refusal(() -> pass().unskip(new NodeOperation("bob", "a", false))))
        .isEqualTo("node 'a' is not skipped");
    assertThat(refusal(() -> pass().skip(new NodeOperation("bob", "ghost", false))))
        .isEqualTo("unknown node 'ghost'");

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.nodes())
        .extracting(NodeState::nodeId, NodeState::status)
        .containsExactly(
            tuple("a", NodeState.SUCCEEDED),
            tuple("b", NodeState.SKIPPED),
            tuple("c", NodeState.SUCCEEDED),
            tuple("d", NodeState.SKIPPED),
            tuple("e", NodeState.SUCCEEDED));
    assertThat(link.calls())
        .extracting(FakeLink.Call::nodeId)
        .containsExactlyInAnyOrder("a", "c", "e");
    assertThat(store.actions())
        .extracting(
            OperatorAction::actionKey,
            OperatorAction::kind,
            OperatorAction::operator,
            OperatorAction::nodeId)
        .containsExactly(
            tuple("op-1", "skip", "alice", "b"),
            tuple("op-2", "skip", "alice", "d"),
            tuple("op-3", "unskip", "bob", "e"));
    assertThat(store.actions().get(1).payload())
        .containsEntry("nodeId", "d")
        .containsEntry("branch", true);
    assertThat(store.events("operator"))
        .extracting(PassEvent::nodeId, PassEvent::operator)
        .containsExactly(tuple("b", "alice"), tuple("d", "alice"), tuple("e", "bob"));
  }

  @Test
  void skippingABranchSkipsEverythingAfterTheNode() {
    start(
        request(
            graph(
                List.of(telecommand("a"), telecommand("b"), check("c"), telecommand("d")),
                List.of(link("a", "b"), link("b", "c"), link("a", "d")))));

    pass().skip(new NodeOperation("alice", "b", true));

    PassView ended = result();
    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.nodes())
        .extracting(NodeState::status)
        .containsExactly(
            NodeState.SUCCEEDED, NodeState.SKIPPED, NodeState.SKIPPED, NodeState.SUCCEEDED);
    assertThat(link.calls()).extracting(FakeLink.Call::nodeId).containsExactlyInAnyOrder("a", "d");
  }

  @Test
  void overrideChangesTheParametersTheActionRunsWith() {
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);
    NodeParameters reboot = new NodeParameters(null, "REBOOT", "ff", null, null, 45, null, null);

    PassView overridden = pass().override(new PassOperations.Override("alice", "ping", reboot));

    assertThat(overridden.procedure().nodes().get(0).parameters())
        .extracting(NodeParameters::apid, NodeParameters::command, NodeParameters::timeoutSeconds)
        .containsExactly(100, "REBOOT", 45);
    NodeParameters invalid = new NodeParameters(5000, null, null, null, null, null, null, null);
    assertThat(
            refusal(() -> pass().override(new PassOperations.Override("alice", "ping", invalid))))
        .isEqualTo("node 'ping': apid 0..2047 is required");
    assertThat(result().status()).isEqualTo("success");
    assertThat(link.calls("ping").get(0).parameters())
        .extracting(NodeParameters::command, NodeParameters::payloadHex)
        .containsExactly("REBOOT", "ff");
    assertThat(store.actions()).extracting(OperatorAction::kind).containsExactly("override");
  }

  @Test
  void editsOfARunningNodeAreRefusedNamingTheNode() {
    link.script("ping", Mode.HANGS);
    PassRequest request =
        request(graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))));
    start(request);
    untilAos(request);
    link.awaitStarted("ping/1/1");

    assertThat(refusal(() -> pass().skip(new NodeOperation("alice", "ping", false))))
        .isEqualTo("node 'ping' is running: it cannot be skipped");
    assertThat(refusal(() -> pass().removeNode(new NodeOperation("alice", "ping", false))))
        .isEqualTo("node 'ping' is running: it cannot be removed");
    assertThat(refusal(() -> pass().removeNode(new NodeOperation("alice", "ping", true))))
        .isEqualTo("node 'ping' is running: it cannot be removed");
    assertThat(
            refusal(
                () ->
                    pass()
                        .override(
                            new PassOperations.Override(
                                "alice",
                                "ping",
                                new NodeParameters(1, null, null, null, null, null, null, null)))))
        .isEqualTo("node 'ping' is running: it cannot be overridden");
    assertThat(refusal(() -> pass().rerun(new NodeOperation("alice", "ping", false))))
        .isEqualTo("node 'ping' is running: only a finished node can be re-run");
    assertThat(
            refusal(
                () ->
                    pass()
                        .addNode(
                            new AddNode(
                                "alice", delay("before"), List.of(link("before", "ping"))))))
        .isEqualTo("node 'ping' is running: it cannot be given a new link");
    assertThat(refusal(() -> pass().decide(new Decision("alice", "ping", "retry"))))
        .isEqualTo("node 'ping' is running: it does not wait for a decision");
    assertThat(store.actions()).isEmpty();

    pass().cancel(new Cancel("alice", null));
    assertThat(result().status()).isEqualTo("cancelled");
  }

  @Test
  void nodesAndLinksAreAddedAndRemovedWhileTheProcedureRuns() {
    PassRequest request =
        request(
            graph(List.of(telecommand("a"), check("b"), confirm("gate")), List.of(link("a", "b"))));
    start(request);
    untilAos(request);
    awaitNode("b", NodeState.SUCCEEDED);

    // Appended after a node that already succeeded: it runs at once.
    pass().addNode(new AddNode("alice", telecommand("extra"), List.of(link("a", "extra"))));
    awaitNode("extra", NodeState.SUCCEEDED);
    assertThat(refusal(() -> pass().addLink(new LinkOperation("alice", link("b", "a")))))
        .isEqualTo("node 'a' has already succeeded: it cannot be given a new link");
    assertThat(refusal(() -> pass().removeNode(new NodeOperation("alice", "b", false))))
        .isEqualTo("node 'b' has already succeeded: it cannot be removed");
    // After the gate, which waits for its confirmation: pending until then.
    pass().addNode(new AddNode("bob", delay("late"), List.of(link("gate", "late"))));
    pass().addNode(new AddNode("bob", check("later"), List.of(link("late", "later"))));
    assertThat(refusal(() -> pass().addLink(new LinkOperation("bob", link("later", "late")))))
        .isEqualTo("node 'late' is on a cycle: late -> later -> late");
    assertThat(
            refusal(
                () ->
                    pass()
                        .addNode(
                            new AddNode(
                                "bob",
                                new ProcedureNode("odd", "launch_rocket", null),
                                List.of(link("gate", "odd"))))))
        .startsWith("node 'odd': unknown action type 'launch_rocket'");
    pass().addLink(new LinkOperation("bob", link("gate", "later")));
    pass().removeLink(new LinkOperation("bob", link("late", "later")));
    PassView removed = pass().removeNode(new NodeOperation("bob", "later", false));
    assertThat(removed.procedure().nodes())
        .extracting(ProcedureNode::id)
        .containsExactly("a", "b", "gate", "extra", "late");
    assertThat(removed.procedure().links())
        .containsExactly(link("a", "b"), link("a", "extra"), link("gate", "late"));

    pass().confirm(new Confirmation("carol", "gate", true, "antenna clear"));
    PassView ended = result();

    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.nodes())
        .extracting(NodeState::nodeId, NodeState::status)
        .containsExactly(
            tuple("a", NodeState.SUCCEEDED),
            tuple("b", NodeState.SUCCEEDED),
            tuple("gate", NodeState.SUCCEEDED),
            tuple("extra", NodeState.SUCCEEDED),
            tuple("late", NodeState.SUCCEEDED));
    assertThat(link.calls("extra")).hasSize(1);
    assertThat(link.calls("later")).isEmpty();
    assertThat(store.actions())
        .extracting(OperatorAction::kind)
        .containsExactly(
            "addNode", "addNode", "addNode", "addLink", "removeLink", "removeNode", "confirm");
  }

  @Test
  void rerunRunsANodeAgainAndABranchAgain() {
    PassRequest request =
        request(
            graph(List.of(telecommand("a"), check("b"), confirm("gate")), List.of(link("a", "b"))));
    start(request);
    untilAos(request);
    awaitNode("b", NodeState.SUCCEEDED);

    pass().rerun(new NodeOperation("alice", "a", false));
    awaitNode("a", n -> n.runs() == 2 && n.status().equals(NodeState.SUCCEEDED));
    assertThat(link.runKeys("a")).containsExactly("a/1/1", "a/1/2");
    assertThat(link.runKeys("b")).containsExactly("b/1/1");
    assertThat(link.sends("a")).isEqualTo(2);

    pass().rerun(new NodeOperation("alice", "a", true));
    awaitNode("b", n -> n.runs() == 2 && n.status().equals(NodeState.SUCCEEDED));
    assertThat(link.runKeys("a")).containsExactly("a/1/1", "a/1/2", "a/1/3");
    assertThat(link.runKeys("b")).containsExactly("b/1/1", "b/1/2");
    assertThat(refusal(() -> pass().rerun(new NodeOperation("alice", "gate", false))))
        .isEqualTo(
            "node 'gate' is waiting for an operator's confirmation: only a finished node can be"
                + " re-run");

    pass().confirm(new Confirmation("alice", "gate", true, null));
    assertThat(result().status()).isEqualTo("success");
    assertThat(store.actions())
        .extracting(OperatorAction::kind, OperatorAction::nodeId)
        .containsExactly(tuple("rerun", "a"), tuple("rerun", "a"), tuple("confirm", "gate"));
  }

  @Test
  void pauseHoldsNewActionsUntilResume() {
    PassRequest request =
        request(graph(List.of(telecommand("a"), check("b")), List.of(link("a", "b"))));
    start(request);
    pass().pause(new OperatorOnly("alice"));
    assertThat(refusal(() -> pass().pause(new OperatorOnly("bob"))))
        .isEqualTo("pass 42 is already paused");

    untilAos(request);
    env.sleep(Duration.ofMinutes(2));
    PassView paused = pass().state();
    assertThat(paused.paused()).isTrue();
    assertThat(paused.status()).isEqualTo("executing");
    assertThat(paused.nodes()).extracting(NodeState::status).containsOnly(NodeState.PENDING);
    assertThat(link.calls()).isEmpty();

    pass().resume(new OperatorOnly("alice"));
    PassView ended = result();
    assertThat(ended.status()).isEqualTo("success");
    assertThat(link.calls().get(0).atMillis())
        .isGreaterThanOrEqualTo(request.aos().plusSeconds(120).toEpochMilli());
    assertThat(store.actions()).extracting(OperatorAction::kind).containsExactly("pause", "resume");
  }

  @Test
  void aFailedActionWaitsForRetryGoOrStop() throws IOException {
    link.script("x", Mode.REJECTED, Mode.SUCCEEDS);
    link.script("y", Mode.REJECTED);
    link.script("z", Mode.REJECTED);
    PassRequest request =
        request(
            graph(
                List.of(telecommand("x"), telecommand("y"), telecommand("z"), check("after_y")),
                List.of(link("y", "after_y"))));
    start(request);
    untilAos(request);
    for (String id : List.of("x", "y", "z")) {
      awaitNode(id, NodeState.AWAITING_DECISION);
    }
    assertThat(pass().state().nodes().get(0).detail())
        .isEqualTo("rejected: negative ack (error 3)");
    assertThat(refusal(() -> pass().decide(new Decision("alice", "x", "later"))))
        .isEqualTo("decision must be retry, go or stop, not 'later'");

    pass().decide(new Decision("alice", "x", Decision.RETRY));
    pass().decide(new Decision("alice", "y", Decision.GO));
    pass().decide(new Decision("alice", "z", Decision.STOP));
    PassView ended = result();

    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason())
        .isEqualTo(
            "the procedure failed: node 'z' failed: rejected: negative ack (error 3); stopped by"
                + " alice");
    assertThat(ended.nodes())
        .extracting(NodeState::nodeId, NodeState::status, NodeState::runs)
        .containsExactly(
            tuple("x", NodeState.SUCCEEDED, 2),
            tuple("y", NodeState.SKIPPED, 1),
            tuple("z", NodeState.FAILED, 1),
            tuple("after_y", NodeState.SUCCEEDED, 1));
    assertThat(link.runKeys("x")).containsExactly("x/1/1", "x/1/2");
    assertThat(store.events("action_ended", "x"))
        .extracting(
            e -> e.detail().get("status"),
            e -> e.detail().get("outcome"),
            e -> e.detail().get("attempt"))
        .containsExactly(
            tuple(NodeState.AWAITING_DECISION, "rejected", 1),
            tuple(NodeState.SUCCEEDED, "succeeded", 2));
    assertThat(store.actions())
        .extracting(OperatorAction::kind, OperatorAction::nodeId)
        .containsExactly(tuple("decide", "x"), tuple("decide", "y"), tuple("decide", "z"));
    assertThat(store.actions().get(0).payload()).containsEntry("decision", "retry");

    recordHistory("decide");
  }

  @Test
  void twoOperatorsDecidingAtOnceGetAConsistentAnswer() throws Exception {
    link.script("x", Mode.REJECTED, Mode.SUCCEEDS);
    PassRequest request = request(graph(List.of(telecommand("x"), confirm("gate")), List.of()));
    start(request);
    untilAos(request);
    awaitNode("x", NodeState.AWAITING_DECISION);

    CompletableFuture<Object> alice =
        CompletableFuture.supplyAsync(
            () -> outcome(() -> pass().decide(new Decision("alice", "x", "retry"))));
    CompletableFuture<Object> bob =
        CompletableFuture.supplyAsync(
            () -> outcome(() -> pass().decide(new Decision("bob", "x", "go"))));
    List<Object> answers = List.of(alice.get(30, TimeUnit.SECONDS), bob.get(30, TimeUnit.SECONDS));

    // Exactly one was accepted; the other was refused by a validator that saw its effect.
    assertThat(answers).filteredOn(a -> a instanceof PassView).hasSize(1);
    assertThat(answers).filteredOn(a -> a instanceof String).hasSize(1);
    String refused = (String) answers.stream().filter(a -> a instanceof String).findFirst().get();
    List<OperatorAction> decided = store.actions();
    assertThat(decided).hasSize(1);
    if (decided.get(0).operator().equals("alice")) {
      assertThat(refused).startsWith("node 'x' ").endsWith(": it does not wait for a decision");
      assertThat(refused).doesNotContain("failed and is waiting");
    } else {
      assertThat(refused)
          .isEqualTo("node 'x' was already skipped: it does not wait for a decision");
    }
    pass().confirm(new Confirmation("carol", "gate", true, null));
    assertThat(result().status()).isEqualTo("success");
  }

  @Test
  void anOperatorConfirmsOrTheNodeTimesOut() {
    PassRequest request =
        request(
            graph(
                List.of(confirm("deploy"), telecommand("after"), confirm("never")),
                List.of(link("deploy", "after"))),
            FAIL_AT_ONCE,
            LEAD,
            Duration.ofMinutes(10));
    start(request);
    untilAos(request);
    awaitNode("deploy", NodeState.AWAITING_CONFIRMATION);
    assertThat(refusal(() -> pass().confirm(new Confirmation("alice", "after", true, null))))
        .isEqualTo("node 'after' has not run yet: it does not wait for a confirmation");

    pass().confirm(new Confirmation("alice", "deploy", true, "antenna clear"));
    PassView ended = result();

    assertThat(ended.nodes())
        .extracting(NodeState::nodeId, NodeState::status, NodeState::detail)
        .containsExactly(
            tuple("deploy", NodeState.SUCCEEDED, "confirmed by alice: antenna clear"),
            tuple("after", NodeState.SUCCEEDED, "ack"),
            tuple("never", NodeState.FAILED, "timed_out: no operator confirmed within 120 s"));
    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason())
        .isEqualTo(
            "the procedure failed: node 'never' failed: timed_out: no operator confirmed within"
                + " 120 s");
    // Timed out in workflow time: 120 s after aos.
    assertThat(
            store.events("action_ended", "never").get(0).at().toEpochMilli()
                - request.aos().toEpochMilli())
        .isBetween(120_000L, 121_000L);
  }

  // ---- stop and restart ----------------------------------------------------------------------

  @Test
  void stopAndRestartInsideTheWindowRunsTheProcedureAgain() throws IOException {
    link.script("ping", Mode.HANGS, Mode.SUCCEEDS);
    PassRequest request =
        request(graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))));
    start(request);
    untilAos(request);
    link.awaitStarted("ping/1/1");

    PassView stopped = pass().stop(new OperatorOnly("alice"));

    assertThat(stopped)
        .extracting(PassView::status, PassView::phase, PassView::run)
        .containsExactly("executing", "stopped", 1);
    assertThat(stopped.nodes())
        .extracting(NodeState::status, NodeState::detail)
        .containsExactly(
            tuple(NodeState.STOPPED, "stopped by alice"),
            tuple(NodeState.NOT_RUN, "stopped by alice"));
    assertThat(refusal(() -> pass().stop(new OperatorOnly("bob"))))
        .isEqualTo("the procedure of pass 42 is already stopped");
    assertThat(refusal(() -> pass().skip(new NodeOperation("bob", "vbat", false))))
        .isEqualTo("the procedure of pass 42 is stopped: restart it first");

    PassView restarted = pass().restart(new OperatorOnly("bob"));
    assertThat(restarted)
        .extracting(PassView::phase, PassView::run)
        .containsExactly("procedure", 2);
    PassView ended = result();

    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.run()).isEqualTo(2);
    assertThat(link.runKeys("ping")).containsExactly("ping/1/1", "ping/2/1");
    assertThat(link.runKeys("vbat")).containsExactly("vbat/2/1");
    assertThat(link.cancelled()).containsExactly("ping/1/1");
    assertThat(store.statusSequence()).containsExactly("starting", "executing", "success");
    assertThat(store.phases())
        .containsExactly(
            "launching",
            "preprocessing",
            "procedure",
            "stopped",
            "procedure",
            "postprocessing",
            "done");
    assertThat(store.actions())
        .extracting(OperatorAction::kind, OperatorAction::operator)
        .containsExactly(tuple("stop", "alice"), tuple("restart", "bob"));

    recordHistory("restart");
  }

  @Test
  void restartWhileRunningBeginsTheNextRun() {
    link.script("ping", Mode.HANGS, Mode.SUCCEEDS);
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);
    untilAos(request);
    link.awaitStarted("ping/1/1");

    pass().restart(new OperatorOnly("alice"));

    PassView ended = result();
    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.run()).isEqualTo(2);
    assertThat(link.runKeys("ping")).containsExactly("ping/1/1", "ping/2/1");
    assertThat(link.cancelled()).containsExactly("ping/1/1");
  }

  @Test
  void stopAndRestartAreRefusedOutsideTheWindow() {
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);

    assertThat(refusal(() -> pass().stop(new OperatorOnly("alice"))))
        .isEqualTo(
            "pass 42 can only be stopped inside its reservation window "
                + request.aos()
                + ".."
                + request.los()
                + "; it opens in 10 min");
    env.sleep(Duration.ofSeconds(510));
    assertThat(pass().state().status()).isEqualTo("starting");
    assertThat(refusal(() -> pass().restart(new OperatorOnly("alice"))))
        .isEqualTo(
            "pass 42 can only be restarted inside its reservation window "
                + request.aos()
                + ".."
                + request.los()
                + "; it opens in 2 min");

    assertThat(result().status()).isEqualTo("success");
    assertThat(store.actions()).isEmpty();
  }

  // ---- the executor and the link -------------------------------------------------------------

  @Test
  void anExecutorThatDiesMidPassIsReplacedAndNoTelecommandIsSentTwice() throws IOException {
    link.script("ping", Mode.EXECUTOR_DIES);
    PassSettings watchful = new PassSettings(PassSettings.ASK, 1, 2, 30);
    PassRequest request =
        request(
            graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))),
            watchful,
            5,
            Duration.ofMinutes(10));
    start(request);

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("success");
    assertThat(executors.launches())
        .extracting(l -> l.handle().id())
        .containsExactly("pid-1", "pid-2");
    assertThat(ended.executor().id()).isEqualTo("pid-2");
    // The same run, retried on the new executor: one run key, one telecommand.
    List<FakeLink.Call> attempts = link.calls("ping");
    assertThat(attempts).extracting(FakeLink.Call::activityAttempt).startsWith(1, 2);
    assertThat(link.runKeys("ping")).containsExactly("ping/1/1");
    assertThat(link.sends("ping")).isEqualTo(1);
    assertThat(ended.nodes().get(0).runs()).isEqualTo(1);
    assertThat(store.events("executor"))
        .extracting(e -> e.detail().get("action"))
        .containsExactly("launched", "relaunched", "terminated");
    assertThat(store.statuses())
        .extracting(c -> c.executor() == null ? null : c.executor().id())
        .contains("pid-2");

    recordHistory("executor-death");
  }

  @Test
  void aLinkThatDropsFailsTheNodeAndThePassWithoutHanging() throws IOException {
    link.script("ping", Mode.LINK_DOWN);
    PassRequest request =
        request(
            graph(List.of(telecommand("ping"), check("vbat")), List.of(link("ping", "vbat"))),
            FAIL_AT_ONCE,
            LEAD,
            Duration.ofMinutes(10));
    start(request);

    PassView ended = result();

    String detail = "link_down: ground station link down: connection refused after 3 reconnects";
    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.nodes())
        .extracting(NodeState::status, NodeState::detail)
        .containsExactly(
            tuple(NodeState.FAILED, detail),
            tuple(NodeState.NOT_RUN, "no incoming link's condition held"));
    assertThat(ended.failureReason())
        .isEqualTo("the procedure failed: node 'ping' failed: " + detail);
    // Not retried: LinkDown is final.
    assertThat(link.calls("ping")).hasSize(1);
    assertThat(store.events("action_ended", "ping"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.detail())
                    .containsEntry("status", NodeState.FAILED)
                    .containsEntry("outcome", "link_down"));
    assertThat(store.lastStatus())
        .extracting(StatusChange::status, StatusChange::failureReason)
        .containsExactly("failure", ended.failureReason());
    assertThat(executors.terminations()).hasSize(1);
    // Ended right after the drop, not at the window's end.
    assertThat(store.lastStatus().at()).isBefore(request.aos().plusSeconds(60));

    recordHistory("link-down");
  }

  @Test
  void aStationThatRefusesTheLinkAtItsOpeningIsTriedAgainAndThePassRunsWhenItAnswers()
      throws IOException {
    link.refuseOpenings(3);
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("success");
    assertThat(ended.failureReason()).isNull();
    // Three refusals, then the link opened: the procedure ran once, its telecommand sent once.
    assertThat(link.opened()).hasSize(4);
    assertThat(link.sends("ping")).isEqualTo(1);
    assertThat(store.events("link"))
        .extracting(e -> e.detail().get("action"))
        .containsExactly("opened", "closed");
    assertThat(executors.launches()).hasSize(1);

    recordHistory("open-refused");
  }

  @Test
  void aStationThatNeverAnswersFailsThePassAtLosWithTheLinksReason() {
    link.refuseOpenings(Integer.MAX_VALUE);
    PassRequest request = request(graph(List.of(telecommand("ping")), List.of()));
    start(request);

    PassView ended = result();

    assertThat(ended.status()).isEqualTo("failure");
    assertThat(ended.failureReason())
        .isEqualTo(
            "the ground-station link could not be opened: ground station link down: connection"
                + " refused after 3 reconnects");
    // Tried again and again through the window, with a backoff of at most 10 s; not a telecommand.
    assertThat(link.opened().size()).isGreaterThan(10);
    assertThat(link.calls()).isEmpty();
    assertThat(store.lastStatus().at()).isAfterOrEqualTo(request.los().minusSeconds(15));
    assertThat(executors.terminations()).hasSize(1);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private PassRequest request(ProcedureGraph procedure) {
    return request(procedure, SETTINGS, LEAD, Duration.ofMinutes(10));
  }

  /** A pass whose window opens 10 minutes after the test started. */
  private PassRequest request(
      ProcedureGraph procedure, PassSettings settings, int lead, Duration window) {
    Instant aos = t0.plus(Duration.ofMinutes(10));
    return new PassRequest(
        PASS,
        "OPSSAT-2",
        3,
        "Toulouse",
        "gs.test",
        10025,
        aos,
        aos.plus(window),
        lead,
        procedure,
        Map.of("profile", "nominal"),
        1,
        settings);
  }

  private static PassRequest withId(long passId, PassRequest r) {
    return new PassRequest(
        passId,
        r.satellite(),
        r.groundStationId(),
        r.groundStationName(),
        r.host(),
        r.port(),
        r.aos(),
        r.los(),
        r.leadTimeSeconds(),
        r.procedure(),
        r.parameters(),
        r.version(),
        r.settings());
  }

  private void start(PassRequest request) {
    PassWorkflow stub =
        client.newWorkflowStub(
            PassWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WORKFLOW_ID)
                .setTaskQueue(ORCHESTRATION)
                .setWorkflowExecutionTimeout(Duration.ofHours(3))
                .build());
    WorkflowClient.start(stub::run, request);
  }

  private PassWorkflow pass() {
    return client.newWorkflowStub(PassWorkflow.class, WORKFLOW_ID);
  }

  private PassView result() {
    try {
      return client
          .newUntypedWorkflowStub(WORKFLOW_ID)
          .getResult(90, TimeUnit.SECONDS, PassView.class);
    } catch (TimeoutException e) {
      throw new AssertionError("pass did not end", e);
    }
  }

  /** Sends an update with a known id, as the API does with its request id. */
  private PassView update(String name, String updateId, Object argument) {
    return client
        .newUntypedWorkflowStub(WORKFLOW_ID)
        .startUpdate(
            UpdateOptions.newBuilder(PassView.class)
                .setUpdateName(name)
                .setUpdateId(updateId)
                .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                .build(),
            argument)
        .getResult();
  }

  /** The message an update was refused with. */
  private static String refusal(ThrowingCallable update) {
    WorkflowUpdateException e = catchThrowableOfType(WorkflowUpdateException.class, update);
    assertThat(e).as("update should be refused").isNotNull();
    assertThat(e.getCause()).isInstanceOf(ApplicationFailure.class);
    return ((ApplicationFailure) e.getCause()).getOriginalMessage();
  }

  /** The update's answer, or the message it was refused with. */
  private static Object outcome(Supplier<PassView> update) {
    try {
      return update.get();
    } catch (WorkflowUpdateException e) {
      return ((ApplicationFailure) e.getCause()).getOriginalMessage();
    }
  }

  private void untilAos(PassRequest request) {
    Duration left = Duration.between(now(), request.aos());
    if (!left.isNegative()) {
      env.sleep(left.plusMillis(200));
    }
  }

  private void awaitNode(String nodeId, String status) {
    awaitNode(nodeId, n -> n.status().equals(status));
  }

  /** Waits (bounded, real time) until the node's state matches. */
  private void awaitNode(String nodeId, Predicate<NodeState> wanted) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    NodeState last = null;
    while (System.nanoTime() < deadline) {
      last =
          pass().state().nodes().stream()
              .filter(n -> n.nodeId().equals(nodeId))
              .findFirst()
              .orElse(null);
      if (last != null && wanted.test(last)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("node " + nodeId + " never got there; last " + last);
  }

  private String attribute() {
    return client
        .newUntypedWorkflowStub(WORKFLOW_ID)
        .describe()
        .getTypedSearchAttributes()
        .get(PassSearchAttributes.STATUS);
  }

  private Instant now() {
    return Instant.ofEpochMilli(env.currentTimeMillis());
  }

  /** Not before {@code due} and at most a second after it (the workflow task's real time). */
  private static void assertOnTime(long actualMillis, Instant due) {
    assertThat(actualMillis - due.toEpochMilli()).as("ms after %s", due).isBetween(0L, 1000L);
  }

  /**
   * Writes the finished run's history for {@link PassWorkflowReplayTest} when the system property
   * {@code opsflow.recordHistories} names a directory.
   */
  private void recordHistory(String scenario) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path file = Path.of(dir).resolve("pass-" + RECORDED_VERSION + "-" + scenario + ".json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, client.fetchHistory(WORKFLOW_ID).toJson(true));
  }
}
