package io.opsflow.device;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link DeviceOnboardingWorkflowTest} against the current workflow
 * code: fails with a NonDeterministicException when a change would break devices already in the
 * mesh (their workflows live for years). Re-record with {@code mvn -pl workflows verify
 * -Dtest=DeviceOnboardingWorkflowTest
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories} after an intended change
 * behind Workflow.getVersion, keeping the old files under their old names.
 */
class DeviceOnboardingWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "v1-contact",
        "v1-timeout",
        "v1-renewal",
        "v1-decommission",
        "v1-saga",
        "v1-enrollment",
        "v1-enrollment-lookup"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/device-" + scenario + ".json", DeviceOnboardingWorkflowImpl.class);
  }
}
