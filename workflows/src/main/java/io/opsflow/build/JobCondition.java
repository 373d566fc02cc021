package io.opsflow.build;

/**
 * A job's {@code if:} status function, as GitHub Actions evaluates it for jobs. The default (no
 * {@code if:}) is {@link #SUCCESS}.
 */
public enum JobCondition {
  /** {@code success()}: every job in {@code needs} succeeded (or failed with continue-on-error). */
  SUCCESS,
  /** {@code failure()}: some ancestor job failed; runs once all needs have finished. */
  FAILURE,
  /** {@code always()}: runs once all needs have finished, whatever they did, even on cancel. */
  ALWAYS,
  /** {@code !cancelled()}: runs once all needs have finished, unless the build was cancelled. */
  NOT_CANCELLED
}
