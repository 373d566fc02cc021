package io.opsflow.build;

/**
 * Operator cancel.
 *
 * @param reason shown on the build and its running jobs; may be null
 * @param requestedBy who cancelled, for the record; may be null
 */
public record CancelBuild(String reason, String requestedBy) {}
