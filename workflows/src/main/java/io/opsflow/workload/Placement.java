package io.opsflow.workload;

/**
 * The answer to a schedule request: where the workload goes, decided and stored before any
 * container exists.
 *
 * @param workloadId the workload
 * @param nodeId the chosen node, or null while PENDING
 * @param status SCHEDULED, or PENDING when no node fits yet
 */
public record Placement(String workloadId, String nodeId, WorkloadStatus status) {}
