package io.opsflow.build;

import io.temporal.activity.ActivityInterface;

/**
 * Runs job attempts on one runner (Kubernetes Job, Docker container or local process). Every
 * runner's worker registers this interface on its own task queue.
 */
@ActivityInterface(namePrefix = "Runner")
public interface JobRunnerActivities {

  /**
   * Creates the attempt's resource named {@link JobRun#resourceName()} unless it exists already (a
   * retried activity re-attaches instead of starting a second one), streams its log lines into the
   * database without loss or duplicates, heartbeats while it runs and returns its exit. A non-zero
   * exit is an outcome, not an activity failure. When the activity is cancelled the resource is
   * deleted. Fails with {@link BuildFailure#IMAGE_NOT_FOUND} or {@link BuildFailure#TIMED_OUT}
   * (non-retryable) when the runner reports those.
   */
  JobOutcome runJob(JobRun run);
}
