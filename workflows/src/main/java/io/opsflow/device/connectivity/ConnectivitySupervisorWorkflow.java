package io.opsflow.device.connectivity;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * Keeps a {@link ConnectivityWorkflow} running for every live endpoint, id {@value #WORKFLOW_ID}:
 * every {@code interval} it starts the monitors missing (endpoints created without one, monitors
 * that failed), then continues as new every {@code roundsPerRun} rounds.
 */
@WorkflowInterface
public interface ConnectivitySupervisorWorkflow {

  String WORKFLOW_ID = "connectivity-supervisor";

  @WorkflowMethod
  void run(SupervisorRequest request);

  /**
   * @param interval time between two rounds
   * @param roundsPerRun rounds before continue-as-new
   * @param devicesTaskQueue queue of {@link MonitorActivities}
   */
  record SupervisorRequest(Duration interval, int roundsPerRun, String devicesTaskQueue) {}
}
