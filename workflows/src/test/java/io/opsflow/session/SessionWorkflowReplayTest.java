package io.opsflow.session;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays histories recorded from {@link SessionWorkflowTest} against the current workflow code:
 * fails with a NonDeterministicException when a change would break runs already in flight. After an
 * intended incompatible change (behind Workflow.getVersion), re-record with {@code mvn -pl
 * workflows test -Dtest=SessionWorkflowTest
 * -Dopsflow.recordHistories=$PWD/workflows/src/test/resources/histories} and keep the old files
 * too, under new names, while such runs can still exist.
 */
class SessionWorkflowReplayTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "expire",
        "extend",
        "stop",
        "card",
        "device-down",
        "v1-expire",
        "v1-extend",
        "v1-stop",
        "v1-card",
        "v1-device-down",
        "v2-expire",
        "v2-extend",
        "v2-stop",
        "v2-card",
        "v2-device-down",
        // before version local-writes (rows written by remote activities)
        "v3-expire",
        "v3-extend",
        "v3-stop",
        "v3-card",
        "v3-device-down",
        // before version card-reconcile (an unconfirmed card payment cancelled without asking)
        "v4-expire",
        "v4-extend",
        "v4-stop",
        "v4-card",
        "v4-device-down",
        "card-paid-unconfirmed",
        // version reserve-cleanup: a reservation committed before a long outage is ended FAILED
        "reserve-cleanup"
      })
  void replaysRecordedHistory(String scenario) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource(
        "histories/session-" + scenario + ".json", SessionWorkflowImpl.class);
  }
}
