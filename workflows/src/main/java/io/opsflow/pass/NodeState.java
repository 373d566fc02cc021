package io.opsflow.pass;

import java.time.Instant;

/**
 * Where one node of a running procedure is.
 *
 * @param nodeId the node
 * @param status {@code pending}, {@code running}, {@code succeeded}, {@code failed}, {@code
 *     awaiting_decision} (failed, an operator may retry / go / stop), {@code awaiting_confirmation}
 *     ({@code operator_confirm}), {@code skipped} (by an operator; counts as success for its
 *     links), {@code not_run} (no incoming link's condition held) or {@code stopped}
 * @param skipRequested an operator skipped it before it ran
 * @param runs how many times its action started (re-runs and retries included)
 * @param detail the last outcome's explanation (verifier result, error)
 * @param startedAt when its last run started
 * @param endedAt when its last run ended
 */
public record NodeState(
    String nodeId,
    String status,
    boolean skipRequested,
    int runs,
    String detail,
    Instant startedAt,
    Instant endedAt) {

  public static final String PENDING = "pending";
  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String AWAITING_DECISION = "awaiting_decision";
  public static final String AWAITING_CONFIRMATION = "awaiting_confirmation";
  public static final String SKIPPED = "skipped";
  public static final String NOT_RUN = "not_run";
  public static final String STOPPED = "stopped";
}
