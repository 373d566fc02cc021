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
   * Returns once the workload is placed (SCHEDULED with its node) or PENDING; sent with
   * update-with-start so the schedule request is answered without waiting for Docker.
   */
  @UpdateMethod
  Placement placement();

  /** Stops and removes the container; rejected once REMOVED ("Workload already removed"). */
  @UpdateMethod
  WorkloadView remove(RemoveWorkload remove);

  @UpdateValidatorMethod(updateName = "remove")
  void validateRemove(RemoveWorkload remove);

  /** The node turned Inactive: mark LOST and reschedule on another node. */
  @SignalMethod
  void nodeLost(NodeLost lost);

  /** A node registered or reported capacity: a PENDING workload tries to place itself again. */
  @SignalMethod
  void capacityChanged();

  @QueryMethod
  WorkloadView state();
}
