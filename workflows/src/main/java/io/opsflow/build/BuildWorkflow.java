package io.opsflow.build;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One CI build, id {@code build-<id>}: RUNNING, then every job whose needs are met runs
 * concurrently (up to the parallelism) as a heartbeating activity on the runner's task queue; a
 * failed job skips its dependents unless their {@code if:} says otherwise.
 */
@WorkflowInterface
public interface BuildWorkflow {

  @WorkflowMethod
  BuildView run(BuildRequest request);

  /**
   * Cancels the build: running jobs' resources are deleted, pending jobs become CANCELLED (except
   * {@code if: always()} ones, which still run). Rejected once the build has finished ("Build
   * already finished").
   */
  @UpdateMethod
  BuildView cancel(CancelBuild cancel);

  @UpdateValidatorMethod(updateName = "cancel")
  void validateCancel(CancelBuild cancel);

  @QueryMethod
  BuildView state();

  /** The build's concurrency group granted it its turn, or cancelled it. */
  @SignalMethod
  void concurrency(ConcurrencySignal signal);
}
