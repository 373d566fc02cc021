package io.opsflow.workload;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link NodeWorkflowTest} (runs still open, and the first run of a
 * continue-as-new) against the current workflow code: fails with a NonDeterministicException when a
 * change would break nodes already registered. Re-record with {@code mvn -pl workflows test
 * -Dtest='NodeWorkflowTest,WorkloadWorkflowTest'
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories}; after an intended
 * incompatible change (behind Workflow.getVersion) keep the old files too, under new names.
 */
class NodeWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"inactive", "reactivated", "continued", "carried", "v1-reactivated-prune"})
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/node-" + scenario + ".json", NodeWorkflowImpl.class);
  }
}
