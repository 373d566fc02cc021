package io.opsflow.device.connectivity;

import java.time.Duration;

/**
 * How an endpoint is watched; fixed for the life of a monitor (carried across continue-as-new).
 *
 * @param interval time between the start of one probe and the next
 * @param probeTimeout how long one probe waits for an answer
 * @param window number of recent probes judged for DEGRADED
 * @param offlineAfter consecutive failed probes that make the endpoint OFFLINE
 * @param degradedRttMs a round trip above this (ms) makes an answering endpoint DEGRADED
 * @param probesPerRun probes before the workflow continues as new (bounds its history)
 * @param devicesTaskQueue queue of the workers that probe: the health pool ({@code health}); the
 *     devices pool for monitors started before the health pool existed
 */
public record ConnectivitySettings(
    Duration interval,
    Duration probeTimeout,
    int window,
    int offlineAfter,
    double degradedRttMs,
    int probesPerRun,
    String devicesTaskQueue) {

  public ConnectivitySettings {
    if (interval == null || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive");
    }
    if (probeTimeout == null || probeTimeout.isNegative() || probeTimeout.isZero()) {
      throw new IllegalArgumentException("probeTimeout must be positive");
    }
    if (window < 1 || window > 64 || offlineAfter < 1 || probesPerRun < 1) {
      throw new IllegalArgumentException(
          "window must be 1..64, offlineAfter and probesPerRun positive");
    }
  }
}
