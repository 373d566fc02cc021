package io.opsflow.build;

import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;

/** Deterministic group bookkeeping; see {@link ConcurrencyWorkflow}. */
public class ConcurrencyWorkflowImpl implements ConcurrencyWorkflow {

  private String group;
  private Long running;
  private Long pending;

  @Override
  public void run(ConcurrencyState state) {
    if (state != null) {
      group = state.group();
      // Carried over continue-as-new: the holder was granted already, the waiting one still waits.
      running = running == null ? state.running() : running;
      pending = pending == null ? state.pending() : pending;
    }
    Workflow.await(
        () ->
            (running == null && pending == null) || Workflow.getInfo().isContinueAsNewSuggested());
    if (running != null || pending != null) {
      Workflow.await(Workflow::isEveryHandlerFinished);
      Workflow.continueAsNew(new ConcurrencyState(group, running, pending));
    }
  }

  @Override
  public void acquire(Acquire request) {
    long build = request.buildId();
    if (Long.valueOf(build).equals(running) || Long.valueOf(build).equals(pending)) {
      return; // asked again (an activity retry)
    }
    if (running == null) {
      grant(build);
      return;
    }
    if (pending != null) {
      tell(pending, new ConcurrencySignal(false, "superseded by build " + build + in()));
    }
    pending = build;
    if (request.cancelInProgress()) {
      tell(running, new ConcurrencySignal(false, "cancel-in-progress of build " + build + in()));
    }
  }

  @Override
  public void release(long buildId) {
    if (Long.valueOf(buildId).equals(pending)) {
      pending = null;
    }
    if (Long.valueOf(buildId).equals(running)) {
      running = null;
      if (pending != null) {
        long next = pending;
        pending = null;
        grant(next);
      }
    }
  }

  @Override
  public ConcurrencyState state() {
    return new ConcurrencyState(group, running, pending);
  }

  private void grant(long build) {
    running = build;
    if (!tell(build, new ConcurrencySignal(true, null))) {
      // The build is gone (closed without releasing): the group passes on.
      release(build);
    }
  }

  private String in() {
    return group == null ? "" : " in concurrency group '" + group + "'";
  }

  /** Signals the build; false when it no longer runs. */
  private static boolean tell(long build, ConcurrencySignal signal) {
    try {
      Workflow.newExternalWorkflowStub(BuildWorkflow.class, BuildRequest.workflowId(build))
          .concurrency(signal);
      return true;
    } catch (SignalExternalWorkflowException e) {
      return false;
    }
  }
}
