package io.opsflow.workload;

/**
 * Operator retry ({@code POST /api/v1/workloads/{id}/retry}) of an Exited, Failed or Missing
 * workload: the next revision is placed and started.
 *
 * @param reason why, for the record; may be null
 */
public record RetryWorkload(String reason) {}
