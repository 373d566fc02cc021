package io.opsflow.workload;

import java.time.Instant;

public record NodeView(
    String nodeId,
    NodeStatus status,
    Instant lastHeartbeatAt,
    Instant inactiveSince,
    long heartbeats) {}
