package io.opsflow.build;

import io.opsflow.build.BuildActivities.BuildStatusChange;
import io.opsflow.build.BuildActivities.JobStatusChange;
import io.opsflow.build.JobRunnerActivities.BuildCleanup;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Deterministic CI build: the DAG engine of the seed's executor. Every job whose needs have
 * finished is decided by {@link DagScheduler}; those to run start (up to the parallelism) as a
 * heartbeating {@link JobRunnerActivities#runJob} on the runner's task queue, each in a coroutine
 * of its own that retries failed attempts. Rows are written through {@link BuildActivities} as
 * local activities, always before the workflow state moves on, so the database never lags behind
 * what the workflow acts upon. Once every job has finished, the build's workspace is removed from
 * the runner ({@link JobRunnerActivities#cleanupBuild}), then the build's result is recorded.
 */
public class BuildWorkflowImpl implements BuildWorkflow {

  /** Pause before a failed job's next attempt; a durable timer, so it survives worker restarts. */
  static final Duration RETRY_BACKOFF = Duration.ofSeconds(10);

  /** The workspace-cleanup change: version 1 removes the runner's workspace after the jobs. */
  static final String CLEANUP_CHANGE = "workspace-cleanup";

  /**
   * The expressions change: version 1 evaluates {@code if:} expressions and {@code ${{ }}} in env,
   * image and steps, runs matrix instances under fail-fast and max-parallel, and gives jobs the
   * trigger's GITHUB_* variables.
   */
  static final String EXPRESSIONS_CHANGE = "expressions";

  /** The concurrency change: version 1 waits for the pipeline's concurrency group. */
  static final String CONCURRENCY_CHANGE = "concurrency";

  private static final Logger log = Workflow.getLogger(BuildWorkflowImpl.class);

  private final BuildRequest request;
  private final Dag dag;
  private final DagScheduler scheduler;
  private final BuildActivities db;
  private final Map<String, BuildJob> jobs = new LinkedHashMap<>();

  private BuildStatus status = BuildStatus.QUEUED;
  private Instant startedAt;
  private Instant finishedAt;
  private String message;
  private boolean cancelled;
  private String cancelMessage;

  /** Bumped whenever a job reaches a final status: wakes the engine loop. */
  private int settledJobs;

  private boolean publishesStatus;

  private boolean cleansWorkspace;

  private boolean expressions;

  private boolean concurrencyOn;
  private boolean granted;
  private String concurrencyCancel;
  private String groupWorkflowId;

  /** {@code github}, {@code inputs}, {@code vars}: set once expressions are on. */
  private Map<String, Object> contexts;

  @WorkflowInit
  public BuildWorkflowImpl(BuildRequest request) {
    this.request = request;
    // A request without a DAG is reported by run(); the state stays queryable meanwhile.
    this.dag = request.dag() != null ? request.dag() : new Dag(null, null, List.of(), null);
    this.scheduler = new DagScheduler(dag);
    for (JobSpec job : dag.jobs()) {
      jobs.put(job.id(), new BuildJob(job));
    }
    this.db =
        Workflow.newLocalActivityStub(
            BuildActivities.class,
            LocalActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                // Backoffs longer than this wait on durable timers, closing the workflow task: a
                // database outage must not hold updates (cancel) back.
                .setLocalRetryThreshold(Duration.ofSeconds(2))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(2.0)
                        .setMaximumInterval(Duration.ofSeconds(30))
                        // Effectively unlimited: the rows must follow the workflow. Explicit
                        // because SDK 1.35 never retries a local activity that has neither a
                        // maximum of attempts nor a schedule-to-close timeout.
                        .setMaximumAttempts(Integer.MAX_VALUE)
                        .build())
                .build());
  }

  @Override
  public BuildView run(BuildRequest ignored) {
    // Asked first, before any command: getVersion yields to the other coroutines, so asked later
    // it could change the order commands are recorded in (the session flow learnt that), and
    // builds started before the cleanup existed would no longer replay.
    cleansWorkspace = Workflow.getVersion(CLEANUP_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
    expressions = Workflow.getVersion(EXPRESSIONS_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
    concurrencyOn = Workflow.getVersion(CONCURRENCY_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1;
    if (expressions) {
      contexts =
          BuildContexts.workflowContexts(
              request.trigger(), request.vars(), request.buildId(), dag.name());
      scheduler.withExpressions(contexts);
    }
    publishesStatus = Workflow.getTypedSearchAttributes().containsKey(BuildSearchAttributes.STATUS);
    // A cancel of the workflow itself (Temporal UI, CLI) gets the cancel update's semantics: the
    // engine runs detached from it, so rows and resources are cleaned up before the run closes
    // (as Canceled: the SDK closes a run whose cancel was requested so, whatever it returns).
    Promise<String> workflowCancel = CancellationScope.current().getCancellationRequest();
    BuildView[] result = new BuildView[1];
    Workflow.newDetachedCancellationScope(() -> result[0] = build(workflowCancel)).run();
    return result[0];
  }

  private BuildView build(Promise<String> workflowCancel) {
    List<String> problems = BuildRequestCheck.problems(request);
    if (!problems.isEmpty()) {
      finish(BuildStatus.FAILED, "invalid build request: " + String.join("; ", problems));
      return done();
    }
    if (concurrencyOn && expressions && dag.concurrency() != null) {
      String refused = awaitGroup(workflowCancel);
      if (refused != null) {
        for (BuildJob job : jobs.values()) {
          settle(job, JobStatus.CANCELLED, null, refused);
        }
        releaseGroup();
        finish(BuildStatus.CANCELLED, refused);
        return done();
      }
    }
    startedAt = now();
    db.buildStatus(new BuildStatusChange(request.buildId(), BuildStatus.RUNNING, startedAt, null));
    status = BuildStatus.RUNNING;
    publishStatus();
    reuse();
    while (true) {
      if (workflowCancel.isCompleted() && !cancelled) {
        requestCancel(new CancelBuild(workflowCancel.get(), null));
      }
      if (concurrencyCancel != null && !cancelled) {
        requestCancel(new CancelBuild(concurrencyCancel, null));
      }
      // Read before deciding: a job that settles while a decision is recorded wakes the wait.
      int seen = settledJobs;
      boolean sawCancel = cancelled;
      decide();
      if (scheduler.finished(statuses())) {
        break;
      }
      Workflow.await(
          () ->
              settledJobs != seen
                  || cancelled != sawCancel
                  || (workflowCancel.isCompleted() && !cancelled)
                  || (concurrencyCancel != null && !cancelled));
    }
    BuildStatus result = scheduler.result(statuses(), cancelled);
    if (cleansWorkspace) {
      cleanup();
    }
    releaseGroup();
    finish(result, BuildMessages.result(result, jobs.values(), cancelMessage));
    return done();
  }

  /**
   * Asks the pipeline's concurrency group for this build's turn and waits for it (QUEUED
   * meanwhile). Returns null once granted, or why the build was cancelled while it waited.
   */
  private String awaitGroup(Promise<String> workflowCancel) {
    String group;
    try {
      group =
          io.opsflow.build.expr.Template.render(
              dag.concurrency().group(), BuildContexts.of(contexts));
    } catch (io.opsflow.build.expr.ExprException e) {
      return "concurrency.group: " + e.getMessage();
    }
    groupWorkflowId = ConcurrencyWorkflow.workflowId(request.pipelineId(), group);
    ConcurrencyActivities groups =
        Workflow.newActivityStub(
            ConcurrencyActivities.class,
            io.temporal.activity.ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofSeconds(30))
                        .build())
                .build());
    groups.acquire(
        new ConcurrencyActivities.AcquireGroup(
            request.pipelineId(),
            group,
            request.buildId(),
            dag.concurrency().cancelInProgress(),
            Workflow.getInfo().getTaskQueue()));
    Workflow.await(() -> granted || concurrencyCancel != null || workflowCancel.isCompleted());
    if (granted) {
      return null;
    }
    return concurrencyCancel != null
        ? concurrencyCancel
        : BuildMessages.cancelled(new CancelBuild(workflowCancel.get(), null));
  }

  /** Gives the concurrency group back (a no-op for a build that never held it). */
  private void releaseGroup() {
    if (groupWorkflowId == null) {
      return;
    }
    try {
      Workflow.newExternalWorkflowStub(ConcurrencyWorkflow.class, groupWorkflowId)
          .release(request.buildId());
    } catch (io.temporal.workflow.SignalExternalWorkflowException e) {
      log.info("build {}: concurrency group {} already closed", request.buildId(), groupWorkflowId);
    }
  }

  @Override
  public void concurrency(ConcurrencySignal signal) {
    if (signal.granted()) {
      granted = true;
    } else if (concurrencyCancel == null) {
      concurrencyCancel = signal.reason();
    }
  }

  /**
   * Removes the build's workspace from the runner. Bounded by its own deadline and never fatal: a
   * runner that cannot clean up leaves the workspace behind (logged), it does not change the
   * build's result nor hold it back.
   */
  private void cleanup() {
    JobRunnerActivities runner =
        Workflow.newActivityStub(
            JobRunnerActivities.class, BuildJobRuns.cleanupOptions(request.settings()));
    try {
      runner.cleanupBuild(new BuildCleanup(request.buildId()));
    } catch (ActivityFailure e) {
      log.warn(
          "build {}: workspace not removed by the runner on {}",
          request.buildId(),
          request.settings().runnerTaskQueue(),
          e);
    }
  }

  /** A re-run's jobs that succeeded before: SUCCEEDED at once, never run again. */
  private void reuse() {
    for (BuildJob job : jobs.values()) {
      ReusedJob from = request.reused().get(job.id());
      if (from != null) {
        job.reused(from);
        settle(job, JobStatus.SUCCEEDED, 0, "reused from build " + from.fromBuildId());
      }
    }
  }

  /**
   * Records the scheduler's skips and cancels until it has none left (each may decide the next),
   * then starts ready jobs in pipeline order while there is room. Starting does not block, so the
   * decision to run is never stale (a cancel cannot slip in between).
   */
  private void decide() {
    while (true) {
      DagScheduler.Decision decision = scheduler.next(statuses(), cancelled);
      if (decision.skip().isEmpty() && decision.cancel().isEmpty() && decision.fail().isEmpty()) {
        int room = Math.max(0, request.settings().parallelism() - running());
        for (String id : decision.run()) {
          if (room == 0) {
            break;
          }
          BuildJob job = jobs.get(id);
          if (expressions && !groupHasRoom(job)) {
            continue;
          }
          launch(job);
          room--;
        }
        return;
      }
      Map<String, JobStatus> before = statuses();
      for (Map.Entry<String, String> failed : decision.fail().entrySet()) {
        settle(jobs.get(failed.getKey()), JobStatus.FAILED, null, failed.getValue());
      }
      for (String id : decision.skip()) {
        settle(
            jobs.get(id), JobStatus.SKIPPED, null, BuildMessages.skipped(dag, dag.job(id), before));
      }
      for (String id : decision.cancel()) {
        settle(jobs.get(id), JobStatus.CANCELLED, null, cancelMessage);
      }
    }
  }

  /** Whether a matrix instance may start under its job's {@code max-parallel}. */
  private boolean groupHasRoom(BuildJob job) {
    JobMatrix matrix = job.spec.matrix();
    if (matrix == null || matrix.maxParallel() == null) {
      return true;
    }
    long running =
        jobs.values().stream()
            .filter(
                j ->
                    j.status() == JobStatus.RUNNING
                        && j.spec.matrix() != null
                        && j.spec.group().equals(matrix.group()))
            .count();
    return running < matrix.maxParallel();
  }

  private void launch(BuildJob job) {
    job.launched(now());
    Async.procedure(() -> runAttempts(job));
  }

  /** The job's coroutine: attempt after attempt until it settles. */
  private void runAttempts(BuildJob job) {
    long timeoutSeconds = BuildJobRuns.timeoutSeconds(job.spec, request.settings());
    JobRunnerActivities runner =
        Workflow.newActivityStub(
            JobRunnerActivities.class,
            BuildJobRuns.runnerOptions(request.settings(), timeoutSeconds));
    JobRender.Rendered rendered = null;
    if (expressions) {
      try {
        rendered =
            JobRender.render(
                dag,
                job.spec,
                contexts,
                scheduler.needsContext(job.spec, statuses()),
                request.settings().runnerTaskQueue(),
                request.trigger() == null
                    ? Map.of()
                    : JobRender.defaultEnv(
                        BuildContexts.github(request.trigger(), request.buildId(), dag.name()),
                        job.spec));
      } catch (IllegalArgumentException e) {
        settle(job, JobStatus.FAILED, null, e.getMessage());
        return;
      }
    }
    for (int attempt = 1; ; attempt++) {
      Instant attemptStart = attempt == 1 ? job.startedAt() : now();
      job.attempt(attempt);
      record(job, JobStatus.RUNNING, null, null, attemptStart);
      if (job.cancelRequested()) {
        settle(job, JobStatus.CANCELLED, null, cancelMessage(job));
        return;
      }
      JobRun run =
          rendered == null
              ? BuildJobRuns.jobRun(request, job.spec, attempt)
              : BuildJobRuns.jobRun(request, job.spec, attempt, rendered);
      JobOutcome outcome;
      try {
        outcome = job.inScope(() -> Async.function(runner::runJob, run)).get();
      } catch (ActivityFailure e) {
        if (e.getCause() instanceof CanceledFailure) {
          settle(job, JobStatus.CANCELLED, null, cancelMessage(job));
        } else {
          settle(job, JobStatus.FAILED, null, BuildMessages.runnerFailure(e, run));
        }
        return;
      } catch (CanceledFailure e) {
        // Cancelled before the activity was even scheduled.
        settle(job, JobStatus.CANCELLED, null, cancelMessage(job));
        return;
      }
      if (outcome == null) {
        settle(job, JobStatus.FAILED, null, "runner failed: no outcome");
        return;
      }
      if (expressions && !job.spec.outputs().isEmpty()) {
        try {
          scheduler.outputs(
              job.id(),
              JobRender.outputs(
                  job.spec, contexts, scheduler.needsContext(job.spec, statuses()), outcome));
        } catch (IllegalArgumentException e) {
          settle(job, JobStatus.FAILED, outcome.exitCode(), e.getMessage());
          return;
        }
      }
      if (outcome.succeeded()) {
        settle(job, JobStatus.SUCCEEDED, 0, null);
        return;
      }
      String exit = BuildMessages.exit(outcome);
      if (attempt > job.spec.retries() || job.cancelRequested()) {
        settle(job, JobStatus.FAILED, outcome.exitCode(), exit);
        return;
      }
      String retrying =
          exit + "; attempt " + (attempt + 1) + " in " + RETRY_BACKOFF.toSeconds() + " s";
      job.attemptFailed(outcome.exitCode(), retrying);
      record(job, JobStatus.RUNNING, outcome.exitCode(), retrying, now());
      try {
        job.inScope(() -> Workflow.newTimer(RETRY_BACKOFF)).get();
      } catch (CanceledFailure e) {
        settle(job, JobStatus.CANCELLED, null, cancelMessage(job));
        return;
      }
    }
  }

  /** The build's cancel message, or why this job alone was cancelled (fail-fast). */
  private String cancelMessage(BuildJob job) {
    return cancelled || job.cancelReason() == null ? cancelMessage : job.cancelReason();
  }

  /**
   * {@code strategy.fail-fast}: a failed matrix instance cancels its running siblings and the
   * pending ones.
   */
  private void failFast(BuildJob failed) {
    JobMatrix matrix = failed.spec.matrix();
    if (!expressions
        || matrix == null
        || !matrix.failFast()
        || failed.spec.continueOnError()
        || cancelled) {
      return;
    }
    String reason = "cancelled: fail-fast, '" + failed.id() + "' failed";
    for (BuildJob sibling : List.copyOf(jobs.values())) {
      if (sibling == failed
          || sibling.spec.matrix() == null
          || !sibling.spec.group().equals(matrix.group())) {
        continue;
      }
      if (sibling.status() == JobStatus.PENDING) {
        settle(sibling, JobStatus.CANCELLED, null, reason);
      } else if (sibling.status() == JobStatus.RUNNING) {
        sibling.cancel(reason);
      }
    }
  }

  @Override
  public void validateCancel(CancelBuild cancel) {
    // Every job finished means the build is closing: its result is decided, nothing to cancel.
    if (status.finished() || scheduler.finished(statuses())) {
      throw new IllegalStateException("Build already finished");
    }
  }

  @Override
  public BuildView cancel(CancelBuild cancel) {
    List<BuildJob> stopping = requestCancel(cancel);
    // Answer once the running jobs' resources are deleted and the jobs recorded CANCELLED.
    Workflow.await(() -> stopping.stream().allMatch(j -> j.status().finished()));
    return state();
  }

  /** Marks the build cancelled and cancels every running job; returns those jobs. */
  private List<BuildJob> requestCancel(CancelBuild cancel) {
    if (!cancelled) {
      cancelled = true;
      cancelMessage = BuildMessages.cancelled(cancel);
    }
    // A second cancel also stops if: always() jobs that started after the first one.
    List<BuildJob> stopping =
        jobs.values().stream().filter(j -> j.status() == JobStatus.RUNNING).toList();
    stopping.forEach(BuildJob::cancel);
    return stopping;
  }

  @Override
  public BuildView state() {
    return new BuildView(
        request.buildId(),
        status,
        startedAt,
        finishedAt,
        message,
        jobs.values().stream().map(BuildJob::view).toList());
  }

  /** Records a job's final status, then moves the workflow state on. */
  private void settle(BuildJob job, JobStatus finalStatus, Integer exitCode, String why) {
    Instant at = now();
    record(job, finalStatus, exitCode, why, at);
    job.finished(finalStatus, exitCode, why, at);
    settledJobs++;
    if (finalStatus == JobStatus.FAILED) {
      failFast(job);
    }
  }

  private void record(BuildJob job, JobStatus jobStatus, Integer exitCode, String why, Instant at) {
    db.jobStatus(
        new JobStatusChange(
            request.buildId(),
            job.id(),
            jobStatus,
            job.attempt(),
            exitCode,
            why,
            at,
            job.reusedFromBuild()));
  }

  private void finish(BuildStatus result, String why) {
    Instant at = now();
    db.buildStatus(new BuildStatusChange(request.buildId(), result, at, why));
    finishedAt = at;
    message = why;
    status = result;
    publishStatus();
  }

  private BuildView done() {
    // A cancel still waiting for its jobs must answer before the run closes.
    Workflow.await(Workflow::isEveryHandlerFinished);
    return state();
  }

  /** Every job's status, in pipeline order (the scheduler iterates the DAG, never this map). */
  private Map<String, JobStatus> statuses() {
    Map<String, JobStatus> statuses = new LinkedHashMap<>();
    jobs.forEach((id, job) -> statuses.put(id, job.status()));
    return statuses;
  }

  private int running() {
    return (int) jobs.values().stream().filter(j -> j.status() == JobStatus.RUNNING).count();
  }

  /** Mirrors the status into OpsflowBuildStatus when the build was started with the attributes. */
  private void publishStatus() {
    if (publishesStatus) {
      Workflow.upsertTypedSearchAttributes(BuildSearchAttributes.STATUS.valueSet(status.name()));
    }
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
