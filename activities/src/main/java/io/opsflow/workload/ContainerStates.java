package io.opsflow.workload;

import io.opsflow.workload.ContainerActivities.ContainerState;

/**
 * What the Docker activities need beyond {@link ContainerStatusMapping} (the shared, pure mapping
 * of Docker's state to a workload status, which decides every status here): whether to keep
 * following, whether a container ever started, and the messages of a follow's end.
 */
final class ContainerStates {

  // Docker's zero time: StartedAt of a container that never started.
  private static final String NEVER = "0001-01-01T00:00:00Z";

  private ContainerStates() {}

  /**
   * Still to be followed: what the mapping calls RUNNING (running, paused, restarted by the engine
   * itself), and a container being removed (the next inspect then finds it gone).
   */
  static boolean isLive(String status) {
    if (status == null) {
      return false;
    }
    if ("removing".equals(status)) {
      return true;
    }
    try {
      return ContainerStatusMapping.of(status, null, null) == WorkloadStatus.RUNNING;
    } catch (IllegalArgumentException unknown) {
      return false;
    }
  }

  /** Whether the container was ever started (a created-only container was not). */
  static boolean hasStarted(String startedAt) {
    return startedAt != null && !startedAt.isBlank() && !startedAt.startsWith(NEVER);
  }

  /**
   * The state of a container that no longer runs: {@link ContainerStatusMapping#state}, except that
   * an out-of-memory kill says so and a container created but never started counts as FAILED (the
   * follow began after a start, so it should have run).
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
    ContainerState mapped;
    try {
      mapped = ContainerStatusMapping.state(containerId, status, exitCode, error, logs);
    } catch (IllegalArgumentException unknown) {
      return new ContainerState(
          WorkloadStatus.FAILED,
          containerId,
          exitCode,
          "unexpected container status '" + status + "'",
          logs);
    }
    return switch (mapped.status()) {
      case EXITED ->
          oomKilled
              ? new ContainerState(
                  WorkloadStatus.EXITED,
                  containerId,
                  exitCode,
                  "killed: out of memory (exit code " + exitCode + ")",
                  logs)
              : mapped;
      case SCHEDULED ->
          new ContainerState(
              WorkloadStatus.FAILED,
              containerId,
              null,
              "the container was created but never started",
              logs);
      default -> mapped;
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
