package io.opsflow.build.runner;

import java.time.Instant;

/**
 * One stored output line of a job attempt.
 *
 * @param attempt the job attempt the line belongs to
 * @param lineNo its 0-based number within the attempt's output
 * @param line the text, without line terminator
 * @param loggedAt when it was stored
 */
public record LogLine(int attempt, long lineNo, String line, Instant loggedAt) {}
