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

  /**
   * Removes what the build's jobs shared on this runner (the Docker workspace volume, the local
   * build directory) and any attempt resource left behind. Called once every job of the build has
   * finished; a no-op when there is nothing left, so a retry is harmless. Fails with {@link
   * BuildFailure#INVALID_JOB} (non-retryable) when the build id is not positive.
   */
  void cleanupBuild(BuildCleanup cleanup);

  /**
   * What {@link #cleanupBuild} removes.
   *
   * @param buildId the finished build
   */
  record BuildCleanup(long buildId) {}
}
