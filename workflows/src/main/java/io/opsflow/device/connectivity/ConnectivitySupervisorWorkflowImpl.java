package io.opsflow.device.connectivity;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;

/** See {@link ConnectivitySupervisorWorkflow}. */
public class ConnectivitySupervisorWorkflowImpl implements ConnectivitySupervisorWorkflow {

  private static final Logger log = Workflow.getLogger(ConnectivitySupervisorWorkflowImpl.class);

  @Override
  public void run(SupervisorRequest request) {
    MonitorActivities monitors =
        Workflow.newActivityStub(
            MonitorActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(request.devicesTaskQueue())
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofSeconds(30))
                        .setMaximumAttempts(5)
                        .build())
                .build());
    for (int round = 0; round < request.roundsPerRun(); round++) {
      try {
        List<Long> started = monitors.startMissing();
        if (!started.isEmpty()) {
          log.info("started connectivity monitors for endpoints {}", started);
        }
      } catch (ActivityFailure failed) {
        log.warn(
            "connectivity supervisor round failed, next round retries: {}", failed.getMessage());
      }
      Workflow.sleep(request.interval());
    }
    Workflow.continueAsNew(request);
  }
}
