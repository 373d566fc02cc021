package io.opsflow.build.runner;

import static io.opsflow.build.runner.Runs.run;
import static io.opsflow.build.runner.Runs.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobOutcome;
import io.opsflow.build.JobRun;
import io.opsflow.build.JobRunnerActivities;
import io.opsflow.build.JobRunnerActivities.BuildCleanup;
import io.opsflow.build.local.LocalJobBackend;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner activity over real local processes, invoked through Temporal's activity test
 * environment (real heartbeats and cancellation), with the log table's semantics in memory.
 */
class JobRunnerActivitiesImplTest {

  private static final ActivityOptions OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setHeartbeatTimeout(Duration.ofSeconds(1))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  @TempDir Path workDir;

  private final InMemoryBuildLogs logs = new InMemoryBuildLogs();
  private final long buildId = Runs.newBuildId();
  private final List<TestActivityEnvironment> envs = new ArrayList<>();
  private TestActivityEnvironment env;
  private LocalJobBackend backend;

  @BeforeEach
  void start() {
    backend = new LocalJobBackend(workDir, Duration.ofSeconds(1));
  }

  @AfterEach
  void stop() {
    envs.forEach(TestActivityEnvironment::close);
    backend.deleteWorkspace(buildId);
  }

  /** The activity as a worker with its own backend instance would run it. */
  private JobRunnerActivities runner(JobBackend jobBackend) {
    env = TestActivityEnvironment.newInstance();
    envs.add(env);
    env.registerActivitiesImplementations(new JobRunnerActivitiesImpl(jobBackend, logs));
    return env.newActivityStub(JobRunnerActivities.class, OPTIONS);
  }

  @Test
  void aFinishedJobReturnsItsExitCodeAndStoresEveryLine() {
    JobRun run = run(buildId, "fails", "", step("echo one; echo two; exit 3"));

    JobOutcome outcome = runner(backend).runJob(run);

    assertThat(outcome).isEqualTo(new JobOutcome(3, null, 3));
    assertThat(logs.lines(buildId, "fails", 1))
        .containsExactly("##[step 1/1] echo one; echo two; exit 3", "one", "two");
  }

  @Test
  void aRetryAfterALostWorkerReattachesAndStoresEveryLineOnce() throws IOException {
    JobRun run =
        run(
            buildId,
            "build",
            "",
            step("echo ran >> runs.txt; echo a; echo b; while [ ! -f go ]; do sleep 0.1; done"),
            step("echo c; echo d"));
    JobBackend dyingWorker = new LoseWorkerAfter(backend, "b");

    assertThatThrownBy(() -> runner(dyingWorker).runJob(run))
        .isInstanceOf(ActivityFailure.class)
        .hasMessageContaining("worker lost");
    assertThat(logs.lines(buildId, "build", 1)).endsWith("b");

    Files.createFile(backend.workspace(buildId).resolve("go"));
    JobOutcome outcome = runner(new LocalJobBackend(workDir, Duration.ofSeconds(1))).runJob(run);

    List<String> expected =
        List.of(
            "##[step 1/2] echo ran >> runs.txt; echo a; echo b; while [ ! -f go ]; do sleep 0.1;"
                + " done",
            "a",
            "b",
            "##[step 2/2] echo c; echo d",
            "c",
            "d");
    assertThat(outcome).isEqualTo(new JobOutcome(0, null, expected.size()));
    assertThat(logs.lines(buildId, "build", 1)).isEqualTo(expected);
    assertThat(Files.readString(backend.workspace(buildId).resolve("runs.txt")))
        .as("the step ran once")
        .isEqualTo("ran\n");
  }

  @Test
  void aRetryOfAFinishedAttemptReturnsTheSameOutcomeWithoutRunningAgain() throws IOException {
    JobRun run = run(buildId, "once", "", step("echo ran >> runs.txt; echo done"));
    JobRunnerActivities runner = runner(backend);

    JobOutcome first = runner.runJob(run);
    JobOutcome second = runner.runJob(run);

    assertThat(second).isEqualTo(first).isEqualTo(new JobOutcome(0, null, 2));
    assertThat(Files.readString(backend.workspace(buildId).resolve("runs.txt"))).isEqualTo("ran\n");
  }

  @Test
  void cancellingTheActivityDeletesTheJob() throws Exception {
    JobRun run =
        run(
            buildId,
            "cancelled",
            "",
            Map.of(),
            300,
            step("sleep 300 & echo $! > child.pid; echo started; wait"));
    JobRunnerActivities runner = runner(backend);

    CompletableFuture<JobOutcome> call = CompletableFuture.supplyAsync(() -> runner.runJob(run));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> logs.lines(buildId, "cancelled", 1).contains("started"));
    env.requestCancelActivity();

    assertThatThrownBy(() -> call.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
    assertThat(backend.attemptDir(run)).doesNotExist();
    long child = Runs.pidIn(backend.workspace(buildId).resolve("child.pid"));
    assertThat(Runs.running(child)).as("the job's background process").isFalse();
  }

  @Test
  void aJobPastItsTimeoutFailsNonRetryablyAsTimedOut() {
    JobRun run = run(buildId, "slow", "", Map.of(), 1, step("echo started; sleep 300"));

    assertThatThrownBy(() -> runner(backend).runJob(run))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.TIMED_OUT.type());
              assertThat(f.getOriginalMessage()).isEqualTo("timed out after 1 s");
              assertThat(f.isNonRetryable()).isTrue();
            });
    assertThat(logs.lines(buildId, "slow", 1)).contains("started");
    assertThat(backend.attemptDir(run)).doesNotExist();
  }

  @Test
  void aRunNoRunnerCanExecuteIsRejectedNamingTheField() {
    JobRun run = run(buildId, "bad", "", Map.of("NOT-A-NAME", "x"), 60, step("echo never"));

    assertThatThrownBy(() -> runner(backend).runJob(run))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.INVALID_JOB.type());
              assertThat(f.getOriginalMessage())
                  .isEqualTo("env: 'NOT-A-NAME' is not a valid variable name");
            });
    assertThat(backend.attemptDir(run)).doesNotExist();
  }

  @Test
  void cleanupRemovesOnlyThatBuildsWorkspaceAndCanBeRepeated() {
    long other = Runs.newBuildId();
    JobRunnerActivities runner = runner(backend);
    try {
      runner.runJob(run(buildId, "build", "", step("echo artifact > app.txt")));
      runner.runJob(run(other, "build", "", step("echo other > app.txt")));

      runner.cleanupBuild(new BuildCleanup(buildId));
      // A retry after a worker died mid-cleanup finds nothing left and succeeds.
      runner.cleanupBuild(new BuildCleanup(buildId));

      assertThat(backend.workspace(buildId).getParent()).doesNotExist();
      assertThat(backend.workspace(other).resolve("app.txt")).hasContent("other\n");
    } finally {
      backend.deleteWorkspace(other);
    }
  }

  @Test
  void cleanupOfABuildIdThatCannotExistIsRejectedNamingTheField() {
    assertThatThrownBy(() -> runner(backend).cleanupBuild(new BuildCleanup(0)))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.INVALID_JOB.type());
              assertThat(f.getOriginalMessage()).isEqualTo("buildId must be > 0, was 0");
              assertThat(f.isNonRetryable()).isTrue();
            });
  }

  /** The backend of a worker that dies right after handing on {@code lastLine}. */
  private record LoseWorkerAfter(JobBackend backend, String lastLine) implements JobBackend {
    @Override
    public String kind() {
      return backend.kind();
    }

    @Override
    public boolean ensureStarted(JobRun run) {
      return backend.ensureStarted(run);
    }

    @Override
    public JobExit follow(JobRun run, long skip, LineSink lines, Runnable alive) {
      return backend.follow(
          run,
          skip,
          (lineNo, line) -> {
            lines.accept(lineNo, line);
            if (line.equals(lastLine)) {
              throw new Runs.WorkerLost();
            }
          },
          alive);
    }

    @Override
    public void delete(JobRun run) {
      backend.delete(run);
    }
  }
}
