package io.opsflow.workload;

import io.opsflow.workload.ContainerActivities.ContainerState;
import java.util.Locale;

/**
 * Docker's container state (inspect's {@code State.Status}, {@code ExitCode}, {@code Error}) as a
 * workload status; pure, shared by the Docker activities and their tests.
 *
 * <ul>
 *   <li>no container: MISSING (also {@code removing}: it is on its way out)
 *   <li>{@code running}, {@code paused}, {@code restarting}: RUNNING (the process exists)
 *   <li>{@code exited} without an engine error: EXITED with its exit code
 *   <li>{@code exited} or {@code created} with an engine error (a start that failed, e.g. {@code
 *       exec: "x": executable file not found in $PATH}), and {@code dead}: FAILED
 *   <li>{@code created} without an error: SCHEDULED (created, not started yet)
 * </ul>
 */
public final class ContainerStatusMapping {

  private ContainerStatusMapping() {}

  /**
   * @param state Docker's {@code State.Status}, null when the container does not exist
   * @param exitCode {@code State.ExitCode}
   * @param error {@code State.Error}, empty or null when none
   * @throws IllegalArgumentException for a state Docker does not define
   */
  public static WorkloadStatus of(String state, Integer exitCode, String error) {
    if (state == null) {
      return WorkloadStatus.MISSING;
    }
    boolean engineError = error != null && !error.isBlank();
    return switch (state.toLowerCase(Locale.ROOT)) {
      case "running", "paused", "restarting" -> WorkloadStatus.RUNNING;
      case "exited" -> engineError ? WorkloadStatus.FAILED : WorkloadStatus.EXITED;
      case "created" -> engineError ? WorkloadStatus.FAILED : WorkloadStatus.SCHEDULED;
      case "dead" -> WorkloadStatus.FAILED;
      case "removing" -> WorkloadStatus.MISSING;
      default -> throw new IllegalArgumentException("unknown Docker container state: " + state);
    };
  }

  /**
   * The activity result for an inspected container: status as {@link #of}, the exit code when it
   * exited (or failed with one), and a message a user can read: the engine's error when FAILED.
   *
   * @param containerId Docker's id, ignored when the container is missing
   * @param logs the captured tail of its logs, or null
   */
  public static ContainerState state(
      String containerId, String state, Integer exitCode, String error, String logs) {
    WorkloadStatus status = of(state, exitCode, error);
    return switch (status) {
      case MISSING -> new ContainerState(status, null, null, "container not found", logs);
      case EXITED ->
          new ContainerState(status, containerId, exitCode, "exited with code " + exitCode, logs);
      case FAILED ->
          new ContainerState(
              status,
              containerId,
              exitCode != null && exitCode != 0 ? exitCode : null,
              error != null && !error.isBlank() ? error.strip() : "container is " + state,
              logs);
      default -> new ContainerState(status, containerId, null, null, logs);
    };
  }
}
