package io.opsflow.workload;

/** Operator delete: stop and remove the container, status REMOVED. */
public record RemoveWorkload(String reason) {}
