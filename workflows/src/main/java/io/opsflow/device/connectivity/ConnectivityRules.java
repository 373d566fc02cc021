package io.opsflow.device.connectivity;

import java.util.Locale;

/**
 * The status after a probe (README, "Connectivity"): OFFLINE when the last {@code offlineAfter}
 * probes all failed; otherwise DEGRADED when any of the last {@code window} probes failed (the
 * latest included) or the round trip is above {@code degradedRttMs}; otherwise ONLINE. So an
 * endpoint back from OFFLINE shows DEGRADED until a whole window of probes answered.
 */
public final class ConnectivityRules {

  private ConnectivityRules() {}

  /** The next health and the reason of its status. */
  public record Judged(Health health, String reason) {}

  public static Judged next(Health before, ProbeResult probe, ConnectivitySettings settings) {
    String recent = before.recentProbes() + (probe.success() ? '1' : '0');
    if (recent.length() > settings.window()) {
      recent = recent.substring(recent.length() - settings.window());
    }
    int failures = probe.success() ? 0 : before.consecutiveFailures() + 1;
    long failedInWindow = recent.chars().filter(c -> c == '0').count();
    ConnectivityStatus status;
    String reason;
    if (failures >= settings.offlineAfter()) {
      status = ConnectivityStatus.OFFLINE;
      reason = failures + " consecutive probes failed (" + probe.error() + ")";
    } else if (!probe.success()) {
      status = ConnectivityStatus.DEGRADED;
      reason = "probe failed (" + probe.error() + "), " + failures + " in a row";
    } else if (failedInWindow > 0) {
      status = ConnectivityStatus.DEGRADED;
      reason = failedInWindow + " of the last " + recent.length() + " probes failed";
    } else if (probe.rttMs() != null && probe.rttMs() > settings.degradedRttMs()) {
      status = ConnectivityStatus.DEGRADED;
      reason = "rtt " + ms(probe.rttMs()) + " ms above " + ms(settings.degradedRttMs()) + " ms";
    } else {
      status = ConnectivityStatus.ONLINE;
      reason = "answering, rtt " + ms(probe.rttMs()) + " ms";
    }
    Health after =
        new Health(
            status,
            before.probeSeq() + 1,
            failures,
            recent,
            probe.success() ? probe.at() : before.lastPingSuccess(),
            probe.success() ? probe.rttMs() : before.rttMs(),
            probe.at(),
            before.transitions() + (status != before.status() ? 1 : 0));
    return new Judged(after, reason);
  }

  private static String ms(Double value) {
    return value == null ? "?" : String.format(Locale.ROOT, "%.1f", value);
  }
}
