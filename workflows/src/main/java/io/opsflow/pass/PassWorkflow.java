package io.opsflow.pass;

import io.opsflow.pass.PassOperations.AddNode;
import io.opsflow.pass.PassOperations.Cancel;
import io.opsflow.pass.PassOperations.Confirmation;
import io.opsflow.pass.PassOperations.Decision;
import io.opsflow.pass.PassOperations.LinkOperation;
import io.opsflow.pass.PassOperations.NodeOperation;
import io.opsflow.pass.PassOperations.OperatorOnly;
import io.opsflow.pass.PassOperations.Override;
import io.opsflow.pass.PassOperations.Reschedule;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One pass, id {@code pass-<id>} (seed 000: PSS + PPS + PRS as one durable workflow): a durable
 * timer to AOS minus the lead time, the executor launched on its own task queue {@code pass-<id>},
 * preprocessing (open the ground-station link), the procedure graph interpreted here with each
 * action an activity in the executor, postprocessing (close the link, the report), the executor
 * torn down. Operators steer it with updates; each validator refuses with a message naming the
 * state, the node or the window, and each accepted operation is recorded as a {@code
 * scheduled_pass_actions} row before the update returns.
 */
@WorkflowInterface
public interface PassWorkflow {

  @WorkflowMethod
  PassView run(PassRequest request);

  /** Moves the window or changes the plan of a pass that has not started; refused after. */
  @UpdateMethod
  PassView reschedule(Reschedule request);

  @UpdateValidatorMethod(updateName = "reschedule")
  void validateReschedule(Reschedule request);

  /** Ends the pass, before or during execution, with teardown; refused once it ended. */
  @UpdateMethod
  PassView cancel(Cancel request);

  @UpdateValidatorMethod(updateName = "cancel")
  void validateCancel(Cancel request);

  /** Stops the procedure (running actions cancelled); only while executing inside the window. */
  @UpdateMethod
  PassView stop(OperatorOnly request);

  @UpdateValidatorMethod(updateName = "stop")
  void validateStop(OperatorOnly request);

  /** Runs the procedure again from its start nodes; only while executing inside the window. */
  @UpdateMethod
  PassView restart(OperatorOnly request);

  @UpdateValidatorMethod(updateName = "restart")
  void validateRestart(OperatorOnly request);

  /** No new action starts until resume; running ones finish. */
  @UpdateMethod
  PassView pause(OperatorOnly request);

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause(OperatorOnly request);

  @UpdateMethod
  PassView resume(OperatorOnly request);

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume(OperatorOnly request);

  /** Skips a node (or its branch) that has not run: it counts as succeeded for its links. */
  @UpdateMethod
  PassView skip(NodeOperation request);

  @UpdateValidatorMethod(updateName = "skip")
  void validateSkip(NodeOperation request);

  @UpdateMethod
  PassView unskip(NodeOperation request);

  @UpdateValidatorMethod(updateName = "unskip")
  void validateUnskip(NodeOperation request);

  /** Changes the parameters of a node that has not started. */
  @UpdateMethod
  PassView override(Override request);

  @UpdateValidatorMethod(updateName = "override")
  void validateOverride(Override request);

  /** Adds a dynamic node with its links; the resulting graph must validate. */
  @UpdateMethod
  PassView addNode(AddNode request);

  @UpdateValidatorMethod(updateName = "addNode")
  void validateAddNode(AddNode request);

  /** Removes a node that has not started, with its links. */
  @UpdateMethod
  PassView removeNode(NodeOperation request);

  @UpdateValidatorMethod(updateName = "removeNode")
  void validateRemoveNode(NodeOperation request);

  /** Adds a link; refused when its target already started or it makes a cycle. */
  @UpdateMethod
  PassView addLink(LinkOperation request);

  @UpdateValidatorMethod(updateName = "addLink")
  void validateAddLink(LinkOperation request);

  @UpdateMethod
  PassView removeLink(LinkOperation request);

  @UpdateValidatorMethod(updateName = "removeLink")
  void validateRemoveLink(LinkOperation request);

  /** Runs a finished node again (or its whole branch); refused while it runs. */
  @UpdateMethod
  PassView rerun(NodeOperation request);

  @UpdateValidatorMethod(updateName = "rerun")
  void validateRerun(NodeOperation request);

  /** Retry, go or stop for a failed action awaiting a decision. */
  @UpdateMethod
  PassView decide(Decision request);

  @UpdateValidatorMethod(updateName = "decide")
  void validateDecide(Decision request);

  /** Answers an {@code operator_confirm} node. */
  @UpdateMethod
  PassView confirm(Confirmation request);

  @UpdateValidatorMethod(updateName = "confirm")
  void validateConfirm(Confirmation request);

  @QueryMethod
  PassView state();
}
