package io.opsflow.device.connectivity;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The health check of one VPN endpoint, id {@code connectivity-<endpoint id>}: a probe on a durable
 * timer, the status judged by {@link ConnectivityRules} and stored with its transitions; continues
 * as new every {@code probesPerRun} probes; ends when the endpoint is released or an operator stops
 * it.
 */
@WorkflowInterface
public interface ConnectivityWorkflow {

  @WorkflowMethod
  void run(ConnectivityRequest request);

  @QueryMethod
  ConnectivityView state();

  /** Stops the monitor after the probe in flight, if any. */
  @UpdateMethod
  ConnectivityView stop(StopMonitoring request);

  @UpdateValidatorMethod(updateName = "stop")
  void validateStop(StopMonitoring request);
}
