package io.opsflow.build;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link BuildWorkflowTest} against the current workflow code:
 * fails with a NonDeterministicException when a change would break builds already in flight. After
 * an intended incompatible change (behind Workflow.getVersion), re-record with {@code mvn -pl
 * workflows test -Dtest=BuildWorkflowTest
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories} and keep the old files
 * too, under new names, while such builds can still exist. The test writes {@code
 * build-<version>-<scenario>.json} with the version it names in {@code RECORDED_VERSION}: bump that
 * with the next change.
 */
class BuildWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        // before workspace-cleanup (DEFAULT_VERSION): no cleanup
        "diamond",
        "fail-fast",
        "cancel",
        "retry",
        // workspace-cleanup 1: the runner removes the workspace after the last job
        "v1-diamond",
        "v1-fail-fast",
        "v1-cancel",
        "v1-retry",
        // expressions 1: if: and ${{ }} evaluated, matrix instances, fail-fast, max-parallel
        "v2-diamond",
        "v2-fail-fast",
        "v2-cancel",
        "v2-retry",
        "v2-expressions",
        "v2-matrix",
        "v2-matrix-fail-fast",
        // concurrency 1: a build waits for its pipeline's concurrency group
        "v3-diamond",
        "v3-fail-fast",
        "v3-cancel",
        "v3-retry",
        "v3-expressions",
        "v3-matrix",
        "v3-matrix-fail-fast",
        "v3-concurrency",
        // configuration variables: the vars context from the request's snapshot (a new input
        // field, no new command: the histories above, whose input has no vars, replay unchanged)
        "v3-vars"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/build-" + scenario + ".json", BuildWorkflowImpl.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-supersede"})
  void replaysRecordedConcurrencyGroup(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/concurrency-" + scenario + ".json", ConcurrencyWorkflowImpl.class);
  }
}
