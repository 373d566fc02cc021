package io.opsflow.flight;

import io.opsflow.TaskQueueProperties;
import io.opsflow.device.telemetry.FirstContact;
import io.opsflow.device.telemetry.FirstContactListener;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Starts a device's {@link FlightHistoryWorkflow} ({@code flight-history-<deviceId>}) when its
 * first telemetry record is stored, and on demand (the admin route). Idempotent: a running history
 * is used as it is (conflict policy use-existing), so a repeated first contact, two intake
 * processes or an operator's start change nothing. The workflow has no end of its own: once started
 * it pulls whatever the device sends.
 */
@Component
public class FlightHistoryStarter implements FirstContactListener {

  private final WorkflowClient client;
  private final TaskQueueProperties queues;
  private final FlightHistoryRequest.Retention retention;

  /**
   * @param archiveMargin {@code opsflow.flight.retention.archive-margin}: a closed flight's raw
   *     copies are archived once the pull passed its landing by this much (default 1 minute)
   * @param keepHot {@code opsflow.flight.retention.keep-hot}: archived copies stay in
   *     flight_telemetry this long, then are pruned (default 7 days)
   * @param retain {@code opsflow.flight.retention.enabled} (default true)
   */
  public FlightHistoryStarter(
      WorkflowClient client,
      TaskQueueProperties queues,
      @Value("${opsflow.flight.retention.archive-margin:PT1M}") Duration archiveMargin,
      @Value("${opsflow.flight.retention.keep-hot:P7D}") Duration keepHot,
      @Value("${opsflow.flight.retention.enabled:true}") boolean retain) {
    this.client = client;
    this.queues = queues;
    this.retention = retain ? new FlightHistoryRequest.Retention(archiveMargin, keepHot) : null;
  }

  @Override
  public void firstContact(FirstContact contact) {
    if (FirstContact.TELEMETRY.equals(contact.via())) {
      start(contact.deviceId());
    }
  }

  /** Starts the device's history unless it runs; false when it was running already. */
  public boolean start(long deviceId) {
    FlightHistoryWorkflow history =
        client.newWorkflowStub(
            FlightHistoryWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(queues.orchestration())
                .setWorkflowId(FlightHistoryWorkflow.workflowId(deviceId))
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
                .setTypedSearchAttributes(
                    SearchAttributes.newBuilder()
                        .set(FlightSearchAttributes.AIRBORNE, false)
                        .build())
                .build());
    try {
      WorkflowClient.start(history::run, FlightHistoryRequest.of(deviceId, retention));
      return true;
    } catch (WorkflowExecutionAlreadyStarted running) {
      return false;
    }
  }
}
