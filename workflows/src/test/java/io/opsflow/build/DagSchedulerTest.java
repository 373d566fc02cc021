package io.opsflow.build;

import static io.opsflow.build.JobStatus.CANCELLED;
import static io.opsflow.build.JobStatus.FAILED;
import static io.opsflow.build.JobStatus.RUNNING;
import static io.opsflow.build.JobStatus.SKIPPED;
import static io.opsflow.build.JobStatus.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.DagScheduler.Decision;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler's decisions follow GitHub Actions' job semantics. */
class DagSchedulerTest {

  private static final Decision NOTHING = new Decision(List.of(), List.of(), List.of());

  @Test
  void diamondRunsEachJobOnceAllItsNeedsSucceeded() {
    DagScheduler scheduler = scheduler(job("a"), job("b", "a"), job("c", "a"), job("d", "b", "c"));
    Map<String, JobStatus> s = new HashMap<>();

    assertThat(scheduler.next(s, false)).isEqualTo(runs("a"));
    s.put("a", RUNNING);
    assertThat(scheduler.next(s, false)).isEqualTo(NOTHING);
    s.put("a", SUCCEEDED);
    assertThat(scheduler.next(s, false)).isEqualTo(runs("b", "c"));
    s.put("b", SUCCEEDED);
    s.put("c", RUNNING);
    assertThat(scheduler.next(s, false)).as("d waits for c").isEqualTo(NOTHING);
    s.put("c", SUCCEEDED);
    assertThat(scheduler.next(s, false)).isEqualTo(runs("d"));
    assertThat(scheduler.finished(s)).isFalse();
    s.put("d", SUCCEEDED);
    assertThat(scheduler.finished(s)).isTrue();
    assertThat(scheduler.result(s, false)).isEqualTo(BuildStatus.SUCCEEDED);
  }

  @Test
  void failedJobSkipsItsDependentsTransitivelyWhileAnIndependentBranchRuns() {
    DagScheduler scheduler =
        scheduler(
            job("build"),
            job("test", "build"),
            job("deploy", "test"),
            job("docs"),
            job("publish", "docs"));
    Map<String, JobStatus> s = statuses("build", FAILED, "docs", SUCCEEDED);

    assertThat(scheduler.next(s, false))
        .isEqualTo(new Decision(List.of("publish"), List.of("test"), List.of()));
    s.put("publish", SUCCEEDED);
    s.put("test", SKIPPED);
    assertThat(scheduler.next(s, false))
        .isEqualTo(new Decision(List.of(), List.of("deploy"), List.of()));
    s.put("deploy", SKIPPED);
    assertThat(scheduler.finished(s)).isTrue();
    assertThat(scheduler.result(s, false)).isEqualTo(BuildStatus.FAILED);
  }

  @Test
  void continueOnErrorFailureLetsDependentsRunAndTheBuildSucceeds() {
    DagScheduler scheduler =
        scheduler(
            job("build"),
            spec("lint", JobCondition.SUCCESS, true, "build"),
            job("deploy", "build", "lint"));
    Map<String, JobStatus> s = statuses("build", SUCCEEDED, "lint", FAILED);

    assertThat(scheduler.next(s, false)).isEqualTo(runs("deploy"));
    s.put("deploy", SUCCEEDED);
    assertThat(scheduler.result(s, false)).isEqualTo(BuildStatus.SUCCEEDED);
  }

  @Test
  void failureConditionRunsOnlyWhenAnAncestorFailed() {
    DagScheduler scheduler =
        scheduler(
            job("build"),
            job("test", "build"),
            spec("notify", JobCondition.FAILURE, false, "test"));

    // build failed, test was skipped: notify's direct need did not fail, but its ancestor did.
    Map<String, JobStatus> failed = statuses("build", FAILED, "test", SKIPPED);
    assertThat(scheduler.next(failed, false)).isEqualTo(runs("notify"));

    Map<String, JobStatus> green = statuses("build", SUCCEEDED, "test", SUCCEEDED);
    assertThat(scheduler.next(green, false)).isEqualTo(skips("notify"));
  }

  @Test
  void failureConditionIgnoresFailuresThatContinueOnError() {
    DagScheduler scheduler =
        scheduler(
            spec("flaky", JobCondition.SUCCESS, true),
            spec("notify", JobCondition.FAILURE, false, "flaky"));

    assertThat(scheduler.next(statuses("flaky", FAILED), false)).isEqualTo(skips("notify"));
  }

  @Test
  void alwaysRunsAfterAFailureAndAfterCancel() {
    DagScheduler scheduler =
        scheduler(
            job("build"),
            job("test", "build"),
            spec("cleanup", JobCondition.ALWAYS, false, "test"));

    Map<String, JobStatus> failed = statuses("build", FAILED, "test", SKIPPED);
    assertThat(scheduler.next(failed, false)).isEqualTo(runs("cleanup"));

    // Cancel while build ran: build ends CANCELLED, test is cancelled, cleanup still runs.
    Map<String, JobStatus> s = statuses("build", CANCELLED);
    assertThat(scheduler.next(s, true)).isEqualTo(cancels("test"));
    s.put("test", CANCELLED);
    assertThat(scheduler.next(s, true)).isEqualTo(runs("cleanup"));
  }

  @Test
  void notCancelledRunsAfterAFailureButNotAfterCancel() {
    DagScheduler scheduler =
        scheduler(job("build"), spec("report", JobCondition.NOT_CANCELLED, false, "build"));

    assertThat(scheduler.next(statuses("build", FAILED), false)).isEqualTo(runs("report"));
    assertThat(scheduler.next(statuses("build", CANCELLED), true)).isEqualTo(cancels("report"));
  }

  @Test
  void cancelMarksPendingJobsCancelledOnceTheirNeedsHaveFinished() {
    DagScheduler scheduler =
        scheduler(
            job("build"),
            job("waiting"),
            job("test", "build"),
            spec("retry-later", JobCondition.FAILURE, false, "build"),
            spec("cleanup", JobCondition.ALWAYS, false, "build"));
    // build is running; waiting never started (parallelism was full).
    Map<String, JobStatus> s = statuses("build", RUNNING);

    assertThat(scheduler.next(s, true)).isEqualTo(cancels("waiting"));
    s.put("waiting", CANCELLED);
    s.put("build", CANCELLED);
    assertThat(scheduler.next(s, true))
        .isEqualTo(new Decision(List.of("cleanup"), List.of(), List.of("test", "retry-later")));
    s.put("test", CANCELLED);
    s.put("retry-later", CANCELLED);
    s.put("cleanup", SUCCEEDED);
    assertThat(scheduler.finished(s)).isTrue();
    assertThat(scheduler.result(s, true)).isEqualTo(BuildStatus.CANCELLED);
  }

  @Test
  void resultIsFailedOnlyForAFailureThatDoesNotContinueOnError() {
    DagScheduler scheduler =
        scheduler(
            job("build"),
            spec("lint", JobCondition.SUCCESS, true),
            spec("notify", JobCondition.FAILURE, false, "build"));

    assertThat(
            scheduler.result(
                statuses("build", SUCCEEDED, "lint", SUCCEEDED, "notify", SKIPPED), false))
        .as("a skipped failure() job does not fail the build")
        .isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(
            scheduler.result(
                statuses("build", SUCCEEDED, "lint", FAILED, "notify", SKIPPED), false))
        .isEqualTo(BuildStatus.SUCCEEDED);
    assertThat(
            scheduler.result(
                statuses("build", FAILED, "lint", SUCCEEDED, "notify", SUCCEEDED), false))
        .as("a failure() job that ran does not turn the failure into success")
        .isEqualTo(BuildStatus.FAILED);
    assertThat(
            scheduler.result(
                statuses("build", SUCCEEDED, "lint", SUCCEEDED, "notify", SKIPPED), true))
        .isEqualTo(BuildStatus.CANCELLED);
  }

  @Test
  void finishedOnlyWhenNoJobIsPendingOrRunning() {
    DagScheduler scheduler = scheduler(job("a"), job("b", "a"));

    assertThat(scheduler.finished(Map.of())).isFalse();
    assertThat(scheduler.finished(statuses("a", SUCCEEDED, "b", RUNNING))).isFalse();
    assertThat(scheduler.finished(statuses("a", FAILED, "b", SKIPPED))).isTrue();
  }

  private static DagScheduler scheduler(JobSpec... jobs) {
    return new DagScheduler(new Dag("test", Map.of(), List.of(jobs), List.of()));
  }

  private static JobSpec job(String id, String... needs) {
    return spec(id, JobCondition.SUCCESS, false, needs);
  }

  private static JobSpec spec(
      String id, JobCondition condition, boolean continueOnError, String... needs) {
    return new JobSpec(
        id,
        id,
        Arrays.asList(needs),
        null,
        Map.of(),
        List.of(new StepSpec(null, "true", Map.of())),
        null,
        continueOnError,
        condition,
        0);
  }

  private static Map<String, JobStatus> statuses(Object... idAndStatus) {
    Map<String, JobStatus> statuses = new HashMap<>();
    for (int i = 0; i < idAndStatus.length; i += 2) {
      statuses.put((String) idAndStatus[i], (JobStatus) idAndStatus[i + 1]);
    }
    return statuses;
  }

  private static Decision runs(String... ids) {
    return new Decision(List.of(ids), List.of(), List.of());
  }

  private static Decision skips(String... ids) {
    return new Decision(List.of(), List.of(ids), List.of());
  }

  private static Decision cancels(String... ids) {
    return new Decision(List.of(), List.of(), List.of(ids));
  }
}
