package io.opsflow.workload;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One agent node, id {@code node-<id>}: Active on registration and on every heartbeat; a timer
 * marks it Inactive exactly when no heartbeat came for the threshold, and its workloads are
 * rescheduled; continue-as-new keeps the history bounded. Started with signal-with-start by the
 * register and heartbeat routes.
 */
@WorkflowInterface
public interface NodeWorkflow {

  @WorkflowMethod
  void run(NodeRegistration registration);

  @SignalMethod
  void heartbeat(Heartbeat heartbeat);

  @QueryMethod
  NodeView state();
}
