package io.opsflow.workload;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One workload, id {@code workload-<uuid>}: placed by free capacity and stored as Scheduled before
 * anything runs, started on {@code node-<nodeId>}, followed through Docker events, restarted by its
 * policy with backoff, rescheduled when its node is lost.
 */
@WorkflowInterface
public interface WorkloadWorkflow {

  @WorkflowMethod
  WorkloadView run(WorkloadRequest request);

  /**
   * Returns once the first placement was stored: SCHEDULED with its node, or PENDING; sent with
   * update-with-start so the schedule request is answered without waiting for Docker. Later calls
   * get the latest placement (after a node loss, the new node).
   */
  @UpdateMethod
  Placement placement();

  /**
   * Stops and removes the container, stores REMOVED and answers; the run then ends. Also served
   * after a final status (EXITED, FAILED, MISSING): the run stays open for {@link
   * WorkloadSettings#retention()} to remove the container it left, then removes it itself (REMOVED,
   * "retention expired") and ends. Rejected while a remove is in progress or done ("Workload
   * already removed"); once the run has ended the API answers from the row.
   */
  @UpdateMethod
  WorkloadView remove(RemoveWorkload remove);

  @UpdateValidatorMethod(updateName = "remove")
  void validateRemove(RemoveWorkload remove);

  /**
   * Runs the next revision of an EXITED, FAILED or MISSING workload in the same workflow: placed
   * again (answered with that placement, SCHEDULED or PENDING), then created afresh, keyed by
   * (workload, new revision): on the same node the start replaces the old revision's container, on
   * another node the old one is removed. Restarts count from zero again.
   */
  @UpdateMethod
  Placement retry(RetryWorkload retry);

  /** Rejects ({@link WorkloadFailure#NOT_RETRYABLE}) unless the status is EXITED/FAILED/MISSING. */
  @UpdateValidatorMethod(updateName = "retry")
  void validateRetry(RetryWorkload retry);

  /**
   * The node turned Inactive (its row already says LOST): the container there is abandoned and the
   * workload is placed on another node. Ignored unless the workload is live on that node.
   */
  @SignalMethod
  void nodeLost(NodeLost lost);

  /**
   * A node registered, came back or offers more: a PENDING workload tries to place itself again at
   * once instead of at its next re-check.
   */
  @SignalMethod
  void capacityChanged();

  @QueryMethod
  WorkloadView state();
}
