package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.opsflow.build.BuildActivities.JobStatusChange;
import io.opsflow.build.FakeBuildActivities.Window;
import io.opsflow.build.FakeCluster.Attach;
import io.opsflow.build.FakeCluster.Cleanup;
import io.opsflow.build.FakeCluster.Mode;
import io.opsflow.build.FakeCluster.Script;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The build workflow on the time-skipping test server, with its runner activities on a task queue
 * and worker factory of their own (in production another process) over a {@link FakeCluster}.
 *
 * <p>Times: the test server skips time only while no activity is running, so a job's run takes real
 * time (200 ms unless scripted) while retry backoffs between runs are skipped. Job windows are read
 * from the status changes the workflow recorded, in workflow time.
 */
class BuildWorkflowTest {

  private static final String ORCHESTRATION = "orchestration";
  private static final String RUNNER_QUEUE = "runner-test";
  private static final long PIPELINE = 3;
  private static final Duration HEARTBEAT = Duration.ofSeconds(2);
  private static final BuildSettings SETTINGS =
      new BuildSettings("fake", RUNNER_QUEUE, 4, Duration.ofMinutes(30), HEARTBEAT, "alpine:3.20");

  /**
   * The workflow version the recorded histories belong to: {@code build-<version>-<scenario>.json}
   * (histories of older versions keep their names and keep being replayed).
   */
  private static final String RECORDED_VERSION = "v3";

  private static final String RUN_JOB = "RunnerRunJob";
  private static final String CLEANUP = "RunnerCleanupBuild";
  private static final String JOB_STATUS = "BuildJobStatus";
  private static final String BUILD_STATUS = "BuildBuildStatus";

  /** Longer than any test: such a job ends only when cancelled. */
  private static final Duration FOREVER = Duration.ofMinutes(10);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeBuildActivities db;
  private FakeCluster cluster;
  private WorkerFactory runners;
  private final List<WorkerFactory> extraRunners = new ArrayList<>();

  @BeforeEach
  void startTestServer() {
    env = TestWorkflowEnvironment.newInstance(); // time skipping is on by default
    for (SearchAttributeKey<?> key : BuildSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    db = new FakeBuildActivities();
    cluster = new FakeCluster();
    Worker orchestration = env.newWorker(ORCHESTRATION);
    orchestration.registerWorkflowImplementationTypes(
        BuildWorkflowImpl.class, ConcurrencyWorkflowImpl.class);
    // As the activities module's ConcurrencyActivitiesImpl: signal-with-start of the group.
    ConcurrencyActivities groups =
        request -> {
          WorkflowClient c = env.getWorkflowClient();
          ConcurrencyWorkflow group =
              c.newWorkflowStub(
                  ConcurrencyWorkflow.class,
                  WorkflowOptions.newBuilder()
                      .setWorkflowId(
                          ConcurrencyWorkflow.workflowId(request.pipelineId(), request.group()))
                      .setTaskQueue(request.taskQueue())
                      .build());
          io.temporal.client.BatchRequest batch = c.newSignalWithStartRequest();
          batch.add(
              group::run, new ConcurrencyWorkflow.ConcurrencyState(request.group(), null, null));
          batch.add(
              group::acquire,
              new ConcurrencyWorkflow.Acquire(request.buildId(), request.cancelInProgress()));
          c.signalWithStart(batch);
        };
    orchestration.registerActivitiesImplementations(db, groups);
    env.start();
    client = env.getWorkflowClient();
    runners = startRunners("runner-1");
  }

  @AfterEach
  void stopTestServer() {
    runners.shutdownNow();
    extraRunners.forEach(WorkerFactory::shutdownNow);
    env.close();
  }

  /** A runner worker on the runner queue, in a factory of its own so it can die alone. */
  private WorkerFactory startRunners(String name) {
    return startRunners(name, RUNNER_QUEUE);
  }

  private WorkerFactory startRunners(String name, String queue) {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    factory.newWorker(queue).registerActivitiesImplementations(new FakeJobRunner(cluster, name));
    factory.start();
    return factory;
  }

  // ---- the DAG engine ------------------------------------------------------------------------

  @Test
  void diamondRunsBothBranchesAtOnceAndTheJoinAfterBoth() throws IOException {
    BuildView ended =
        run(
            request(
                1, job("a"), job("b").needs("a"), job("c").needs("a"), job("d").needs("b", "c")));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.message()).isNull();
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::attempt, JobView::exitCode)
        .containsExactly(
            tuple("a", JobStatus.SUCCEEDED, 1, 0),
            tuple("b", JobStatus.SUCCEEDED, 1, 0),
            tuple("c", JobStatus.SUCCEEDED, 1, 0),
            tuple("d", JobStatus.SUCCEEDED, 1, 0));
    Window a = db.window("a");
    Window b = db.window("b");
    Window c = db.window("c");
    Window d = db.window("d");
    assertThat(b.overlaps(c)).as("b and c run at the same time").isTrue();
    assertThat(Math.min(b.startMillis(), c.startMillis())).isGreaterThanOrEqualTo(a.endMillis());
    assertThat(d.startMillis()).isGreaterThanOrEqualTo(Math.max(b.endMillis(), c.endMillis()));
    assertThat(cluster.mostLive()).isEqualTo(2);
    for (String job : List.of("a", "b", "c", "d")) {
      assertThat(db.statuses(job)).containsExactly(JobStatus.RUNNING, JobStatus.SUCCEEDED);
      assertThat(cluster.creations("build-1-" + job + "-1")).isEqualTo(1);
    }
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.SUCCEEDED);
    assertThat(ended.startedAt()).isEqualTo(db.builds().get(0).at());
    assertThat(ended.finishedAt()).isEqualTo(db.builds().get(1).at());

    recordHistory("diamond", 1);
  }

  @Test
  void parallelismOneRunsOneJobAtATimeInPipelineOrder() {
    BuildRequest request =
        request(2, job("a"), job("b").needs("a"), job("c").needs("a"), job("d").needs("b", "c"));

    BuildView ended = run(withParallelism(request, 1));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(cluster.mostLive()).isEqualTo(1);
    Window b = db.window("b");
    Window c = db.window("c");
    assertThat(b.overlaps(c)).isFalse();
    assertThat(c.startMillis()).isGreaterThanOrEqualTo(b.endMillis());
    assertThat(db.jobChanges())
        .filteredOn(change -> change.status() == JobStatus.RUNNING)
        .extracting(JobStatusChange::jobId)
        .containsExactly("a", "b", "c", "d");
  }

  @Test
  void failedJobSkipsItsDependentsWhileAnIndependentBranchSucceeds() throws IOException {
    cluster.script("build", Script.exits(2));
    // Still running when build fails: fail-fast skips dependents, it does not stop other branches.
    cluster.script("lint", Script.succeeds().lasting(Duration.ofMillis(800)));

    BuildView ended =
        run(
            request(
                3,
                job("build"),
                job("test").needs("build"),
                job("deploy").needs("test"),
                job("lint")));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.message()).isEqualTo("job 'build' failed (exit 2)");
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::exitCode, JobView::message)
        .containsExactly(
            tuple("build", JobStatus.FAILED, 2, "exit 2"),
            tuple("test", JobStatus.SKIPPED, null, "skipped: needs 'build' failed"),
            tuple("deploy", JobStatus.SKIPPED, null, "skipped: needs 'test' was skipped"),
            tuple("lint", JobStatus.SUCCEEDED, 0, null));
    assertThat(db.statuses("test")).containsExactly(JobStatus.SKIPPED);
    assertThat(db.statuses("deploy")).containsExactly(JobStatus.SKIPPED);
    assertThat(db.last("build").exitCode()).isEqualTo(2);
    assertThat(cluster.createdNames())
        .containsExactlyInAnyOrder("build-3-build-1", "build-3-lint-1");
    assertThat(db.window("lint").endMillis()).isGreaterThan(db.window("build").endMillis());
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.FAILED);
    assertThat(db.builds().get(1).message()).isEqualTo("job 'build' failed (exit 2)");

    recordHistory("fail-fast", 3);
  }

  @Test
  void alwaysJobCleansUpAfterAFailure() {
    cluster.script("build", Script.exits(1));

    BuildView ended =
        run(
            request(
                4,
                job("build"),
                job("test").needs("build"),
                job("cleanup").needs("test").when(JobCondition.ALWAYS)));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(statusOf(ended, "test")).isEqualTo(JobStatus.SKIPPED);
    assertThat(statusOf(ended, "cleanup")).isEqualTo(JobStatus.SUCCEEDED);
    assertThat(cluster.creations("build-4-cleanup-1")).isEqualTo(1);
    assertThat(db.window("cleanup").startMillis())
        .isGreaterThanOrEqualTo(db.window("build").endMillis());
  }

  @Test
  void failureJobRunsOnlyWhenSomethingItNeedsFailed() {
    cluster.script("build", Script.exits(1));
    JobBuilder[] pipeline = {
      job("build"),
      job("test").needs("build"),
      job("notify").needs("test").when(JobCondition.FAILURE)
    };

    BuildView failed = run(request(5, pipeline));

    assertThat(failed.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(statusOf(failed, "test")).isEqualTo(JobStatus.SKIPPED);
    // test was skipped, not failed: failure() looks at every ancestor, and build failed.
    assertThat(statusOf(failed, "notify")).isEqualTo(JobStatus.SUCCEEDED);
    assertThat(cluster.creations("build-5-notify-1")).isEqualTo(1);

    cluster.script("build", Script.succeeds());
    BuildView passed = run(request(6, pipeline));

    assertThat(passed.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(passed.jobs().get(2))
        .extracting(JobView::status, JobView::message)
        .containsExactly(JobStatus.SKIPPED, "skipped: if failure() and no job it needs failed");
    assertThat(cluster.creations("build-6-notify-1")).isZero();
  }

  @Test
  void continueOnErrorFailureNeitherFailsTheBuildNorSkipsDependents() {
    cluster.script("lint", Script.exits(1));

    BuildView ended = run(request(7, job("lint").continueOnError(), job("test").needs("lint")));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::exitCode, JobView::message)
        .containsExactly(
            tuple("lint", JobStatus.FAILED, 1, "exit 1"),
            tuple("test", JobStatus.SUCCEEDED, 0, null));
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.SUCCEEDED);
  }

  // ---- retries and failures of one job ---------------------------------------------------------

  @Test
  void failedAttemptIsRetriedOnANewResourceAfterABackoff() throws IOException {
    cluster.script("flaky", Script.succeeds().failingFirst(1));

    BuildView ended = run(request(8, job("flaky").retries(1)));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs().get(0))
        .extracting(JobView::status, JobView::attempt, JobView::exitCode)
        .containsExactly(JobStatus.SUCCEEDED, 2, 0);
    assertThat(cluster.creations("build-8-flaky-1")).isEqualTo(1);
    assertThat(cluster.creations("build-8-flaky-2")).isEqualTo(1);
    List<JobStatusChange> changes = db.job("flaky");
    assertThat(changes)
        .extracting(
            JobStatusChange::status,
            JobStatusChange::attempt,
            JobStatusChange::exitCode,
            JobStatusChange::message)
        .containsExactly(
            tuple(JobStatus.RUNNING, 1, null, null),
            tuple(JobStatus.RUNNING, 1, 1, "exit 1; attempt 2 in 10 s"),
            tuple(JobStatus.RUNNING, 2, null, null),
            tuple(JobStatus.SUCCEEDED, 2, 0, null));
    // The backoff is a durable timer of 10 s (skipped by the test server, so exactly 10 s plus the
    // few real milliseconds the workflow task took).
    long backoff = changes.get(2).at().toEpochMilli() - changes.get(1).at().toEpochMilli();
    assertThat(backoff).isBetween(10_000L, 11_000L);

    recordHistory("retry", 8);
  }

  @Test
  void jobFailsWhenItsLastAttemptFails() {
    cluster.script("flaky", Script.exits(3));

    BuildView ended = run(request(9, job("flaky").retries(2)));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.message()).isEqualTo("job 'flaky' failed (exit 3)");
    assertThat(ended.jobs().get(0))
        .extracting(JobView::status, JobView::attempt, JobView::exitCode)
        .containsExactly(JobStatus.FAILED, 3, 3);
    assertThat(cluster.createdNames())
        .containsExactlyInAnyOrder("build-9-flaky-1", "build-9-flaky-2", "build-9-flaky-3");
  }

  @Test
  void jobPastItsTimeoutFailsAsTimedOutWithoutRetry() {
    cluster.script("slow", Script.of(Mode.HANGS));

    BuildView ended = run(request(10, job("slow").timeoutMinutes(5).retries(2)));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.jobs().get(0))
        .extracting(JobView::status, JobView::attempt, JobView::message)
        .containsExactly(JobStatus.FAILED, 1, "timed out after 5 min");
    assertThat(ended.message()).isEqualTo("job 'slow' failed (timed out after 5 min)");
    assertThat(cluster.runs()).singleElement().extracting(JobRun::timeoutSeconds).isEqualTo(300L);
    assertThat(cluster.deleted()).containsExactly("build-10-slow-1");
  }

  @Test
  void missingImageFailsTheJobWithTheRunnersMessage() {
    cluster.script("build", Script.of(Mode.IMAGE_MISSING));

    BuildView ended = run(request(11, job("build").image("ghcr.io/acme/nope:1").retries(1)));

    assertThat(ended.jobs().get(0))
        .extracting(JobView::status, JobView::message)
        .containsExactly(JobStatus.FAILED, "image 'ghcr.io/acme/nope:1' not found");
    assertThat(cluster.attaches()).hasSize(1);
    assertThat(cluster.createdNames()).isEmpty();
  }

  @Test
  void runnerThatKeepsFailingFailsTheJobAfterBoundedAttempts() {
    cluster.script("build", Script.of(Mode.RUNNER_FAILS));

    BuildView ended = run(request(12, job("build"), job("test").needs("build")));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.jobs())
        .extracting(JobView::status, JobView::message)
        .containsExactly(
            tuple(JobStatus.FAILED, "runner failed: node lost"),
            tuple(JobStatus.SKIPPED, "skipped: needs 'build' failed"));
    assertThat(cluster.attaches())
        .extracting(Attach::activityAttempt)
        .containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void jobRunCarriesImageEnvStepsAndTimeout() {
    JobBuilder build = job("build").env(Map.of("LEVEL", "job", "GOFLAGS", "-mod=mod"));
    JobBuilder test = job("test").needs("build").image("maven:3.9").timeoutMinutes(10);

    run(request(13, build, test));

    assertThat(cluster.runs())
        .extracting(
            JobRun::jobId, JobRun::attempt, JobRun::image, JobRun::env, JobRun::timeoutSeconds)
        .containsExactly(
            tuple(
                "build",
                1,
                "alpine:3.20",
                Map.of("CI", "true", "LEVEL", "job", "GOFLAGS", "-mod=mod"),
                1800L),
            tuple("test", 1, "maven:3.9", Map.of("CI", "true", "LEVEL", "pipeline"), 600L));
    assertThat(cluster.runs().get(1).steps()).isEqualTo(test.build().steps());
  }

  // ---- cancel --------------------------------------------------------------------------------

  @Test
  void cancelMidBuildDeletesRunningResourcesAndStillRunsAlwaysJobs() throws IOException {
    cluster.script("compile", Script.succeeds().lasting(FOREVER));
    cluster.script("lint", Script.succeeds().lasting(FOREVER));
    start(
        request(
            14,
            job("compile"),
            job("lint"),
            job("test").needs("compile"),
            job("cleanup").needs("test", "lint").when(JobCondition.ALWAYS)));
    cluster.awaitCreated("build-14-compile-1");
    cluster.awaitCreated("build-14-lint-1");

    BuildView answered = running(14).cancel(new CancelBuild("wrong branch", "alice"));

    // The update answers once the running jobs' resources are gone.
    assertThat(answered.jobs())
        .filteredOn(j -> j.id().equals("compile") || j.id().equals("lint"))
        .extracting(JobView::status, JobView::message)
        .containsOnly(tuple(JobStatus.CANCELLED, "cancelled by alice: wrong branch"));
    assertThat(cluster.exists("build-14-compile-1")).isFalse();
    assertThat(cluster.exists("build-14-lint-1")).isFalse();
    assertThat(cluster.deleted())
        .containsExactlyInAnyOrder("build-14-compile-1", "build-14-lint-1");

    BuildView ended = result(14);
    assertThat(ended.status()).isEqualTo(BuildStatus.CANCELLED);
    assertThat(ended.message()).isEqualTo("cancelled by alice: wrong branch");
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::attempt)
        .containsExactly(
            tuple("compile", JobStatus.CANCELLED, 1),
            tuple("lint", JobStatus.CANCELLED, 1),
            tuple("test", JobStatus.CANCELLED, 0),
            tuple("cleanup", JobStatus.SUCCEEDED, 1));
    assertThat(cluster.creations("build-14-test-1")).isZero();
    assertThat(cluster.creations("build-14-cleanup-1")).isEqualTo(1);
    assertThat(db.window("cleanup").startMillis())
        .isGreaterThanOrEqualTo(db.window("compile").endMillis());
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.CANCELLED);

    recordHistory("cancel", 14);
  }

  @Test
  void cancelWhileJobsWaitForARunnerCreatesNothing() {
    BuildRequest request = request(15, job("build"), job("test").needs("build"));
    // No worker polls this queue: the job is dispatched but no runner has picked it up.
    start(withRunnerQueue(request, "runners-all-busy"));
    db.awaitJob("build", JobStatus.RUNNING);

    BuildView answered = running(15).cancel(new CancelBuild(null, null));

    assertThat(answered.jobs().get(0).status()).isEqualTo(JobStatus.CANCELLED);
    // The build's cleanup waits on that queue too, until a runner frees up and takes it.
    extraRunners.add(startRunners("runner-freed", "runners-all-busy"));
    BuildView ended = result(15);
    assertThat(ended.status()).isEqualTo(BuildStatus.CANCELLED);
    assertThat(ended.message()).isEqualTo("cancelled");
    assertThat(ended.jobs())
        .extracting(JobView::status)
        .containsExactly(JobStatus.CANCELLED, JobStatus.CANCELLED);
    assertThat(cluster.attaches()).isEmpty();
    assertThat(cluster.createdNames()).isEmpty();
    assertThat(cluster.cleanups()).containsExactly(new Cleanup(15, "runner-freed", List.of()));
  }

  @Test
  void cancelDuringARetryBackoffStartsNoFurtherAttempt() {
    cluster.script("flaky", Script.exits(1));
    start(request(23, job("flaky").retries(3)));
    // The test clock runs in real time while the test does not wait for a result: the 10 s
    // backoff after the first attempt is still pending when the cancel arrives.
    db.awaitJob("flaky's failed first attempt", c -> c.exitCode() != null && c.attempt() == 1);

    BuildView answered = running(23).cancel(new CancelBuild("enough", null));

    assertThat(answered.jobs().get(0))
        .extracting(JobView::status, JobView::attempt, JobView::exitCode, JobView::message)
        .containsExactly(JobStatus.CANCELLED, 1, 1, "cancelled: enough");
    assertThat(result(23).status()).isEqualTo(BuildStatus.CANCELLED);
    assertThat(cluster.createdNames()).containsExactly("build-23-flaky-1");
  }

  @Test
  void cancelOfAFinishedBuildIsRejected() {
    // The database is down when the build ends: its jobs are done, its final row is not written
    // yet, and the workflow is still open (retrying that write) when the cancel comes in.
    db.refuseFinishedStatus(true);
    start(request(16, job("build")));
    db.awaitRefusal();

    WorkflowUpdateException rejected =
        catchThrowableOfType(
            WorkflowUpdateException.class,
            () -> running(16).cancel(new CancelBuild("too late", "bob")));

    assertThat(rejected).as("cancel should be rejected").isNotNull();
    assertThat(rejected.getCause()).isInstanceOf(ApplicationFailure.class);
    assertThat(((ApplicationFailure) rejected.getCause()).getOriginalMessage())
        .isEqualTo("Build already finished");
    // Rejected by the validator: the cancel never made it into the history.
    assertThat(client.fetchHistory("build-16").getEvents())
        .extracting(HistoryEvent::getEventType)
        .doesNotContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    db.refuseFinishedStatus(false);
    BuildView ended = result(16);
    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs().get(0).status()).isEqualTo(JobStatus.SUCCEEDED);
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.SUCCEEDED);
    assertThat(db.refusals()).isPositive();
  }

  @Test
  void workflowCancelFromTemporalCancelsTheBuildLikeTheUpdate() {
    cluster.script("compile", Script.succeeds().lasting(FOREVER));
    start(request(17, job("compile"), job("cleanup").needs("compile").when(JobCondition.ALWAYS)));
    cluster.awaitCreated("build-17-compile-1");

    client.newUntypedWorkflowStub("build-17").cancel();

    // The SDK closes a run whose cancel was requested as Canceled, but only after the workflow
    // has cleaned up as for the cancel update.
    WorkflowFailedException closed =
        catchThrowableOfType(WorkflowFailedException.class, () -> result(17));
    assertThat(closed).isNotNull();
    assertThat(closed.getCause()).isInstanceOf(CanceledFailure.class);
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.CANCELLED);
    assertThat(db.last("compile").status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(db.last("cleanup").status()).isEqualTo(JobStatus.SUCCEEDED);
    assertThat(cluster.deleted()).containsExactly("build-17-compile-1");
    // The engine runs detached from the workflow's cancel: the workspace is still removed.
    assertThat(cluster.cleanups()).containsExactly(new Cleanup(17, "runner-1", List.of()));
    BuildView ended = running(17).state();
    assertThat(ended.status()).isEqualTo(BuildStatus.CANCELLED);
    assertThat(ended.jobs())
        .extracting(JobView::status)
        .containsExactly(JobStatus.CANCELLED, JobStatus.SUCCEEDED);
  }

  // ---- workspace cleanup ---------------------------------------------------------------------

  @Test
  void workspaceIsRemovedOnceAfterTheLastJobAndBeforeTheResult() {
    cluster.script("test", Script.succeeds().lasting(Duration.ofMillis(600)));

    BuildView ended = run(request(24, job("build"), job("test").needs("build"), job("lint")));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    // Nothing of the build was still running when the runner cleaned up.
    assertThat(cluster.cleanups()).containsExactly(new Cleanup(24, "runner-1", List.of()));
    List<String> calls = activityCalls(24);
    assertThat(calls).filteredOn(CLEANUP::equals).hasSize(1);
    // Every job's final row, then the cleanup, then the build's final row.
    assertThat(calls.subList(calls.size() - 3, calls.size()))
        .containsExactly(JOB_STATUS, CLEANUP, BUILD_STATUS);
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.SUCCEEDED);
  }

  @Test
  void cancelledBuildIsCleanedUpAfterItsAlwaysJobs() {
    cluster.script("compile", Script.succeeds().lasting(FOREVER));
    cluster.script("report", Script.succeeds().lasting(Duration.ofMillis(600)));
    start(
        request(
            25,
            job("compile"),
            job("test").needs("compile"),
            job("report").needs("test").when(JobCondition.ALWAYS)));
    cluster.awaitCreated("build-25-compile-1");

    running(25).cancel(new CancelBuild("wrong branch", "alice"));

    BuildView ended = result(25);
    assertThat(ended.status()).isEqualTo(BuildStatus.CANCELLED);
    assertThat(ended.jobs())
        .extracting(JobView::status)
        .containsExactly(JobStatus.CANCELLED, JobStatus.CANCELLED, JobStatus.SUCCEEDED);
    assertThat(cluster.cleanups()).containsExactly(new Cleanup(25, "runner-1", List.of()));
    List<String> calls = activityCalls(25);
    assertThat(calls).filteredOn(CLEANUP::equals).hasSize(1);
    assertThat(calls.lastIndexOf(RUN_JOB)).isLessThan(calls.indexOf(CLEANUP));
    assertThat(calls.subList(calls.size() - 3, calls.size()))
        .containsExactly(JOB_STATUS, CLEANUP, BUILD_STATUS);
  }

  @Test
  void cleanupIsRetriedUntilTheRunnerAnswers() {
    cluster.failCleanups(2);

    BuildView ended = run(request(26, job("build")));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(cluster.cleanupAttempts()).isEqualTo(3);
    assertThat(cluster.cleanups()).extracting(Cleanup::buildId).containsExactly(26L);
  }

  @Test
  void cleanupThatKeepsFailingNeitherFailsNorHoldsTheBuild() {
    cluster.failCleanups(Integer.MAX_VALUE);

    BuildView ended = run(request(27, job("build")));

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.message()).isNull();
    assertThat(cluster.cleanups()).isEmpty();
    assertThat(cluster.cleanupAttempts()).isGreaterThan(3);
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.RUNNING, BuildStatus.SUCCEEDED);
    // Given up at the cleanup's deadline (workflow time), not retried for ever.
    long waited = ended.finishedAt().toEpochMilli() - db.window("build").endMillis();
    assertThat(waited)
        .isBetween(
            BuildJobRuns.CLEANUP_DEADLINE.toMillis() / 2,
            BuildJobRuns.CLEANUP_DEADLINE.plusSeconds(20).toMillis());
  }

  // ---- re-run, worker restart, search attributes, bad input ----------------------------------

  @Test
  void rerunRunsOnlyTheJobsItDoesNotReuse() {
    BuildRequest request =
        withReused(
            request(18, job("build"), job("test").needs("build"), job("deploy").needs("test")),
            Map.of("build", new ReusedJob(41, 2)));

    BuildView ended = run(request);

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs().get(0))
        .extracting(JobView::status, JobView::attempt, JobView::reusedFromBuild, JobView::startedAt)
        .containsExactly(JobStatus.SUCCEEDED, 2, 41L, null);
    assertThat(db.job("build"))
        .singleElement()
        .satisfies(
            change -> {
              assertThat(change.status()).isEqualTo(JobStatus.SUCCEEDED);
              assertThat(change.reusedFromBuild()).isEqualTo(41L);
              assertThat(change.attempt()).isEqualTo(2);
            });
    assertThat(cluster.createdNames())
        .containsExactlyInAnyOrder("build-18-test-1", "build-18-deploy-1");
  }

  @Test
  void runnerWorkerRestartMidJobReattachesWithoutASecondResource() {
    cluster.script("compile", Script.succeeds().lasting(Duration.ofSeconds(5)));
    start(request(19, job("compile"), job("test").needs("compile")));
    cluster.awaitCreated("build-19-compile-1");
    long killedAt = env.currentTimeMillis();

    // The runner's process dies: it never answers for the attempt it was following.
    runners.shutdownNow();
    runners = startRunners("runner-2");

    BuildView ended = result(19);
    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(cluster.creations("build-19-compile-1")).isEqualTo(1);
    List<Attach> attaches =
        cluster.attaches().stream().filter(a -> a.resource().equals("build-19-compile-1")).toList();
    assertThat(attaches.get(0)).isEqualTo(new Attach("build-19-compile-1", "runner-1", 1, null));
    Attach retried = attaches.get(attaches.size() - 1);
    assertThat(retried.worker()).isEqualTo("runner-2");
    assertThat(retried.activityAttempt()).isGreaterThanOrEqualTo(2);
    // The retry carries the dead worker's last heartbeat: it follows the same run.
    assertThat(retried.previousHeartbeat()).isEqualTo("runner-1");
    // One job attempt throughout: an activity retry is not a new job attempt.
    assertThat(db.job("compile"))
        .extracting(JobStatusChange::status, JobStatusChange::attempt)
        .containsExactly(tuple(JobStatus.RUNNING, 1), tuple(JobStatus.SUCCEEDED, 1));
    // Retried after the heartbeat timeout, not the 35-minute start-to-close backstop.
    long detected = db.last("compile").at().toEpochMilli();
    assertThat(detected - killedAt).isLessThan(Duration.ofSeconds(30).toMillis());
  }

  @Test
  void searchAttributesFollowTheBuildStatus() {
    cluster.script("build", Script.succeeds().lasting(Duration.ofSeconds(1)));
    BuildRequest request = request(20, job("build"));
    start(request);
    cluster.awaitCreated("build-20-build-1");

    SearchAttributes whileRunning = attributes(20);
    assertThat(whileRunning.get(BuildSearchAttributes.PIPELINE_ID)).isEqualTo("3");
    assertThat(whileRunning.get(BuildSearchAttributes.STATUS)).isEqualTo("RUNNING");
    result(20);
    assertThat(attributes(20).get(BuildSearchAttributes.STATUS)).isEqualTo("SUCCEEDED");

    // Started without them (a namespace that does not have them): it runs the same.
    BuildRequest plain = request(21, job("build"));
    WorkflowClient.start(stub(plain, false)::run, plain);
    assertThat(result(21).status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(attributes(21).containsKey(BuildSearchAttributes.STATUS)).isFalse();
  }

  @Test
  void invalidRequestFailsTheBuildNamingTheFields() {
    BuildRequest request = withParallelism(request(22, job("build").timeoutMinutes(0)), 0);

    BuildView ended = run(request);

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.message())
        .isEqualTo(
            "invalid build request: settings.parallelism must be at least 1 (was 0); "
                + "jobs.build.timeout-minutes must be at least 1 (was 0)");
    assertThat(db.buildStatuses()).containsExactly(BuildStatus.FAILED);
    assertThat(cluster.attaches()).isEmpty();
    // Nothing ran, so there is nothing to clean up.
    assertThat(cluster.cleanups()).isEmpty();
  }

  // ---- expressions, matrix -------------------------------------------------------------------

  private static final BuildTrigger DISPATCH_ON_MAIN =
      new BuildTrigger(
          "workflow_dispatch",
          "refs/heads/main",
          "abc123",
          "alice",
          "demo",
          3,
          Map.of("target", "prod"));

  @Test
  void expressionsDecideJobsAndFillTheirScripts() throws IOException {
    BuildRequest request =
        yamlRequest(
            40,
            """
            name: ci
            env:
              REF: ${{ github.ref }}
            jobs:
              build:
                env:
                  WHO: ${{ github.actor }}
                steps:
                  - name: build ${{ github.sha }}
                    run: echo "building ${{ github.ref_name }} for ${{ inputs.target }}"
                    env:
                      WHERE: ${{ env.REF }}/${{ runner.os }}
              deploy:
                needs: build
                if: github.ref == 'refs/heads/main' && needs.build.result == 'success'
                steps:
                  - run: echo deploy ${{ needs.build.result }}
              preview:
                needs: build
                if: startsWith(github.ref, 'refs/pull/')
                steps:
                  - run: echo preview
              report:
                needs: [deploy, preview]
                if: always() && contains(needs.*.result, 'SKIPPED')
                steps:
                  - run: echo ${{ toJSON(needs.preview.result) }} ${{ format('{0}#{1}', github.repository, github.run_number) }}
            """,
            DISPATCH_ON_MAIN);

    BuildView ended = run(request);

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::message)
        .containsExactly(
            tuple("build", JobStatus.SUCCEEDED, null),
            tuple("deploy", JobStatus.SUCCEEDED, null),
            tuple(
                "preview",
                JobStatus.SKIPPED,
                "skipped: if startsWith(github.ref, 'refs/pull/') is false"),
            tuple("report", JobStatus.SUCCEEDED, null));
    JobRun build = runOf("build");
    assertThat(build.env())
        .containsEntry("REF", "refs/heads/main")
        .containsEntry("WHO", "alice")
        .containsEntry("GITHUB_SHA", "abc123")
        .containsEntry("GITHUB_EVENT_NAME", "workflow_dispatch")
        .containsEntry("GITHUB_RUN_ID", "40")
        .containsEntry("GITHUB_JOB", "build")
        .containsEntry("CI", "true");
    assertThat(build.steps())
        .containsExactly(
            new StepSpec(
                "build abc123",
                "echo \"building main for prod\"",
                Map.of("WHERE", "refs/heads/main/Linux")));
    assertThat(runOf("deploy").steps().get(0).run()).isEqualTo("echo deploy success");
    assertThat(runOf("report").steps().get(0).run()).isEqualTo("echo \"skipped\" demo#3");
    assertThat(cluster.createdNames()).noneMatch(name -> name.contains("preview"));

    recordHistory("expressions", 40);
  }

  @Test
  void varsFromTheRequestsSnapshotDecideJobsAndFillTheirScripts() throws IOException {
    BuildRequest plain =
        yamlRequest(
            70,
            """
            jobs:
              show:
                steps:
                  - name: show ${{ vars.deploy_env }}
                    run: echo "env=${{ vars.DEPLOY_ENV }} region=${{ vars.Region }} unset=[${{ vars.NOPE }}]"
              release:
                if: vars.RELEASE == 'yes'
                steps:
                  - run: echo release to ${{ vars.deploy_env }}
              hold:
                if: vars.RELEASE != 'yes'
                steps:
                  - run: echo holding
              all:
                needs: [release, hold]
                if: always()
                steps:
                  - run: echo '${{ toJSON(vars) }}'
            """,
            DISPATCH_ON_MAIN);
    Map<String, String> vars = new java.util.HashMap<>();
    vars.put("RELEASE", "yes");
    vars.put("REGION", "eu-west");
    vars.put("DEPLOY_ENV", "staging");
    BuildRequest request =
        new BuildRequest(
            plain.buildId(),
            plain.pipelineId(),
            plain.dag(),
            plain.settings(),
            plain.reused(),
            plain.trigger(),
            vars);

    BuildView ended = run(request);

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::message)
        .containsExactly(
            tuple("show", JobStatus.SUCCEEDED, null),
            tuple("release", JobStatus.SUCCEEDED, null),
            tuple("hold", JobStatus.SKIPPED, "skipped: if vars.RELEASE != 'yes' is false"),
            tuple("all", JobStatus.SUCCEEDED, null));
    // Names are case-insensitive; an unset variable is empty, as on GitHub.
    assertThat(runOf("show").steps())
        .containsExactly(
            new StepSpec("show staging", "echo \"env=staging region=eu-west unset=[]\"", Map.of()));
    assertThat(runOf("release").steps().get(0).run()).isEqualTo("echo release to staging");
    // Sorted by name, whatever order the snapshot came in: replays iterate it identically.
    assertThat(runOf("all").steps().get(0).run())
        .isEqualTo(
            "echo '{\n  \"DEPLOY_ENV\": \"staging\",\n  \"REGION\": \"eu-west\",\n"
                + "  \"RELEASE\": \"yes\"\n}'");
    assertThat(cluster.createdNames()).noneMatch(name -> name.contains("hold"));

    recordHistory("vars", 70);
  }

  @Test
  void withoutVariablesTheVarsContextIsEmptyAndAJobGuardedByOneIsSkipped() {
    BuildView ended =
        run(
            yamlRequest(
                71,
                """
                jobs:
                  release:
                    if: vars.RELEASE == 'yes'
                    steps:
                      - run: echo release
                  show:
                    steps:
                      - run: echo "[${{ vars.RELEASE }}]"
                """,
                DISPATCH_ON_MAIN));

    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status)
        .containsExactly(tuple("release", JobStatus.SKIPPED), tuple("show", JobStatus.SUCCEEDED));
    assertThat(runOf("show").steps().get(0).run()).isEqualTo("echo \"[]\"");
  }

  @Test
  void anExpressionThatFailsFailsItsJob() {
    BuildRequest request =
        yamlRequest(
            41,
            """
            jobs:
              a:
                steps: [{run: echo a}]
              b:
                needs: a
                if: fromJSON('{not json') == 1
                steps: [{run: echo b}]
              c:
                needs: a
                steps: [{run: "echo ${{ format('{1}', 'x') }}"}]
            """,
            DISPATCH_ON_MAIN);

    BuildView ended = run(request);

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status)
        .containsExactly(
            tuple("a", JobStatus.SUCCEEDED),
            tuple("b", JobStatus.FAILED),
            tuple("c", JobStatus.FAILED));
    assertThat(messageOf(ended, "b")).startsWith("jobs.b.if: fromJSON(): not JSON");
    assertThat(messageOf(ended, "c"))
        .isEqualTo(
            "jobs.c.steps[0].run: format(): placeholder {1} but only 1 argument after the format"
                + " string");
    assertThat(cluster.createdNames()).containsExactly("build-41-a-1");
  }

  private static final String MATRIX =
      """
      jobs:
        test:
          strategy:
            fail-fast: %s
            max-parallel: %s
            matrix:
              jdk: [17, 21]
              os: [ubuntu, alpine]
              exclude:
                - jdk: 17
                  os: alpine
              include:
                - jdk: 21
                  os: ubuntu
                  experimental: true
          steps:
            - run: echo jdk ${{ matrix.jdk }} on ${{ matrix.os }} ${{ strategy.job-index }}/${{ strategy.job-total }} ${{ matrix.experimental }}
        publish:
          needs: test
          steps:
            - run: echo publish
        report:
          needs: test
          if: always()
          steps:
            - run: echo ${{ needs.test.result }}
      """;

  @Test
  void matrixInstancesRunWithTheirValuesAndNeedsWaitForAll() throws IOException {
    BuildRequest request = yamlRequest(42, MATRIX.formatted("true", "3"), DISPATCH_ON_MAIN);

    BuildView ended = run(request);

    assertThat(ended.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status)
        .containsExactly(
            tuple("test (17, ubuntu)", JobStatus.SUCCEEDED),
            tuple("test (21, ubuntu, true)", JobStatus.SUCCEEDED),
            tuple("test (21, alpine)", JobStatus.SUCCEEDED),
            tuple("publish", JobStatus.SUCCEEDED),
            tuple("report", JobStatus.SUCCEEDED));
    assertThat(runOf("test (17, ubuntu)").steps().get(0).run())
        .isEqualTo("echo jdk 17 on ubuntu 0/3 ");
    assertThat(runOf("test (21, ubuntu, true)").steps().get(0).run())
        .isEqualTo("echo jdk 21 on ubuntu 1/3 true");
    assertThat(runOf("test (21, alpine)").steps().get(0).run())
        .isEqualTo("echo jdk 21 on alpine 2/3 ");
    assertThat(runOf("report").steps().get(0).run()).isEqualTo("echo success");
    long lastTest =
        request.dag().jobs().stream()
            .filter(j -> j.group().equals("test"))
            .mapToLong(j -> db.window(j.id()).endMillis())
            .max()
            .orElseThrow();
    assertThat(db.window("publish").startMillis()).isGreaterThanOrEqualTo(lastTest);
    assertThat(cluster.mostLive()).isEqualTo(3);

    recordHistory("matrix", 42);
  }

  @Test
  void failFastCancelsTheOtherInstancesAndFailsTheMatrix() throws IOException {
    cluster.script("test (17, ubuntu)", Script.exits(1));
    cluster.script("test (21, ubuntu, true)", Script.succeeds().lasting(FOREVER));
    cluster.script("test (21, alpine)", Script.succeeds().lasting(FOREVER));

    BuildView ended = run(yamlRequest(43, MATRIX.formatted("true", "3"), DISPATCH_ON_MAIN));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status, JobView::message)
        .containsExactly(
            tuple("test (17, ubuntu)", JobStatus.FAILED, "exit 1"),
            tuple(
                "test (21, ubuntu, true)",
                JobStatus.CANCELLED,
                "cancelled: fail-fast, 'test (17, ubuntu)' failed"),
            tuple(
                "test (21, alpine)",
                JobStatus.CANCELLED,
                "cancelled: fail-fast, 'test (17, ubuntu)' failed"),
            tuple("publish", JobStatus.SKIPPED, "skipped: needs 'test (17, ubuntu)' failed"),
            tuple("report", JobStatus.SUCCEEDED, null));
    assertThat(runOf("report").steps().get(0).run()).isEqualTo("echo failure");
    assertThat(cluster.deleted())
        .contains(
            runOf("test (21, ubuntu, true)").resourceName(),
            runOf("test (21, alpine)").resourceName());

    recordHistory("matrix-fail-fast", 43);
  }

  @Test
  void maxParallelRunsInstancesOneAtATimeAndWithoutFailFastAllRun() {
    cluster.script("test (21, ubuntu, true)", Script.exits(3));

    BuildView ended = run(yamlRequest(44, MATRIX.formatted("false", "1"), DISPATCH_ON_MAIN));

    assertThat(ended.status()).isEqualTo(BuildStatus.FAILED);
    assertThat(ended.jobs())
        .extracting(JobView::id, JobView::status)
        .containsExactly(
            tuple("test (17, ubuntu)", JobStatus.SUCCEEDED),
            tuple("test (21, ubuntu, true)", JobStatus.FAILED),
            tuple("test (21, alpine)", JobStatus.SUCCEEDED),
            tuple("publish", JobStatus.SKIPPED),
            tuple("report", JobStatus.SUCCEEDED));
    assertThat(cluster.mostLive()).isEqualTo(1);
    assertThat(runOf("report").steps().get(0).run()).isEqualTo("echo failure");
  }

  private static final String GROUPED =
      """
      concurrency:
        group: deploy-${{ github.ref }}
        cancel-in-progress: %s
      jobs:
        a:
          steps: [{run: echo a}]
      """;

  private void awaitPending(long buildId) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Long.valueOf(buildId).equals(group().pending())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("build " + buildId + " never waited for the group");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private ConcurrencyWorkflow.ConcurrencyState group() {
    return client
        .newWorkflowStub(
            ConcurrencyWorkflow.class, "concurrency-" + PIPELINE + "-deploy-refs/heads/main")
        .state();
  }

  @Test
  void aConcurrencyGroupRunsOneBuildAtATimeAndANewerWaitingBuildSupersedesAnOlder()
      throws IOException {
    cluster.script("a", Script.succeeds().lasting(Duration.ofSeconds(2)));
    start(yamlRequest(50, GROUPED.formatted("false"), DISPATCH_ON_MAIN));
    cluster.awaitCreated("build-50-a-1");
    start(yamlRequest(51, GROUPED.formatted("false"), DISPATCH_ON_MAIN));
    awaitPending(51);
    assertThat(running(51).state().status()).isEqualTo(BuildStatus.QUEUED);
    start(yamlRequest(52, GROUPED.formatted("false"), DISPATCH_ON_MAIN));

    BuildView first = result(50);
    BuildView superseded = result(51);
    BuildView last = result(52);

    assertThat(first.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(superseded.status()).isEqualTo(BuildStatus.CANCELLED);
    String why = "superseded by build 52 in concurrency group 'deploy-refs/heads/main'";
    assertThat(superseded.message()).isEqualTo(why);
    assertThat(superseded.jobs())
        .extracting(JobView::status, JobView::message)
        .containsExactly(tuple(JobStatus.CANCELLED, why));
    assertThat(last.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(cluster.creations("build-51-a-1")).isZero();
    assertThat(db.window("a").startMillis()).isPositive();
    recordHistory("concurrency", 52);
    recordGroupHistory("concurrency-" + PIPELINE + "-deploy-refs/heads/main");
  }

  @Test
  void cancelInProgressCancelsTheBuildHoldingTheGroup() {
    cluster.script("a", Script.succeeds().lasting(Duration.ofSeconds(2)));
    start(yamlRequest(53, GROUPED.formatted("true"), DISPATCH_ON_MAIN));
    cluster.awaitCreated("build-53-a-1");
    start(yamlRequest(54, GROUPED.formatted("true"), DISPATCH_ON_MAIN));

    BuildView cancelled = result(53);
    BuildView next = result(54);

    assertThat(cancelled.status()).isEqualTo(BuildStatus.CANCELLED);
    assertThat(cancelled.message())
        .isEqualTo(
            "cancelled: cancel-in-progress of build 54 in concurrency group"
                + " 'deploy-refs/heads/main'");
    assertThat(cluster.deleted()).contains("build-53-a-1");
    assertThat(next.status()).isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(cluster.creations("build-54-a-1")).isEqualTo(1);
  }

  private JobRun runOf(String jobId) {
    return cluster.runs().stream()
        .filter(r -> r.jobId().equals(jobId))
        .findFirst()
        .orElseThrow(() -> new AssertionError("job " + jobId + " never ran"));
  }

  private static String messageOf(BuildView view, String jobId) {
    return view.jobs().stream()
        .filter(j -> j.id().equals(jobId))
        .findFirst()
        .orElseThrow()
        .message();
  }

  /** A build of {@code yaml} as the API starts it: parsed, matrices expanded for the trigger. */
  private static BuildRequest yamlRequest(long buildId, String yaml, BuildTrigger trigger) {
    Dag parsed = PipelineParser.parse(yaml);
    Dag dag =
        MatrixExpansion.expand(
            parsed, BuildContexts.workflowContexts(trigger, buildId, parsed.name()));
    return new BuildRequest(buildId, PIPELINE, dag, SETTINGS, Map.of(), trigger);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A job of the pipeline; by default one step, no needs, success(). */
  private static JobBuilder job(String id) {
    return new JobBuilder(id);
  }

  private static final class JobBuilder {
    private final String id;
    private List<String> needs = List.of();
    private String image;
    private Map<String, String> env = Map.of();
    private Integer timeoutMinutes;
    private boolean continueOnError;
    private JobCondition condition = JobCondition.SUCCESS;
    private int retries;

    JobBuilder(String id) {
      this.id = id;
    }

    JobBuilder needs(String... ids) {
      needs = Arrays.asList(ids);
      return this;
    }

    JobBuilder image(String value) {
      image = value;
      return this;
    }

    JobBuilder env(Map<String, String> value) {
      env = value;
      return this;
    }

    JobBuilder timeoutMinutes(int value) {
      timeoutMinutes = value;
      return this;
    }

    JobBuilder continueOnError() {
      continueOnError = true;
      return this;
    }

    JobBuilder when(JobCondition value) {
      condition = value;
      return this;
    }

    JobBuilder retries(int value) {
      retries = value;
      return this;
    }

    JobSpec build() {
      StepSpec step = new StepSpec("make " + id, "make " + id, Map.of("STEP", id));
      return new JobSpec(
          id,
          id,
          needs,
          image,
          env,
          List.of(step),
          timeoutMinutes,
          continueOnError,
          condition,
          retries);
    }
  }

  private static BuildRequest request(long buildId, JobBuilder... jobs) {
    List<JobSpec> specs = new ArrayList<>();
    for (JobBuilder job : jobs) {
      specs.add(job.build());
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CI", "true");
    env.put("LEVEL", "pipeline");
    return new BuildRequest(buildId, PIPELINE, new Dag("ci", env, specs, null), SETTINGS, Map.of());
  }

  private static BuildRequest withParallelism(BuildRequest r, int parallelism) {
    BuildSettings s = r.settings();
    return withSettings(
        r,
        new BuildSettings(
            s.runner(),
            s.runnerTaskQueue(),
            parallelism,
            s.defaultJobTimeout(),
            s.heartbeatTimeout(),
            s.defaultImage()));
  }

  private static BuildRequest withRunnerQueue(BuildRequest r, String queue) {
    BuildSettings s = r.settings();
    return withSettings(
        r,
        new BuildSettings(
            s.runner(),
            queue,
            s.parallelism(),
            s.defaultJobTimeout(),
            s.heartbeatTimeout(),
            s.defaultImage()));
  }

  private static BuildRequest withSettings(BuildRequest r, BuildSettings settings) {
    return new BuildRequest(r.buildId(), r.pipelineId(), r.dag(), settings, r.reused());
  }

  private static BuildRequest withReused(BuildRequest r, Map<String, ReusedJob> reused) {
    return new BuildRequest(r.buildId(), r.pipelineId(), r.dag(), r.settings(), reused);
  }

  /** Starts {@code build-<id>} as the API does: on the orchestration queue, with its attributes. */
  private void start(BuildRequest request) {
    WorkflowClient.start(stub(request, true)::run, request);
  }

  private BuildWorkflow stub(BuildRequest request, boolean withAttributes) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(request.workflowId())
            .setTaskQueue(ORCHESTRATION)
            .setWorkflowExecutionTimeout(Duration.ofHours(2));
    if (withAttributes) {
      options.setTypedSearchAttributes(BuildSearchAttributes.initial(request));
    }
    return client.newWorkflowStub(BuildWorkflow.class, options.build());
  }

  private BuildView run(BuildRequest request) {
    start(request);
    return result(request.buildId());
  }

  private BuildView result(long buildId) {
    try {
      return client
          .newUntypedWorkflowStub("build-" + buildId)
          .getResult(60, TimeUnit.SECONDS, BuildView.class);
    } catch (TimeoutException e) {
      throw new AssertionError("build " + buildId + " did not finish", e);
    }
  }

  private BuildWorkflow running(long buildId) {
    return client.newWorkflowStub(BuildWorkflow.class, "build-" + buildId);
  }

  private SearchAttributes attributes(long buildId) {
    return client.newUntypedWorkflowStub("build-" + buildId).describe().getTypedSearchAttributes();
  }

  private static JobStatus statusOf(BuildView view, String jobId) {
    return view.jobs().stream()
        .filter(j -> j.id().equals(jobId))
        .findFirst()
        .orElseThrow()
        .status();
  }

  /** The activities the run called, local ones included, in the order it issued the commands. */
  private List<String> activityCalls(long buildId) {
    List<String> calls = new ArrayList<>();
    for (HistoryEvent event : client.fetchHistory("build-" + buildId).getEvents()) {
      if (event.hasActivityTaskScheduledEventAttributes()) {
        calls.add(event.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      } else if (event.hasMarkerRecordedEventAttributes()) {
        MarkerRecordedEventAttributes marker = event.getMarkerRecordedEventAttributes();
        if (marker.getMarkerName().equals("LocalActivity")) {
          Payloads type = marker.getDetailsOrThrow("type");
          calls.add(
              DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                  0, Optional.of(type), String.class, String.class));
        }
      }
    }
    return calls;
  }

  /** The concurrency group's history, for {@link BuildWorkflowReplayTest}, once it ended. */
  private void recordGroupHistory(String workflowId) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    try {
      client.newUntypedWorkflowStub(workflowId).getResult(30, TimeUnit.SECONDS, Void.class);
    } catch (TimeoutException e) {
      throw new AssertionError("group " + workflowId + " did not end", e);
    }
    Path file = Path.of(dir).resolve("concurrency-v1-supersede.json");
    Files.writeString(file, client.fetchHistory(workflowId).toJson(true));
  }

  /**
   * Writes the finished run's history for {@link BuildWorkflowReplayTest} when the system property
   * {@code opsflow.recordHistories} names a directory.
   */
  private void recordHistory(String scenario, long buildId) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path file = Path.of(dir).resolve("build-" + RECORDED_VERSION + "-" + scenario + ".json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, client.fetchHistory("build-" + buildId).toJson(true));
  }
}
