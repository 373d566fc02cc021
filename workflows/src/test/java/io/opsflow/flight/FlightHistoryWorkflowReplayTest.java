package io.opsflow.flight;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.BeforeAll;
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

  /**
   * Loads the classifier's classes outside the workflow thread: on a loaded machine, class loading
   * inside the first workflow task can exceed the SDK's 1 s deadlock detection.
   */
  @BeforeAll
  static void warmUp() {
    Telemetry t = new Telemetry().heartbeat(0, false).heartbeat(1, true).ground(1, 3);
    t.position(4, 10, 0, 0, 0).gps(4, 3, 9).text(5, 2, "Radio Failsafe").temperature(5, 20);
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    classifier.accept(t.points());
    classifier.drainSettled();
    classifier.history();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "v1-first-run",
        "v1-late-telemetry",
        "v2-first-run",
        "v2-late-telemetry",
        "v2-retention-archive",
        "v2-retention-prune",
        "v3-late-telemetry",
        "v3-silence"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/flight-history-" + scenario + ".json", FlightHistoryWorkflowImpl.class);
  }
}
