package io.opsflow.workload;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link WorkloadWorkflowTest} against the current workflow code:
 * fails with a NonDeterministicException when a change would break workloads in flight. Re-record
 * as described in {@link NodeWorkflowReplayTest}.
 */
class WorkloadWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "exit-0",
        "exit-3",
        "restart",
        "continued",
        "pending",
        "unreachable",
        "node-lost",
        "remove"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/workload-" + scenario + ".json", WorkloadWorkflowImpl.class);
  }
}
