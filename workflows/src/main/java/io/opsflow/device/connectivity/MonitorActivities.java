package io.opsflow.device.connectivity;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** Starting monitors: one endpoint (onboarding calls it), or every live endpoint without one. */
@ActivityInterface
public interface MonitorActivities {

  /**
   * Starts {@code connectivity-<endpointId>} unless it runs already; an endpoint released or
   * unknown is refused (non-retryable failure {@code ENDPOINT_NOT_LIVE}).
   */
  MonitorStarted startMonitoring(StartMonitoring request);

  /** Starts a monitor for every live endpoint that has none running; the ids started. */
  List<Long> startMissing();

  record StartMonitoring(long endpointId) {}

  /**
   * @param workflowId {@code connectivity-<endpointId>}
   * @param started false when it was running already
   */
  record MonitorStarted(String workflowId, boolean started) {}
}
