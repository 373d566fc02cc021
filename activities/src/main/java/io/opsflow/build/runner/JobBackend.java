package io.opsflow.build.runner;

import io.opsflow.build.JobRun;

/**
 * One kind of place a job attempt runs: a Kubernetes Job, a Docker container or a local process.
 * The resource is named {@link JobRun#resourceName()}; every method is safe to call again after a
 * worker restart (that is how an activity retry re-attaches instead of starting a second run).
 */
public interface JobBackend {

  /** {@code kubernetes}, {@code docker} or {@code local}. */
  String kind();

  /**
   * Creates and starts the attempt's resource running {@link JobScript#render(JobRun)} with the
   * run's env, unless a resource of that name exists already.
   *
   * @return true when this call created it, false when it existed (re-attach)
   */
  boolean ensureStarted(JobRun run);

  /**
   * Follows the resource until it finishes: hands every output line from 0-based line number {@code
   * skip} on, in order and each once, to {@code lines}; calls {@code alive} at least every few
   * seconds (it heartbeats, and throws when the activity is cancelled, which the caller answers
   * with {@link #delete}). Enforces {@link JobRun#timeoutSeconds()} on the resource.
   */
  JobExit follow(JobRun run, long skip, LineSink lines, Runnable alive);

  /** Stops and deletes the resource and everything it owns; a no-op when it is gone. */
  void delete(JobRun run);

  /**
   * Frees a finished attempt's resource once its output is stored (the logs live on in the
   * database). The default deletes it; a backend may keep what it needs to answer a retried
   * activity with the same exit instead of running the job again.
   */
  default void release(JobRun run, JobExit exit) {
    delete(run);
  }

  /**
   * Removes what the build's jobs shared (a workspace volume or directory) and any of its attempt
   * resources left behind. Call once the build has finished; a no-op when there is nothing, which
   * is the default for backends without a shared workspace.
   */
  default void deleteWorkspace(long buildId) {}

  /** Receives output lines; {@code lineNo} is 0-based over the attempt's whole output. */
  @FunctionalInterface
  interface LineSink {
    void accept(long lineNo, String line);
  }

  /**
   * How the resource ended.
   *
   * @param exitCode the script's exit code; {@link #LOST} when the runner has none (the resource
   *     vanished or its process was killed from outside)
   * @param timedOut whether the runner stopped it at the job's timeout
   * @param message the runner's reason (deadline exceeded, OOM killed, image missing), or null
   */
  record JobExit(int exitCode, boolean timedOut, String message) {
    /** The exit code reported when the runner could not learn the script's own. */
    public static final int LOST = -1;
  }
}
