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
}
