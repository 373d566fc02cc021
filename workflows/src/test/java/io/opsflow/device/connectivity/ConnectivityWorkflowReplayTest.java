package io.opsflow.device.connectivity;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link ConnectivityWorkflowTest} against the current workflow
 * code: fails with a NonDeterministicException when a change would break monitors already running.
 * Re-record with {@code mvn -pl workflows test -Dtest=ConnectivityWorkflowTest
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories}; after an intended
 * incompatible change (behind Workflow.getVersion) keep the old files too, under new names.
 */
class ConnectivityWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(strings = {"flapping", "released", "continued", "stop"})
  void replaysRecordedMonitorHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/connectivity-" + scenario + ".json", ConnectivityWorkflowImpl.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"supervisor"})
  void replaysRecordedSupervisorHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/connectivity-" + scenario + ".json", ConnectivitySupervisorWorkflowImpl.class);
  }
}
