package io.opsflow.device.connectivity;

import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.time.Instant;

/** Probing an endpoint and keeping its status (the devices pool). */
@ActivityInterface
public interface ConnectivityActivities {

  /**
   * Probes the endpoint once (ICMP echo via the system ping, or a TCP connect, per endpoint or the
   * deployment's default), through a bulkhead that bounds probes in flight in this worker.
   */
  ProbeResult probe(ProbeRequest request);

  /** Stores the status after a probe and, when it changed, the transition. Idempotent per probe. */
  void record(ConnectivityUpdate update);

  /** Marks the endpoint's monitoring as ended. */
  void stopped(MonitorStopped stopped);

  /**
   * @param endpointId the endpoint
   * @param timeout how long to wait for the answer
   */
  record ProbeRequest(long endpointId, Duration timeout) {}

  /**
   * @param endpointId the endpoint
   * @param before status before the probe
   * @param health after the probe
   * @param probe the probe
   * @param reason why the status is what it is
   */
  record ConnectivityUpdate(
      long endpointId,
      ConnectivityStatus before,
      Health health,
      ProbeResult probe,
      String reason) {}

  /**
   * @param endpointId the endpoint
   * @param at when
   * @param reason why ("endpoint released", an operator's reason)
   */
  record MonitorStopped(long endpointId, Instant at, String reason) {}
}
