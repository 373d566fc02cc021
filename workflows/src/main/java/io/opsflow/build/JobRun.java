package io.opsflow.build;

import java.util.List;
import java.util.Map;

/**
 * One attempt of one job, as handed to a runner.
 *
 * @param buildId the build
 * @param jobId the job id
 * @param attempt 1-based job attempt (not the activity attempt: an activity retried after a worker
 *     died re-attaches to the same resource)
 * @param image the container image (ignored by the local runner)
 * @param env pipeline, then job env merged; step env is in {@link #steps}
 * @param steps the steps to run in order, stopping at the first that fails
 * @param timeoutSeconds the job's limit; the runner also enforces it on the resource
 *     (activeDeadlineSeconds, a container stop, a process kill)
 */
public record JobRun(
    long buildId,
    String jobId,
    int attempt,
    String image,
    Map<String, String> env,
    List<StepSpec> steps,
    long timeoutSeconds) {
  public JobRun {
    env = env == null ? Map.of() : Map.copyOf(env);
    steps = List.copyOf(steps);
  }

  /**
   * The deterministic resource name {@code build-<id>-<job>-<attempt>}, lower-cased, with anything
   * outside {@code [a-z0-9-]} replaced by '-', at most 63 characters (a Kubernetes name, a Docker
   * container name, a directory name).
   */
  public String resourceName() {
    String job = jobId.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    String prefix = "build-" + buildId + "-";
    String suffix = "-" + attempt;
    int room = 63 - prefix.length() - suffix.length();
    if (jobId.contains("(") && job.length() <= room - 9) {
      // A matrix instance, "test (1.5)": its values are folded to '-', so "test (1-5)" would get
      // the same name; the hash keeps instances apart.
      return prefix
          + job.replaceAll("-+$", "")
          + "-"
          + Integer.toHexString(jobId.hashCode())
          + suffix;
    }
    if (job.length() > room) {
      // Keep names distinct when long ids share a prefix.
      String hash = Integer.toHexString(jobId.hashCode());
      job = job.substring(0, Math.max(0, room - hash.length() - 1)) + "-" + hash;
    }
    return prefix + job + suffix;
  }
}
