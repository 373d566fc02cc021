package io.opsflow.workload;

import java.time.Instant;

/**
 * The state of {@code node-<id>}.
 *
 * @param lastHeartbeatAt workflow time of the last heartbeat (or of the registration)
 * @param inactiveSince when it turned Inactive, null while Active
 * @param heartbeats heartbeats received since registration
 * @param agentStatus the status string of the agent's last heartbeat (seed: {@code active})
 */
public record NodeView(
    String nodeId,
    NodeStatus status,
    Instant lastHeartbeatAt,
    Instant inactiveSince,
    long heartbeats,
    String agentStatus) {}
