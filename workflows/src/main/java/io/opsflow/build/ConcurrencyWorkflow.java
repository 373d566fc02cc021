package io.opsflow.build;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One concurrency group of one pipeline, id {@code concurrency-<pipeline>-<group>}: grants the
 * group to one build at a time, keeps at most one build waiting (a newer one cancels it) and, for a
 * {@code cancel-in-progress} request, cancels the build holding the group. Builds ask through
 * {@link ConcurrencyActivities#acquire} (signal-with-start) and give the group back with {@link
 * #release}. Ends once no build holds or waits for the group.
 */
@WorkflowInterface
public interface ConcurrencyWorkflow {

  @WorkflowMethod
  void run(ConcurrencyState state);

  @SignalMethod
  void acquire(Acquire request);

  @SignalMethod
  void release(long buildId);

  @QueryMethod
  ConcurrencyState state();

  /**
   * A build asking for the group.
   *
   * @param buildId the build
   * @param cancelInProgress whether it cancels the build holding the group
   */
  record Acquire(long buildId, boolean cancelInProgress) {}

  /**
   * Who holds the group and who waits (carried over continue-as-new).
   *
   * @param group the group's name
   * @param running the build holding the group, or null
   * @param pending the build waiting for it, or null
   */
  record ConcurrencyState(String group, Long running, Long pending) {}

  /** {@code concurrency-<pipeline>-<group>}. */
  static String workflowId(long pipelineId, String group) {
    return "concurrency-" + pipelineId + "-" + group;
  }
}
