package io.opsflow.pass;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link PassWorkflowTest} against the current workflow code: fails
 * with a NonDeterministicException when a change would break passes already in flight. After an
 * intended incompatible change (behind Workflow.getVersion), re-record with {@code mvn -pl
 * workflows test -Dtest=PassWorkflowTest
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories} and keep the old files
 * too, under new names, while such passes can still exist. The test writes {@code
 * pass-<version>-<scenario>.json} with the version it names in {@code RECORDED_VERSION}: bump that
 * with the next change.
 */
class PassWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "v1-success",
        "v1-cancel",
        "v1-decide",
        "v1-restart",
        "v1-executor-death",
        "v1-link-down",
        // link-open-retry: a refused opening is tried again until LOS
        "v2-success",
        "v2-cancel",
        "v2-decide",
        "v2-restart",
        "v2-executor-death",
        "v2-link-down",
        "v2-open-refused"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/pass-" + scenario + ".json", PassWorkflowImpl.class);
  }
}
