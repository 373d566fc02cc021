package io.opsflow.build.runner;

import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobOutcome;
import io.opsflow.build.JobRun;
import io.opsflow.build.JobRunnerActivities;
import io.opsflow.build.JobRunnerActivities.BuildCleanup;
import io.opsflow.build.StepSpec;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs job attempts on one {@link JobBackend}, storing their output in {@link BuildLogs}.
 *
 * <p>Retries are the normal way back from a lost worker: the lines already stored tell how many to
 * skip, the backend re-attaches to the attempt's resource instead of starting it again, and the
 * store ignores line numbers it has. A cancelled activity deletes the resource. Any other end of
 * the activity (worker shutdown, heartbeat to a retried attempt) leaves the resource running for
 * the retry to pick up. Once the build has finished, {@link #cleanupBuild} removes its workspace.
 *
 * <p>Created by {@link BuildRunnerConfiguration} around the configured backend.
 */
public class JobRunnerActivitiesImpl implements JobRunnerActivities {

  private static final Logger log = LoggerFactory.getLogger(JobRunnerActivitiesImpl.class);

  private final JobBackend backend;
  private final BuildLogs logs;

  public JobRunnerActivitiesImpl(JobBackend backend, BuildLogs logs) {
    this.backend = backend;
    this.logs = logs;
  }

  /** The backend this runner drives. */
  public JobBackend backend() {
    return backend;
  }

  @Override
  public JobOutcome runJob(JobRun run) {
    validate(run);
    ActivityExecutionContext context = Activity.getExecutionContext();
    long stored = logs.count(run.buildId(), run.jobId(), run.attempt());
    boolean created = backend.ensureStarted(run);
    if (!created) {
      log.info("{}: re-attached, {} lines already stored", run.resourceName(), stored);
    }
    LogBuffer buffer = new LogBuffer(logs, run, stored);
    StepOutputs outputs = new StepOutputs();
    JobBackend.LineSink sink =
        (lineNo, line) -> {
          outputs.accept(line);
          buffer.accept(lineNo, line);
        };
    JobBackend.JobExit exit;
    try {
      // A re-attached attempt reads its output from the start again: the buffer skips what is
      // stored, the step outputs (printed at the end) are seen whole.
      exit =
          backend.follow(
              run,
              created || stored == 0 ? stored : 0,
              sink,
              () -> {
                buffer.flush();
                // The details are informational: a retry counts stored lines itself.
                context.heartbeat(buffer.lines());
              });
      buffer.flush();
    } catch (ActivityCanceledException e) {
      flushQuietly(buffer, e);
      backend.delete(run);
      throw e;
    } catch (ActivityCompletionException e) {
      // Worker shutting down or this attempt superseded: the retry re-attaches, so keep it.
      flushQuietly(buffer, e);
      throw e;
    } catch (ApplicationFailure e) {
      flushQuietly(buffer, e);
      if (e.isNonRetryable()) {
        // Final for this attempt (e.g. a pod stuck pulling a missing image): nothing will
        // re-attach, so the resource must not linger until its deadline.
        backend.delete(run);
      }
      throw e;
    } catch (RuntimeException e) {
      flushQuietly(buffer, e);
      throw e;
    }
    if (exit.timedOut()) {
      backend.delete(run);
      throw ApplicationFailure.newNonRetryableFailure(
          "timed out after " + run.timeoutSeconds() + " s", BuildFailure.TIMED_OUT.type());
    }
    backend.release(run, exit);
    return new JobOutcome(exit.exitCode(), exit.message(), buffer.lines(), outputs.outputs());
  }

  @Override
  public void cleanupBuild(BuildCleanup cleanup) {
    if (cleanup == null) {
      throw invalid("cleanup is required");
    }
    if (cleanup.buildId() <= 0) {
      throw invalid("buildId must be > 0, was " + cleanup.buildId());
    }
    // Idempotent by the backend's contract: what is already gone is skipped, so a retry after a
    // lost worker finishes the job.
    backend.deleteWorkspace(cleanup.buildId());
    log.info("build {}: workspace removed from the {} runner", cleanup.buildId(), backend.kind());
  }

  private static void flushQuietly(LogBuffer buffer, RuntimeException cause) {
    try {
      buffer.flush();
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** Rejects a run no runner can execute, naming the field; retrying would not help. */
  static void validate(JobRun run) {
    if (run == null) {
      throw invalid("run is required");
    }
    if (run.buildId() <= 0) {
      throw invalid("buildId must be > 0, was " + run.buildId());
    }
    if (run.jobId() == null || run.jobId().isBlank()) {
      throw invalid("jobId is required");
    }
    if (run.attempt() < 1) {
      throw invalid("attempt must be >= 1, was " + run.attempt());
    }
    if (run.timeoutSeconds() <= 0) {
      throw invalid("timeoutSeconds must be > 0, was " + run.timeoutSeconds());
    }
    if (run.steps().isEmpty()) {
      throw invalid("steps: a job needs at least one step");
    }
    checkEnv("env", run.env());
    for (int i = 0; i < run.steps().size(); i++) {
      StepSpec step = run.steps().get(i);
      if (step == null || step.run() == null || step.run().isBlank()) {
        throw invalid("steps[" + i + "].run is required");
      }
      checkEnv("steps[" + i + "].env", step.env());
    }
  }

  private static void checkEnv(String field, Map<String, String> env) {
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (!JobScript.isEnvName(e.getKey())) {
        throw invalid(field + ": '" + e.getKey() + "' is not a valid variable name");
      }
      if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
        throw invalid(field + "." + e.getKey() + ": value is null or contains NUL");
      }
    }
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, BuildFailure.INVALID_JOB.type());
  }
}
