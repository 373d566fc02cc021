package io.opsflow.flight;

import io.opsflow.TaskQueueProperties;
import io.opsflow.device.telemetry.FirstContact;
import io.opsflow.device.telemetry.FirstContactListener;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
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

  public FlightHistoryStarter(WorkflowClient client, TaskQueueProperties queues) {
    this.client = client;
    this.queues = queues;
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
      WorkflowClient.start(history::run, FlightHistoryRequest.of(deviceId));
      return true;
    } catch (WorkflowExecutionAlreadyStarted running) {
      return false;
    }
  }
}
