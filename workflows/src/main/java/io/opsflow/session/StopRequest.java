package io.opsflow.session;

/**
 * Operator request to end a session now (seed: {@code DELETE /sessions/{id}}).
 *
 * @param reason free text kept in the events table
 */
public record StopRequest(String reason) {}
