package io.opsflow.build;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Functions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One job as the build workflow tracks it: its status, current attempt and the cancellation scope
 * of whatever it is waiting on (its runner activity or its retry backoff). Workflow code only.
 */
final class BuildJob {

  final JobSpec spec;
  private JobStatus status = JobStatus.PENDING;
  private int attempt;
  private Integer exitCode;
  private String message;
  private Instant startedAt;
  private Instant finishedAt;
  private Long reusedFromBuild;
  private CancellationScope scope;
  private boolean cancelRequested;
  private String cancelReason;

  BuildJob(JobSpec spec) {
    this.spec = spec;
  }

  String id() {
    return spec.id();
  }

  JobStatus status() {
    return status;
  }

  int attempt() {
    return attempt;
  }

  Integer exitCode() {
    return exitCode;
  }

  String message() {
    return message;
  }

  Instant startedAt() {
    return startedAt;
  }

  Long reusedFromBuild() {
    return reusedFromBuild;
  }

  boolean cancelRequested() {
    return cancelRequested;
  }

  /** RUNNING from now on, before its first attempt is recorded (it takes a parallelism slot). */
  void launched(Instant at) {
    status = JobStatus.RUNNING;
    attempt = 1;
    startedAt = at;
  }

  /** Attempt {@code n} starts: the previous attempt's exit and message no longer describe it. */
  void attempt(int n) {
    attempt = n;
    exitCode = null;
    message = null;
  }

  /** A failed attempt that will be retried: still RUNNING. */
  void attemptFailed(Integer exit, String why) {
    exitCode = exit;
    message = why;
  }

  /** Carried over from the build a re-run repeats. */
  void reused(ReusedJob from) {
    attempt = from.attempt();
    reusedFromBuild = from.fromBuildId();
  }

  void finished(JobStatus finalStatus, Integer exit, String why, Instant at) {
    status = finalStatus;
    if (exit != null) {
      exitCode = exit;
    }
    message = why;
    finishedAt = at;
    scope = null;
  }

  /**
   * Starts {@code start} inside a fresh cancellation scope of this job, so {@link #cancel} stops it
   * (and only it). A job already asked to cancel gets a promise that fails with CanceledFailure.
   */
  <T> Promise<T> inScope(Functions.Func<Promise<T>> start) {
    List<Promise<T>> started = new ArrayList<>(1);
    scope = Workflow.newCancellationScope(() -> started.add(start.apply()));
    scope.run();
    if (cancelRequested) {
      scope.cancel();
    }
    return started.get(0);
  }

  /** Why this job alone was cancelled (fail-fast), or null. */
  String cancelReason() {
    return cancelReason;
  }

  /** Cancels this job alone, for {@code reason}. */
  void cancel(String reason) {
    cancelReason = reason;
    cancel();
  }

  /** Cancels what the job waits on; the job's own coroutine records the outcome. */
  void cancel() {
    cancelRequested = true;
    if (scope != null) {
      scope.cancel();
    }
  }

  JobView view() {
    return new JobView(
        spec.id(), status, attempt, exitCode, message, startedAt, finishedAt, reusedFromBuild);
  }
}
