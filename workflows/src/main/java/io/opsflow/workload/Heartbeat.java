package io.opsflow.workload;

import java.time.Instant;

/**
 * A node heartbeat (seed's body) as the API received it.
 *
 * @param receivedAt when the API received it (its clock), for the record; the inactivity timer runs
 *     on workflow time from the signal's arrival
 */
public record Heartbeat(
    String nodeId, String status, double availableCpu, long availableMemory, Instant receivedAt) {}
