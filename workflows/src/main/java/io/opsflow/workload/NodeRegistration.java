package io.opsflow.workload;

import java.time.Duration;

/**
 * Input of {@code node-<id>} (seed's register body) and its settings.
 *
 * @param inactiveAfter no heartbeat for this long marks the node Inactive (seed: 10 min)
 * @param heartbeatsPerRun heartbeats handled before continue-as-new (bounded history)
 */
public record NodeRegistration(
    String nodeId,
    String ipAddress,
    String hostname,
    Duration inactiveAfter,
    int heartbeatsPerRun) {

  public static String workflowId(String nodeId) {
    return "node-" + nodeId;
  }
}
