package io.opsflow.build;

import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * How the build workflow hands a job attempt to its runner: the JobRun and the activity options.
 */
final class BuildJobRuns {

  /**
   * Added to the job's timeout for the activity's start-to-close: the runner enforces the timeout
   * on the resource itself (and needs time to pull the image and delete the resource); this only
   * catches a runner that never answers.
   */
  static final Duration TIMEOUT_MARGIN = Duration.ofMinutes(5);

  /**
   * Activity attempts for infrastructure failures (worker died, heartbeat lost): each retry
   * re-attaches to the same resource, so a few are cheap; a runner failing that often is broken.
   */
  static final int RUNNER_ATTEMPTS = 5;

  /**
   * How long removing a finished build's workspace may take, retries included. Past it the build
   * ends anyway and the workspace stays behind: a runner that cannot delete it for that long is
   * broken, and the build's result must not wait for it.
   */
  static final Duration CLEANUP_DEADLINE = Duration.ofMinutes(2);

  /** One cleanup attempt: removing containers (after their stop grace) and a volume. */
  static final Duration CLEANUP_ATTEMPT = Duration.ofMinutes(1);

  private BuildJobRuns() {}

  /** Attempt {@code attempt} of {@code job}: pipeline env overlaid with the job's env. */
  static JobRun jobRun(BuildRequest request, JobSpec job, int attempt) {
    Map<String, String> env = new TreeMap<>(request.dag().env());
    env.putAll(job.env());
    String image = job.image() != null ? job.image() : request.settings().defaultImage();
    return new JobRun(
        request.buildId(),
        job.id(),
        attempt,
        image,
        env,
        job.steps(),
        timeoutSeconds(job, request.settings()));
  }

  /** Attempt {@code attempt} of {@code job} with its expressions evaluated. */
  static JobRun jobRun(
      BuildRequest request, JobSpec job, int attempt, JobRender.Rendered rendered) {
    String image = rendered.image() != null ? rendered.image() : request.settings().defaultImage();
    return new JobRun(
        request.buildId(),
        job.id(),
        attempt,
        image,
        rendered.env(),
        rendered.steps(),
        timeoutSeconds(job, request.settings()));
  }

  static long timeoutSeconds(JobSpec job, BuildSettings settings) {
    return job.timeoutMinutes() != null
        ? job.timeoutMinutes() * 60L
        : settings.defaultJobTimeout().toSeconds();
  }

  /** The runner activity's options for a job limited to {@code timeoutSeconds}. */
  static ActivityOptions runnerOptions(BuildSettings settings, long timeoutSeconds) {
    String[] jobFaults =
        Arrays.stream(BuildFailure.values()).map(BuildFailure::type).toArray(String[]::new);
    return ActivityOptions.newBuilder()
        .setTaskQueue(settings.runnerTaskQueue())
        .setStartToCloseTimeout(Duration.ofSeconds(timeoutSeconds).plus(TIMEOUT_MARGIN))
        .setHeartbeatTimeout(settings.heartbeatTimeout())
        // The runner deletes the resource when cancelled; the job is CANCELLED once that is done.
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2.0)
                .setMaximumInterval(Duration.ofSeconds(30))
                .setMaximumAttempts(RUNNER_ATTEMPTS)
                // A missing image, a deadline or a bad spec is the job's fault: retrying repeats
                // it.
                .setDoNotRetry(jobFaults)
                .build())
        .build();
  }

  /** The cleanup activity's options: on the runner's queue, retried until its deadline. */
  static ActivityOptions cleanupOptions(BuildSettings settings) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(settings.runnerTaskQueue())
        .setScheduleToCloseTimeout(CLEANUP_DEADLINE)
        .setStartToCloseTimeout(CLEANUP_ATTEMPT)
        .setRetryOptions(
            RetryOptions.newBuilder()
                .setInitialInterval(Duration.ofSeconds(1))
                .setBackoffCoefficient(2.0)
                .setMaximumInterval(Duration.ofSeconds(15))
                // A bad build id stays bad.
                .setDoNotRetry(BuildFailure.INVALID_JOB.type())
                .build())
        .build();
  }

  /** {@code 5 min} for whole minutes, else {@code 90 s}. */
  static String duration(long seconds) {
    return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
  }
}
