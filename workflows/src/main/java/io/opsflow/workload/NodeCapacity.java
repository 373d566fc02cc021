package io.opsflow.workload;

/**
 * A node as the scheduler sees it.
 *
 * @param nodeId the node
 * @param status only ACTIVE nodes take workloads
 * @param freeCpu cores offered by the node (its last heartbeat) minus the requests of the live
 *     workloads placed on it
 * @param freeMemoryMb the same for memory, MiB
 * @param workloads live workloads on it (a tie-breaker)
 */
public record NodeCapacity(
    String nodeId, NodeStatus status, double freeCpu, long freeMemoryMb, int workloads) {}
