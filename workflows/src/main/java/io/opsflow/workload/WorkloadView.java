package io.opsflow.workload;

/**
 * The workflow's state.
 *
 * @param restarts restarts done under the restart policy in this revision
 */
public record WorkloadView(
    String workloadId,
    String name,
    String nodeId,
    WorkloadStatus status,
    Integer exitCode,
    String message,
    int revision,
    int restarts) {}
