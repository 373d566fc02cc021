package io.opsflow.workload;

import java.time.Duration;

/**
 * How {@link ContainerActivitiesImpl} runs containers on its node.
 *
 * @param nodeId the node (for messages and the {@code opsflow.node} label)
 * @param networkMode Docker network mode of every container ({@code none}: no network at all)
 * @param stopGrace how long {@code remove} lets a container stop before it is killed
 * @param logLines how many trailing log lines {@code follow} captures
 * @param inspectInterval how often {@code follow} inspects and heartbeats without a Docker event;
 *     also bounded by a third of the activity's heartbeat timeout
 */
public record ContainerSettings(
    String nodeId, String networkMode, Duration stopGrace, int logLines, Duration inspectInterval) {

  public ContainerSettings {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("nodeId is required");
    }
    networkMode = networkMode == null || networkMode.isBlank() ? "none" : networkMode;
    stopGrace = stopGrace == null || stopGrace.isNegative() ? Duration.ofSeconds(10) : stopGrace;
    logLines = logLines <= 0 ? 200 : logLines;
    inspectInterval =
        inspectInterval == null || inspectInterval.isZero() || inspectInterval.isNegative()
            ? Duration.ofSeconds(5)
            : inspectInterval;
  }

  /** Defaults: network none, 10 s grace, 200 lines, inspect every 5 s. */
  public static ContainerSettings defaults(String nodeId) {
    return new ContainerSettings(nodeId, null, null, 0, null);
  }
}
