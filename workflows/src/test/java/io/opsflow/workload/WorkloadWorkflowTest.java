package io.opsflow.workload;

import static io.opsflow.workload.WorkloadHarness.request;
import static io.opsflow.workload.WorkloadHarness.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opsflow.workload.FakeDatabase.Event;
import io.opsflow.workload.FakeEngine.Action;
import io.opsflow.workload.FakeEngine.Behaviour;
import io.opsflow.workload.FakeEngine.Gate;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The workload workflow against fake Docker engines (one agent worker per node) and a fake
 * database, on the time-skipping test server. "On time" means within {@link #ON_TIME} after the due
 * time: a timer fires at its due time plus the few real milliseconds of the task that set it.
 */
class WorkloadWorkflowTest {

  private static final Duration ON_TIME = Duration.ofSeconds(1);
  private static final String LONG = "app:long";
  private static final String EXIT_0 = "app:exit0";
  private static final String EXIT_3 = "app:exit3";
  private static final String VANISHES = "app:vanishes";

  private WorkloadHarness cluster;

  @BeforeEach
  void startCluster() {
    cluster = new WorkloadHarness();
    cluster.image(LONG, Behaviour.runs("serving\n"));
    cluster.image(EXIT_0, Behaviour.exits(0, "hello\nbye\n"));
    cluster.image(EXIT_3, Behaviour.exits(3, "working\nerror: boom\n"));
    cluster.image(VANISHES, Behaviour.vanishes());
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }

  // ---- scheduling ------------------------------------------------------------------------------

  @Test
  void scheduleIsAnsweredBeforeTheContainerStarts() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    Gate start = cluster.engine("a").holdNextStartBeforeCreate();

    Placement placement = cluster.schedule(request("w1", spec(LONG, 1, 256, RestartPolicy.NEVER)));

    // Answered while the agent holds the start: the row is stored, no container exists yet.
    assertThat(placement).isEqualTo(new Placement("w1", "a", WorkloadStatus.SCHEDULED));
    assertThat(cluster.db.row("w1").orElseThrow().status).isEqualTo(WorkloadStatus.SCHEDULED);
    assertThat(cluster.engine("a").actions("w1")).isEmpty();

    start.open();
    WorkloadView running = cluster.awaitWorkload("w1", v -> v.status() == WorkloadStatus.RUNNING);
    assertThat(running.nodeId()).isEqualTo("a");
    assertThat(cluster.engine("a").actions("w1"))
        .extracting(Action::kind)
        .containsExactly("create", "start");
    FakeEngine engine = cluster.engine("a");
    assertThat(engine.spec("w1").displayName()).isEqualTo("celery-worker");
    assertThat(engine.spec("w1").command()).containsExactly("celery", "worker");
    assertThat(engine.spec("w1").env()).containsEntry("QUEUE", "default");
  }

  @Test
  void placementUsesFreeCapacityNotTheFirstNode() {
    // "a" sorts first but has no room for 2 cores; "b" has.
    cluster.db.node("a", 1, 8192);
    cluster.db.node("b", 4, 1024);
    cluster.startAgent("b");

    Placement placement =
        cluster.schedule(request("w2", spec(EXIT_0, 2, 512, RestartPolicy.NEVER)));

    assertThat(placement.nodeId()).isEqualTo("b");
    assertThat(cluster.ended("w2").status()).isEqualTo(WorkloadStatus.EXITED);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 3})
  void exitIsRecordedWithCodeAndLogs(int code) throws IOException {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    String id = "exit-" + code;

    cluster.schedule(request(id, spec(code == 0 ? EXIT_0 : EXIT_3, 1, 256, RestartPolicy.NEVER)));
    WorkloadView ended = cluster.ended(id);

    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(ended.exitCode()).isEqualTo(code);
    assertThat(ended.message()).isEqualTo("exited with code " + code);
    assertThat(ended.restarts()).isZero();
    assertThat(cluster.db.statuses(id))
        .containsExactly(WorkloadStatus.SCHEDULED, WorkloadStatus.RUNNING, WorkloadStatus.EXITED);
    Event exited = cluster.db.events(id, WorkloadStatus.EXITED).get(0);
    assertThat(exited.exitCode()).isEqualTo(code);
    assertThat(exited.logs()).isEqualTo(code == 0 ? "hello\nbye\n" : "working\nerror: boom\n");
    assertThat(exited.nodeId()).isEqualTo("a");
    assertThat(cluster.db.row(id).orElseThrow().logs).isEqualTo(exited.logs());
    // Restart policy "never": one start, no restart.
    assertThat(cluster.engine("a").actions(id))
        .extracting(Action::kind)
        .containsExactly("create", "start");

    cluster.recordHistory("workload-exit-" + code, WorkloadRequest.workflowId(id), null);
  }

  @Test
  void missingImageFailsWithTheEnginesMessage() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w3", spec("nosuch:1.0", 1, 256, RestartPolicy.onFailure(3))));
    WorkloadView ended = cluster.ended("w3");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(ended.message()).isEqualTo("image 'nosuch:1.0' not found on node a");
    // Not retried, not restarted: the image will not appear by itself.
    assertThat(cluster.engine("a").startCalls()).isEqualTo(1);
    assertThat(ended.restarts()).isZero();
    assertThat(cluster.db.statuses("w3"))
        .containsExactly(WorkloadStatus.SCHEDULED, WorkloadStatus.FAILED);
  }

  @Test
  void commandNotFoundFailsWithTheEnginesMessage() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    WorkloadSpec spec =
        new WorkloadSpec(
            "broken", "docker-container", LONG, List.of("nosuchcmd"), null, 0, 0, null);

    cluster.schedule(request("w4", spec));
    WorkloadView ended = cluster.ended("w4");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(ended.message()).isEqualTo(FakeEngine.COMMAND_NOT_FOUND);
    assertThat(cluster.engine("a").startCalls()).isEqualTo(1);
  }

  // ---- agent unreachable -----------------------------------------------------------------------

  @Test
  void unreachableAgentMovesTheWorkloadToAnotherNode() throws IOException {
    // "a" is the emptier node, so spread picks it, but its agent is not running.
    cluster.db.node("a", 8, 16_384);
    cluster.db.node("b", 2, 2048);
    cluster.startAgent("b");
    Instant scheduledAt = cluster.now();

    Placement placement =
        cluster.schedule(request("w5", spec(EXIT_0, 1, 256, RestartPolicy.NEVER)));
    WorkloadView ended = cluster.ended("w5");

    assertThat(placement.nodeId()).isEqualTo("a");
    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(ended.nodeId()).isEqualTo("b");
    Event lost = cluster.db.events("w5", WorkloadStatus.LOST).get(0);
    assertThat(lost.nodeId()).isEqualTo("a");
    assertThat(lost.message()).isEqualTo("agent on node a did not pick up the start within 2 s");
    assertOnTime(lost.atMillis(), scheduledAt.plusSeconds(2));
    assertThat(cluster.db.placeCalls("w5").get(1).exclude()).containsExactly("a");
    assertThat(cluster.db.statuses("w5"))
        .containsExactly(
            WorkloadStatus.SCHEDULED,
            WorkloadStatus.LOST,
            WorkloadStatus.SCHEDULED,
            WorkloadStatus.RUNNING,
            WorkloadStatus.EXITED);
    assertThat(cluster.engine("a").actions("w5")).isEmpty();
    assertThat(cluster.engine("b").actions("w5", "create")).hasSize(1);

    cluster.recordHistory("workload-unreachable", WorkloadRequest.workflowId("w5"), null);
  }

  @Test
  void unreachableAgentWithNoOtherNodeFailsWithTheReason() {
    cluster.db.node("a", 8, 16_384);
    Instant scheduledAt = cluster.now();

    cluster.schedule(request("w6", spec(EXIT_0, 1, 256, RestartPolicy.NEVER)));
    WorkloadView ended = cluster.ended("w6");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(ended.message())
        .isEqualTo(
            "agent on node a did not pick up the start within 2 s;"
                + " no other node fits cpu=1 memory=256 MiB");
    assertOnTime(
        cluster.db.events("w6", WorkloadStatus.FAILED).get(0).atMillis(),
        scheduledAt.plusSeconds(2));
  }

  // ---- pending ---------------------------------------------------------------------------------

  @Test
  void pendingUntilANodeOffersCapacity() throws IOException {
    cluster.register(WorkloadHarness.registration("a", Duration.ofMinutes(10), 100));
    cluster.heartbeatStored("a", "active", 1, 8192);
    cluster.startAgent("a");
    WorkloadSettings slowRecheck =
        withRecheck(WorkloadHarness.settings(), Duration.ofMinutes(5), Duration.ofMinutes(30));

    Placement placement =
        cluster.schedule(
            new WorkloadRequest("w7", spec(EXIT_0, 2, 512, RestartPolicy.NEVER), 1, slowRecheck));

    assertThat(placement).isEqualTo(new Placement("w7", null, WorkloadStatus.PENDING));
    cluster.env.sleep(Duration.ofMinutes(12));
    WorkloadView pending = cluster.workload("w7").state();
    assertThat(pending.status()).isEqualTo(WorkloadStatus.PENDING);
    assertThat(pending.message()).isEqualTo("no node fits cpu=2 memory=512 MiB yet");

    // The agent now offers 4 cores: the node workflow nudges the pending workload at once.
    Instant offeredAt = cluster.now();
    cluster.heartbeat("a", "active", 4, 8192);
    WorkloadView ended = cluster.ended("w7");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(ended.nodeId()).isEqualTo("a");
    Event scheduled = cluster.db.events("w7", WorkloadStatus.SCHEDULED).get(0);
    assertOnTime(scheduled.atMillis(), offeredAt);

    cluster.recordHistory("workload-pending", WorkloadRequest.workflowId("w7"), null);
  }

  @Test
  void pendingReChecksWithoutANudge() {
    cluster.db.node("a", 1, 1024);
    cluster.startAgent("a");
    cluster.schedule(request("big", spec(LONG, 1, 512, RestartPolicy.NEVER)));
    cluster.awaitWorkload("big", v -> v.status() == WorkloadStatus.RUNNING);
    Instant requestedAt = cluster.now();
    assertThat(
            cluster.schedule(request("next", spec(EXIT_0, 1, 512, RestartPolicy.NEVER))).status())
        .isEqualTo(WorkloadStatus.PENDING);

    // Removing "big" frees the core without any heartbeat: the next re-check (every 30 s) finds it.
    cluster.workload("big").remove(new RemoveWorkload("make room"));
    WorkloadView ended = cluster.ended("next");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    long scheduledAt = cluster.db.events("next", WorkloadStatus.SCHEDULED).get(0).atMillis();
    long sinceRequest = scheduledAt - requestedAt.toEpochMilli();
    assertThat(sinceRequest % 30_000).as("ms past a re-check").isLessThan(ON_TIME.toMillis());
  }

  @Test
  void pendingPastTheDeadlineFails() {
    cluster.db.node("a", 1, 1024);
    Instant requestedAt = cluster.now();

    cluster.schedule(request("w8", spec(EXIT_0, 2, 256, RestartPolicy.NEVER)));
    WorkloadView ended = cluster.ended("w8");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(ended.message()).isEqualTo("no node fits cpu=2 memory=256 MiB within 600 s");
    assertOnTime(
        cluster.db.events("w8", WorkloadStatus.FAILED).get(0).atMillis(),
        requestedAt.plus(Duration.ofMinutes(10)));
    // Re-checked every 30 s meanwhile: the first place and 20 re-checks.
    assertThat(cluster.db.placeCalls("w8")).hasSize(21);
  }

  // ---- restart policy --------------------------------------------------------------------------

  @Test
  void onFailureRestartsWithBackoffThenFails() throws IOException {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w9", spec(EXIT_3, 1, 256, RestartPolicy.onFailure(3))));
    WorkloadView ended = cluster.ended("w9");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(ended.exitCode()).isEqualTo(3);
    assertThat(ended.restarts()).isEqualTo(3);
    assertThat(ended.message()).isEqualTo("exited with code 3; no restart left (3 of 3 used)");
    List<Action> runs = cluster.engine("a").actions("w9");
    assertThat(runs)
        .extracting(Action::kind)
        .containsExactly("create", "start", "restart", "restart", "restart");
    // The container exits as soon as it runs: each restart follows the previous run by the backoff.
    assertOnTime(runs.get(2).atMillis(), at(runs.get(1)).plusSeconds(5));
    assertOnTime(runs.get(3).atMillis(), at(runs.get(2)).plusSeconds(10));
    assertOnTime(runs.get(4).atMillis(), at(runs.get(3)).plusSeconds(20));
    assertThat(cluster.db.events("w9", WorkloadStatus.RESTARTING))
        .extracting(Event::message)
        .containsExactly(
            "exited with code 3; restart 1 of 3 in 5 s",
            "exited with code 3; restart 2 of 3 in 10 s",
            "exited with code 3; restart 3 of 3 in 20 s");
    assertThat(cluster.db.events("w9", WorkloadStatus.RESTARTING))
        .allSatisfy(e -> assertThat(e.logs()).isEqualTo("working\nerror: boom\n"));

    cluster.recordHistory("workload-restart", WorkloadRequest.workflowId("w9"), null);
  }

  @Test
  void onFailureLeavesACleanExitAlone() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w10", spec(EXIT_0, 1, 256, RestartPolicy.onFailure(3))));
    WorkloadView ended = cluster.ended("w10");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(ended.restarts()).isZero();
    assertThat(cluster.engine("a").actions("w10", "restart")).isEmpty();
  }

  @Test
  void alwaysRestartsAfterACleanExitUpToTheLimit() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w11", spec(EXIT_0, 1, 256, RestartPolicy.always(2))));
    WorkloadView ended = cluster.ended("w11");

    // Restarts ran out after clean exits: the last exit stands, it is not a failure.
    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(ended.exitCode()).isZero();
    assertThat(ended.restarts()).isEqualTo(2);
    List<Action> runs = cluster.engine("a").actions("w11");
    assertThat(runs)
        .extracting(Action::kind)
        .containsExactly("create", "start", "restart", "restart");
    assertOnTime(runs.get(2).atMillis(), at(runs.get(1)).plusSeconds(5));
    assertOnTime(runs.get(3).atMillis(), at(runs.get(2)).plusSeconds(10));
  }

  @Test
  void endlessRestartsContinueAsNewKeepingTheCount() throws IOException {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    String workflowId = WorkloadRequest.workflowId("w23");
    cluster.schedule(request("w23", spec(EXIT_0, 1, 256, RestartPolicy.always(0))));
    String firstRun = cluster.untyped(workflowId).describe().getExecution().getRunId();
    int beyond = WorkloadWorkflowImpl.RESTARTS_PER_RUN + 2;

    WorkloadView looping =
        cluster.awaitWorkload("w23", v -> v.restarts() >= beyond, Duration.ofMinutes(2));

    String currentRun = cluster.untyped(workflowId).describe().getExecution().getRunId();
    assertThat(currentRun).isNotEqualTo(firstRun);
    List<HistoryEvent> first = cluster.client.fetchHistory(workflowId, firstRun).getEvents();
    assertThat(first.get(first.size() - 1).getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    assertThat(looping.nodeId()).isEqualTo("a");
    // One container, started again and again; every restart stored once, none lost to a
    // sequence number reused by the next run.
    FakeEngine engine = cluster.engine("a");
    assertThat(engine.actions("w23", "create")).hasSize(1);
    WorkloadView removed = cluster.workload("w23").remove(new RemoveWorkload("enough"));
    int restarts = removed.restarts();
    assertThat(restarts).isGreaterThanOrEqualTo(beyond);
    assertThat(engine.actions("w23", "restart")).hasSizeBetween(restarts - 1, restarts);
    assertThat(cluster.db.events("w23", WorkloadStatus.RESTARTING)).hasSize(restarts);
    assertThat(cluster.db.events("w23", WorkloadStatus.RESTARTING).get(restarts - 1).message())
        .isEqualTo("exited with code 0; restart " + restarts + " in 120 s");
    assertThat(engine.state("w23")).isNull();
    assertThat(cluster.result("w23").status()).isEqualTo(WorkloadStatus.REMOVED);

    cluster.recordHistory("workload-continued", workflowId, firstRun);
  }

  @Test
  void backoffIsCappedAtTheMaximum() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w12", spec(EXIT_3, 1, 256, RestartPolicy.onFailure(7))));
    cluster.ended("w12");

    // 5, 10, 20, 40, 80, then 120 (not 160), 120.
    List<Action> runs = cluster.engine("a").actions("w12");
    long[] backoffs = {5, 10, 20, 40, 80, 120, 120};
    for (int i = 0; i < backoffs.length; i++) {
      assertOnTime(runs.get(i + 2).atMillis(), at(runs.get(i + 1)).plusSeconds(backoffs[i]));
    }
  }

  @Test
  void vanishedContainerIsCreatedAgain() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w13", spec(VANISHES, 1, 256, RestartPolicy.onFailure(1))));
    WorkloadView ended = cluster.ended("w13");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(ended.message()).isEqualTo("container disappeared; no restart left (1 of 1 used)");
    assertThat(cluster.engine("a").actions("w13"))
        .extracting(Action::kind)
        .containsExactly("create", "start", "vanish", "create", "start", "vanish");
    assertThat(cluster.db.statuses("w13"))
        .containsExactly(
            WorkloadStatus.SCHEDULED,
            WorkloadStatus.RUNNING,
            WorkloadStatus.RESTARTING,
            WorkloadStatus.RUNNING,
            WorkloadStatus.FAILED);
  }

  @Test
  void neverLeavesAMissingContainerMissing() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w14", spec(LONG, 1, 256, RestartPolicy.NEVER)));
    cluster.awaitWorkload("w14", v -> v.status() == WorkloadStatus.RUNNING);

    cluster.engine("a").vanish("w14");
    WorkloadView ended = cluster.ended("w14");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.MISSING);
    assertThat(ended.message()).isEqualTo("container disappeared");
  }

  // ---- remove ----------------------------------------------------------------------------------

  @Test
  void removeStopsAndRemovesTheContainer() throws IOException {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w15", spec(LONG, 1, 256, RestartPolicy.always(0))));
    cluster.awaitWorkload("w15", v -> v.status() == WorkloadStatus.RUNNING);

    WorkloadView removed = cluster.workload("w15").remove(new RemoveWorkload("operator deleted"));

    assertThat(removed.status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(removed.message()).isEqualTo("operator deleted");
    assertThat(cluster.engine("a").state("w15")).isNull();
    assertThat(cluster.engine("a").actions("w15", "remove")).hasSize(1);
    assertThat(cluster.result("w15").status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(cluster.db.row("w15").orElseThrow().status).isEqualTo(WorkloadStatus.REMOVED);
    // "always" does not bring a removed workload back.
    assertThat(cluster.engine("a").actions("w15", "restart")).isEmpty();

    cluster.recordHistory("workload-remove", WorkloadRequest.workflowId("w15"), null);
  }

  @Test
  void secondRemoveIsRejected() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w16", spec(LONG, 1, 256, RestartPolicy.NEVER)));
    cluster.awaitWorkload("w16", v -> v.status() == WorkloadStatus.RUNNING);
    Gate removing = cluster.engine("a").holdNextRemove();

    WorkflowUpdateHandle<WorkloadView> first =
        cluster
            .untyped(WorkloadRequest.workflowId("w16"))
            .startUpdate(
                UpdateOptions.newBuilder(WorkloadView.class)
                    .setUpdateName("remove")
                    .setWaitForStage(WorkflowUpdateStage.ACCEPTED)
                    .build(),
                new RemoveWorkload("first"));
    WorkflowUpdateException second =
        catchThrowableOfType(
            WorkflowUpdateException.class,
            () -> cluster.workload("w16").remove(new RemoveWorkload("second")));

    assertThat(second).isNotNull();
    assertThat(second.getCause()).isInstanceOf(ApplicationFailure.class);
    assertThat(((ApplicationFailure) second.getCause()).getOriginalMessage())
        .isEqualTo("Workload already removed");
    removing.open();
    assertThat(first.getResult().status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(first.getResult().message()).isEqualTo("first");
    assertThat(cluster.engine("a").actions("w16", "remove")).hasSize(1);
    // Once the run closed, the API answers from the row.
    cluster.result("w16");
    assertThat(
            catchThrowableOfType(
                WorkflowNotFoundException.class,
                () -> cluster.workload("w16").remove(new RemoveWorkload("third"))))
        .isNotNull();
  }

  @Test
  void removeWhilePendingEndsWithoutAContainer() {
    cluster.db.node("a", 1, 1024);
    cluster.startAgent("a");
    cluster.schedule(request("w17", spec(EXIT_0, 2, 256, RestartPolicy.NEVER)));

    WorkloadView removed = cluster.workload("w17").remove(new RemoveWorkload(null));

    assertThat(removed.status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(removed.message()).isEqualTo("removed");
    assertThat(cluster.engine("a").actions("w17")).isEmpty();
    assertThat(cluster.db.statuses("w17"))
        .containsExactly(WorkloadStatus.PENDING, WorkloadStatus.REMOVED);
  }

  // ---- terminal retention: remove, retry, expiry
  // -------------------------------------------------

  @Test
  void removeAfterExitRemovesTheContainer() throws IOException {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w24", spec(EXIT_0, 1, 256, RestartPolicy.NEVER)));
    assertThat(cluster.ended("w24").status()).isEqualTo(WorkloadStatus.EXITED);
    // Kept like a terminal allocation: the exited container is still on the node.
    assertThat(cluster.engine("a").state("w24")).isEqualTo("exited");

    WorkloadView removed = cluster.workload("w24").remove(new RemoveWorkload("operator deleted"));

    assertThat(removed.status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(removed.exitCode()).isZero();
    assertThat(cluster.engine("a").state("w24")).isNull();
    assertThat(cluster.engine("a").actions("w24", "remove")).hasSize(1);
    assertThat(cluster.result("w24").status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(cluster.db.statuses("w24"))
        .containsExactly(
            WorkloadStatus.SCHEDULED,
            WorkloadStatus.RUNNING,
            WorkloadStatus.EXITED,
            WorkloadStatus.REMOVED);

    cluster.recordHistory("workload-retained-remove", WorkloadRequest.workflowId("w24"), null);
  }

  @Test
  void retryAfterAFailedExitRunsTheNextRevision() throws IOException {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w25", spec(EXIT_3, 1, 256, RestartPolicy.NEVER)));
    assertThat(cluster.ended("w25").exitCode()).isEqualTo(3);
    // The operator fixes what made it fail, then retries.
    cluster.image(EXIT_3, Behaviour.runs("fixed\n"));

    Placement placed = cluster.workload("w25").retry(new RetryWorkload("fixed the config"));

    assertThat(placed).isEqualTo(new Placement("w25", "a", WorkloadStatus.SCHEDULED));
    WorkloadView running = cluster.awaitWorkload("w25", v -> v.status() == WorkloadStatus.RUNNING);
    assertThat(running.revision()).isEqualTo(2);
    assertThat(running.exitCode()).isNull();
    // Recreated, not restarted: revision 1's container is replaced by a new one of revision 2.
    assertThat(cluster.engine("a").actions("w25"))
        .extracting(Action::kind, Action::revision)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("create", 1),
            org.assertj.core.groups.Tuple.tuple("start", 1),
            org.assertj.core.groups.Tuple.tuple("replace", 1),
            org.assertj.core.groups.Tuple.tuple("create", 2),
            org.assertj.core.groups.Tuple.tuple("start", 2));
    assertThat(cluster.engine("a").state("w25")).isEqualTo("running");
    // Revision 2's events are keyed from sequence 1 again, beside revision 1's.
    assertThat(cluster.db.events("w25").stream().filter(e -> e.revision() == 2))
        .extracting(Event::sequence, Event::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, WorkloadStatus.SCHEDULED),
            org.assertj.core.groups.Tuple.tuple(2, WorkloadStatus.RUNNING));
    assertThat(cluster.db.row("w25").orElseThrow().revision).isEqualTo(2);

    // Only a workload that ended is retried.
    WorkflowUpdateException rejected =
        catchThrowableOfType(
            WorkflowUpdateException.class,
            () -> cluster.workload("w25").retry(new RetryWorkload(null)));
    assertThat(rejected).isNotNull();
    assertThat(((ApplicationFailure) rejected.getCause()).getOriginalMessage())
        .isEqualTo("Workload is Running: only an Exited, Failed or Missing one is retried");

    cluster.workload("w25").remove(new RemoveWorkload("done"));
    assertThat(cluster.result("w25").revision()).isEqualTo(2);
    cluster.recordHistory("workload-retry", WorkloadRequest.workflowId("w25"), null);
  }

  @Test
  void retryPlacedOnAnotherNodeRemovesTheOldContainerThere() {
    cluster.db.node("a", 4, 8192);
    cluster.db.node("b", 1, 1024);
    cluster.startAgent("a");
    cluster.startAgent("b");
    cluster.schedule(request("w28", spec(EXIT_3, 1, 256, RestartPolicy.NEVER)));
    assertThat(cluster.ended("w28").nodeId()).isEqualTo("a");
    // Node a now offers nothing: the retry goes to b.
    cluster.db.node("a", 0, 0);

    Placement placed = cluster.workload("w28").retry(new RetryWorkload(null));

    assertThat(placed.nodeId()).isEqualTo("b");
    WorkloadView ended =
        cluster.awaitWorkload("w28", v -> v.revision() == 2 && v.status() == WorkloadStatus.EXITED);
    assertThat(ended.nodeId()).isEqualTo("b");
    assertThat(cluster.engine("a").state("w28")).isNull();
    assertThat(cluster.engine("a").actions("w28", "remove"))
        .extracting(Action::revision)
        .containsExactly(1);
    assertThat(cluster.engine("b").actions("w28", "create"))
        .extracting(Action::revision)
        .containsExactly(2);
  }

  @Test
  void retentionExpiryRemovesTheContainer() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    WorkloadSettings s = WorkloadHarness.settings();
    Duration retention = Duration.ofHours(2);
    WorkloadSettings kept =
        new WorkloadSettings(
            s.placement(),
            s.pendingDeadline(),
            s.pendingRecheck(),
            s.agentPickupTimeout(),
            s.followHeartbeatTimeout(),
            s.restartInitialBackoff(),
            s.restartMaxBackoff(),
            s.actionAttempts(),
            s.nodeQueuePrefix(),
            s.actionTimeout(),
            retention);
    cluster.schedule(
        new WorkloadRequest("w26", spec(EXIT_3, 1, 256, RestartPolicy.NEVER), 1, kept));

    WorkloadView removed = cluster.result("w26");

    assertThat(removed.status()).isEqualTo(WorkloadStatus.REMOVED);
    assertThat(removed.message()).isEqualTo("retention expired");
    assertThat(removed.exitCode()).isEqualTo(3);
    assertThat(cluster.engine("a").state("w26")).isNull();
    long exitedAt = cluster.db.events("w26", WorkloadStatus.EXITED).get(0).atMillis();
    long removedAt = cluster.db.events("w26", WorkloadStatus.REMOVED).get(0).atMillis();
    assertOnTime(removedAt, Instant.ofEpochMilli(exitedAt).plus(retention));
  }

  @Test
  void runStaysOpenAfterAFinalStatus() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w27", spec(EXIT_0, 1, 256, RestartPolicy.NEVER)));
    cluster.ended("w27");
    assertThat(cluster.untyped(WorkloadRequest.workflowId("w27")).describe().getStatus())
        .isEqualTo(
            io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  }

  // ---- node loss -------------------------------------------------------------------------------

  @Test
  void nodeLossReschedulesOnAnotherNode() throws IOException {
    // A short threshold: from the agent's death on, its follower waits on the dead agent's queue,
    // and the test server does not skip time while a task waits.
    Duration threshold = Duration.ofSeconds(10);
    cluster.register(WorkloadHarness.registration("a", threshold, 100));
    cluster.register(WorkloadHarness.registration("b", threshold, 100));
    cluster.heartbeatStored("a", "active", 8, 16_384);
    cluster.heartbeatStored("b", "active", 2, 4096);
    cluster.startAgent("a");
    cluster.startAgent("b");
    cluster.schedule(request("w18", spec(LONG, 1, 256, RestartPolicy.onFailure(2))));
    cluster.awaitWorkload(
        "w18", v -> v.status() == WorkloadStatus.RUNNING && "a".equals(v.nodeId()));

    // Agent "a" sends a last heartbeat and dies: its follower never reports again.
    cluster.heartbeatStored("a", "active", 8, 16_384);
    cluster.killAgent("a");
    Instant due = cluster.node("a").state().lastHeartbeatAt().plus(threshold);
    WorkloadView moved = null;
    for (int i = 0; i < 60 && moved == null; i++) {
      cluster.env.sleep(Duration.ofSeconds(1));
      cluster.heartbeat("b", "active", 2, 4096);
      WorkloadView now = cluster.workload("w18").state();
      moved = now.status() == WorkloadStatus.RUNNING && "b".equals(now.nodeId()) ? now : null;
    }

    assertThat(moved).as("running on b").isNotNull();
    assertThat(moved.restarts()).isZero();
    FakeDatabase.NodeCall inactive = cluster.db.nodeCalls("a", NodeStatus.INACTIVE).get(0);
    assertOnTime(inactive.change().at().toEpochMilli(), due);
    assertThat(inactive.answer()).containsExactly("w18");
    assertThat(cluster.node("a").state().status()).isEqualTo(NodeStatus.INACTIVE);
    assertThat(cluster.db.nodeCalls("b", NodeStatus.INACTIVE)).isEmpty();
    assertThat(cluster.engine("a").actions("w18", "create")).hasSize(1);
    assertThat(cluster.engine("b").actions("w18", "create")).hasSize(1);
    assertThat(cluster.db.statuses("w18"))
        .containsExactly(
            WorkloadStatus.SCHEDULED,
            WorkloadStatus.RUNNING,
            WorkloadStatus.LOST,
            WorkloadStatus.SCHEDULED,
            WorkloadStatus.RUNNING);
    assertThat(cluster.db.events("w18", WorkloadStatus.LOST).get(0).message())
        .isEqualTo("no heartbeat for 10 s");
    assertThat(cluster.db.placeCalls("w18").get(1).exclude()).containsExactly("a");

    cluster.engine("b").exit("w18", 0);
    assertThat(cluster.ended("w18").status()).isEqualTo(WorkloadStatus.EXITED);
    cluster.recordHistory("workload-node-lost", WorkloadRequest.workflowId("w18"), null);
  }

  @Test
  void nodeLostAboutAnotherNodeChangesNothing() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    cluster.schedule(request("w19", spec(LONG, 1, 256, RestartPolicy.NEVER)));
    cluster.awaitWorkload("w19", v -> v.status() == WorkloadStatus.RUNNING);

    cluster.workload("w19").nodeLost(new NodeLost("b", "node b inactive"));
    cluster.engine("a").exit("w19", 0);
    WorkloadView ended = cluster.ended("w19");

    assertThat(ended.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(ended.nodeId()).isEqualTo("a");
    assertThat(cluster.db.placeCalls("w19")).hasSize(1);
  }

  // ---- exactly one container per schedule request ----------------------------------------------

  @Test
  void agentRestartBetweenCreateAndStartMakesOneContainer() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");
    Gate inside = cluster.engine("a").holdNextStartAfterCreate();
    cluster.schedule(request("w20", spec(LONG, 1, 256, RestartPolicy.NEVER)));

    // The agent created the container and dies before starting it; a new agent process comes up.
    awaitGate(inside);
    cluster.killAgent("a");
    cluster.startAgent("a");
    WorkloadView running = cluster.awaitWorkload("w20", v -> v.status() == WorkloadStatus.RUNNING);

    assertThat(running.nodeId()).isEqualTo("a");
    FakeEngine engine = cluster.engine("a");
    assertThat(engine.actions("w20", "create")).hasSize(1);
    assertThat(engine.actions("w20", "start")).hasSize(1);
    assertThat(engine.startCalls()).isEqualTo(2);
    assertThat(engine.state("w20")).isEqualTo("running");
  }

  // ---- search attributes -----------------------------------------------------------------------

  @Test
  void searchAttributesFollowStatusAndNode() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(
        request("w21", spec(EXIT_3, 1, 256, RestartPolicy.NEVER)),
        SearchAttributes.newBuilder()
            .set(WorkloadSearchAttributes.STATUS, WorkloadStatus.PENDING.name())
            .build());
    cluster.ended("w21");

    SearchAttributes attributes =
        cluster.untyped(WorkloadRequest.workflowId("w21")).describe().getTypedSearchAttributes();
    assertThat(attributes.get(WorkloadSearchAttributes.STATUS)).isEqualTo("EXITED");
    assertThat(attributes.get(WorkloadSearchAttributes.NODE_ID)).isEqualTo("a");
  }

  @Test
  void withoutSearchAttributesNothingIsUpserted() {
    cluster.db.node("a", 4, 8192);
    cluster.startAgent("a");

    cluster.schedule(request("w22", spec(EXIT_0, 1, 256, RestartPolicy.NEVER)));
    cluster.ended("w22");

    SearchAttributes attributes =
        cluster.untyped(WorkloadRequest.workflowId("w22")).describe().getTypedSearchAttributes();
    assertThat(attributes.containsKey(WorkloadSearchAttributes.STATUS)).isFalse();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static void awaitGate(Gate gate) {
    try {
      gate.awaitEntered();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static WorkloadSettings withRecheck(
      WorkloadSettings s, Duration recheck, Duration deadline) {
    return new WorkloadSettings(
        s.placement(),
        deadline,
        recheck,
        s.agentPickupTimeout(),
        s.followHeartbeatTimeout(),
        s.restartInitialBackoff(),
        s.restartMaxBackoff(),
        s.actionAttempts(),
        s.nodeQueuePrefix(),
        s.actionTimeout(),
        s.retention());
  }

  private static Instant at(Action action) {
    return Instant.ofEpochMilli(action.atMillis());
  }

  private static void assertOnTime(long actualMillis, Instant due) {
    assertThat(actualMillis - due.toEpochMilli())
        .as("ms after %s", due)
        .isBetween(0L, ON_TIME.toMillis());
  }
}
