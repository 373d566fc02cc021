package io.opsflow.workload;

import java.time.Duration;

/**
 * Scheduling and supervision settings from configuration (opsflow.workloads.*), fixed per run.
 *
 * @param placement spread or bin-pack
 * @param pendingDeadline how long a workload that fits no node waits before it FAILS
 * @param pendingRecheck how often a pending workload re-checks capacity without a nudge
 * @param agentPickupTimeout how long a start may wait on {@code node-<id>} for the agent to pick it
 *     up (schedule-to-start) before the agent counts as unreachable
 * @param followHeartbeatTimeout how long the follow activity may go silent before it is retried
 * @param restartInitialBackoff first restart backoff (seed's newer design: 5 s)
 * @param restartMaxBackoff backoff cap (120 s)
 * @param actionAttempts attempts of one Docker action (5)
 * @param nodeQueuePrefix {@code node-}: a node's Docker activities run on prefix + node id
 */
public record WorkloadSettings(
    PlacementPolicy placement,
    Duration pendingDeadline,
    Duration pendingRecheck,
    Duration agentPickupTimeout,
    Duration followHeartbeatTimeout,
    Duration restartInitialBackoff,
    Duration restartMaxBackoff,
    int actionAttempts,
    String nodeQueuePrefix) {

  public String nodeQueue(String nodeId) {
    return nodeQueuePrefix + nodeId;
  }
}
