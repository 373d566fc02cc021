package io.opsflow.workload;

import io.opsflow.workload.ContainerActivities.ContainerState;

/**
 * Docker's container state (as {@code docker inspect} shows it) to a workload status. Pure, so the
 * mapping is unit-tested without an engine.
 */
final class ContainerStates {

  // Docker's zero time: StartedAt of a container that never started.
  private static final String NEVER = "0001-01-01T00:00:00Z";

  private ContainerStates() {}

  /**
   * Still to be followed: running, paused, restarted by the engine itself, or being removed (the
   * next inspect then finds it gone).
   */
  static boolean isLive(String status) {
    return "running".equals(status)
        || "paused".equals(status)
        || "restarting".equals(status)
        || "removing".equals(status);
  }

  /** Whether the container was ever started (a created-only container was not). */
  static boolean hasStarted(String startedAt) {
    return startedAt != null && !startedAt.isBlank() && !startedAt.startsWith(NEVER);
  }

  /**
   * The state of a container that no longer runs.
   *
   * @param status Docker's State.Status
   * @param exitCode State.ExitCode
   * @param error State.Error, the engine's message when it could not run the process
   * @param oomKilled State.OOMKilled
   */
  static ContainerState ended(
      String containerId,
      String status,
      Integer exitCode,
      String error,
      boolean oomKilled,
      String logs) {
    if (error != null && !error.isBlank()) {
      return new ContainerState(WorkloadStatus.FAILED, containerId, exitCode, error, logs);
    }
    return switch (status == null ? "" : status) {
      case "exited" ->
          new ContainerState(
              WorkloadStatus.EXITED,
              containerId,
              exitCode,
              oomKilled
                  ? "killed: out of memory (exit code " + exitCode + ")"
                  : "exited with code " + exitCode,
              logs);
      case "dead" ->
          new ContainerState(
              WorkloadStatus.FAILED, containerId, exitCode, "the container is dead", logs);
      case "created" ->
          new ContainerState(
              WorkloadStatus.FAILED,
              containerId,
              null,
              "the container was created but never started",
              logs);
      default ->
          new ContainerState(
              WorkloadStatus.FAILED,
              containerId,
              exitCode,
              "unexpected container status '" + status + "'",
              logs);
    };
  }

  static ContainerState running(String containerId) {
    return new ContainerState(WorkloadStatus.RUNNING, containerId, null, null, null);
  }

  static ContainerState missing(String name, String nodeId) {
    return new ContainerState(
        WorkloadStatus.MISSING,
        null,
        null,
        "container " + name + " is gone from node " + nodeId,
        null);
  }
}
