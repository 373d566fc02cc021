package io.opsflow.flight;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The flight history of one device, id {@code flight-history-<deviceId>} (seed 003, flow 3): pulls
 * the device's telemetry_records after a cursor kept in workflow state (the pull copies them into
 * the monitor's own flight_telemetry), classifies them with {@link FlightClassifier}, stores the
 * flights, incidents and metric buckets, and goes on for as long as the device exists, continuing
 * as new with the cursor and the classifier state. The cursor only moves after a batch was
 * classified, and classified points are skipped by id, so a worker restart mid-pull, an activity
 * retry or continue-as-new neither skips nor repeats a record.
 */
@WorkflowInterface
public interface FlightHistoryWorkflow {

  @WorkflowMethod
  void run(FlightHistoryRequest request);

  /** The cursor, the counts and what is still open. */
  @QueryMethod
  FlightHistoryView view();

  /** The workflow id of {@code deviceId}'s history. */
  static String workflowId(long deviceId) {
    return "flight-history-" + deviceId;
  }
}
