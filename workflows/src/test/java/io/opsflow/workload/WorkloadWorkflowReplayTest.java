package io.opsflow.workload;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link WorkloadWorkflowTest} against the current workflow code:
 * fails with a NonDeterministicException when a change would break workloads in flight. Re-record
 * as described in {@link NodeWorkflowReplayTest}. {@code workload-v0-*} were recorded before
 * terminal retention (version {@code terminal-retention} DEFAULT: the run ends at a final status)
 * and are kept as they are.
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
        "remove",
        "retained-remove",
        "retry",
        "v0-exit-0",
        "v0-exit-3",
        "v0-restart",
        "v0-continued",
        "v0-pending",
        "v0-unreachable",
        "v0-node-lost",
        "v0-remove"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/workload-" + scenario + ".json", WorkloadWorkflowImpl.class);
  }
}
