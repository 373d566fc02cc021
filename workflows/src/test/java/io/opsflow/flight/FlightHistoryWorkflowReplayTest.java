package io.opsflow.flight;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link FlightHistoryWorkflowTest} against the current workflow
 * code (the first run, which ends continuing as new, and a run that waits for telemetry): fails
 * with a NonDeterministicException when a change would break histories in flight. Re-record with
 * {@code mvn -pl workflows test -Dtest=FlightHistoryWorkflowTest
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories} after bumping {@code
 * RECORDED_VERSION}, and keep the old files while such runs can exist.
 */
class FlightHistoryWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(strings = {"v1-first-run", "v1-late-telemetry"})
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/flight-history-" + scenario + ".json", FlightHistoryWorkflowImpl.class);
  }
}
