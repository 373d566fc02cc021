package io.opsflow.pass;

import io.temporal.activity.ActivityInterface;
import java.time.Instant;
import java.util.Map;

/**
 * The pass's rows in PostgreSQL, on the orchestration queue. Every method is idempotent: events and
 * actions carry a key unique per pass, written once however often the activity is retried.
 */
@ActivityInterface(namePrefix = "PassStore_")
public interface PassStoreActivities {

  /**
   * The pass row's status, phase, executor and times; also an event of type {@code status}.
   *
   * @param eventKey unique per pass, e.g. {@code status-3}
   */
  record StatusChange(
      long passId,
      String eventKey,
      Instant at,
      String status,
      String phase,
      ExecutorHandle executor,
      String failureReason) {}

  void markStatus(StatusChange change);

  /**
   * One entry of the pass's event log (served by REST and SSE).
   *
   * @param eventKey unique per pass (deterministic in the workflow, e.g. {@code node-ping-2-end})
   * @param type {@code phase}, {@code action_started}, {@code action_ended}, {@code operator},
   *     {@code executor}, {@code link}, {@code status}
   * @param nodeId the node concerned, or null
   * @param operator who caused it, or null
   * @param detail free-form attributes (outcome, verifier, error, run ...)
   */
  record PassEvent(
      long passId,
      String eventKey,
      Instant at,
      String type,
      String nodeId,
      String operator,
      Map<String, Object> detail) {}

  void recordEvent(PassEvent event);

  /**
   * An accepted operator action (rejected ones are recorded by the API, since a rejected update
   * never reaches the workflow's history).
   *
   * @param actionKey unique per pass: the update's id
   * @param kind the update's name ({@code skip}, {@code override}, {@code decide}, ...)
   * @param payload the update's input
   */
  record OperatorAction(
      long passId,
      String actionKey,
      Instant at,
      String operator,
      String kind,
      String nodeId,
      Map<String, Object> payload) {}

  void recordAction(OperatorAction action);

  /**
   * Writes a not-started pass's new window or plan.
   *
   * @param expectedVersion when not null, the row must still have this version
   * @return the row's new version
   * @throws io.temporal.failure.ApplicationFailure non-retryable, type {@code PassOverlap}
   *     (details: the conflicting pass id), {@code PassVersionConflict} or {@code PassNotReserved}
   */
  record Replan(
      long passId,
      Instant aos,
      Instant los,
      int leadTimeSeconds,
      ProcedureGraph procedure,
      Map<String, String> parameters,
      Integer expectedVersion) {}

  int replan(Replan replan);

  /**
   * Postprocessing: fits the time correlation from the pass's TM packets and writes the pass report
   * (counts, sequence-count gaps, verifier outcomes, operator actions).
   */
  PassReport finalizeReport(long passId);
}
