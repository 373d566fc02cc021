package io.opsflow.device.connectivity;

import java.time.Instant;

/**
 * What a monitor knows of its endpoint after some probes.
 *
 * @param status current status
 * @param probeSeq probes made so far in the monitor's whole life
 * @param consecutiveFailures failed probes since the last success
 * @param recentProbes the last {@code window} results, oldest first: '1' answered, '0' not
 * @param lastPingSuccess when it last answered
 * @param rttMs round trip of the last answer
 * @param lastChecked when it was last probed
 * @param transitions status changes so far
 */
public record Health(
    ConnectivityStatus status,
    long probeSeq,
    int consecutiveFailures,
    String recentProbes,
    Instant lastPingSuccess,
    Double rttMs,
    Instant lastChecked,
    long transitions) {

  public static Health initial() {
    return new Health(ConnectivityStatus.UNKNOWN, 0, 0, "", null, null, null, 0);
  }
}
