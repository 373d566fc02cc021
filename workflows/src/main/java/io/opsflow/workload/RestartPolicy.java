package io.opsflow.workload;

/**
 * @param mode when to restart
 * @param maxAttempts restarts allowed (ON_FAILURE: at least 1; ALWAYS: 0 means no limit)
 */
public record RestartPolicy(RestartMode mode, int maxAttempts) {
  public static final RestartPolicy NEVER = new RestartPolicy(RestartMode.NEVER, 0);

  public RestartPolicy {
    mode = mode == null ? RestartMode.NEVER : mode;
  }

  /**
   * Restart after a non-zero exit, a failure or a vanished container, at most {@code max} times.
   */
  public static RestartPolicy onFailure(int max) {
    return new RestartPolicy(RestartMode.ON_FAILURE, max);
  }

  /** Restart after any exit, at most {@code max} times (0: no limit). */
  public static RestartPolicy always(int max) {
    return new RestartPolicy(RestartMode.ALWAYS, max);
  }
}
