package io.opsflow.device.connectivity;

import java.util.Locale;

/** Reachability of one VPN endpoint (values of {@code connectivity_status.status}). */
public enum ConnectivityStatus {
  /** Not probed yet. */
  UNKNOWN,
  /** The last probes all answered, within the round-trip threshold. */
  ONLINE,
  /** Answering, but some of the last probes failed or the round trip is above the threshold. */
  DEGRADED,
  /** The last {@code offlineAfter} probes all failed. */
  OFFLINE;

  /** The lowercase value stored and shown. */
  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
