package io.opsflow.workload;

/** Sent by {@code node-<id>} to each workload on it when the node turns Inactive. */
public record NodeLost(String nodeId, String reason) {}
