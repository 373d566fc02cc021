package io.opsflow.build;

/**
 * A job result carried over by a re-run.
 *
 * @param fromBuildId the build whose job succeeded
 * @param attempt the attempt that succeeded there (its logs stay under that build)
 */
public record ReusedJob(long fromBuildId, int attempt) {}
