package io.opsflow.build;

import java.time.Instant;

/**
 * A job as the build workflow knows it.
 *
 * @param id the job id
 * @param status its status
 * @param attempt the current or last attempt, 1-based; 0 when never started
 * @param exitCode the last attempt's exit code, or null
 * @param message why it failed, was skipped or cancelled, or null
 * @param startedAt when its first attempt started, or null
 * @param finishedAt when it reached its final status, or null
 * @param reusedFromBuild the build whose result a re-run reused, or null
 */
public record JobView(
    String id,
    JobStatus status,
    int attempt,
    Integer exitCode,
    String message,
    Instant startedAt,
    Instant finishedAt,
    Long reusedFromBuild) {}
