package io.opsflow.device.connectivity;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.springframework.stereotype.Component;

/** {@link MonitorActivities} on {@link ConnectivityMonitors}. */
@Component
public class MonitorActivitiesImpl implements MonitorActivities {

  private final ConnectivityMonitors monitors;

  public MonitorActivitiesImpl(ConnectivityMonitors monitors) {
    this.monitors = monitors;
  }

  @Override
  public MonitorStarted startMonitoring(StartMonitoring request) {
    try {
      boolean started = monitors.start(request.endpointId());
      return new MonitorStarted(ConnectivityRequest.workflowId(request.endpointId()), started);
    } catch (ConnectivityMonitors.EndpointNotLive e) {
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), "ENDPOINT_NOT_LIVE");
    }
  }

  @Override
  public List<Long> startMissing() {
    return monitors.startMissing();
  }
}
