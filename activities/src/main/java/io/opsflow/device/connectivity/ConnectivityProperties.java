package io.opsflow.device.connectivity;

import io.opsflow.device.pki.Ipv4Net;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The health check of VPN endpoints (seed 003 flow 2: HC pings every known endpoint).
 *
 * @param interval time between two probes of one endpoint
 * @param probeTimeout how long a probe waits for its answer
 * @param probe {@code icmp} (the system ping) or {@code tcp} (a connect to {@code tcpPort}); an
 *     endpoint's own {@code connectivity_status.probe} wins
 * @param tcpPort port of TCP probes; an endpoint's own {@code connectivity_status.tcp_port} wins
 * @param window recent probes judged for DEGRADED
 * @param offlineAfter consecutive failed probes that make an endpoint OFFLINE
 * @param degradedRtt a round trip above this makes an answering endpoint DEGRADED
 * @param probesPerRun probes before a monitor continues as new
 * @param maxConcurrentProbes probes in flight at once in one worker (the bulkhead)
 * @param maxWaitForSlot how long a probe waits for a bulkhead slot before its attempt fails
 * @param probeNetworks the only networks probes may be sent to (CIDRs, comma separated); empty:
 *     any. Dev and test configurations keep probes on loopback ({@code 127.0.0.0/8}); an endpoint
 *     outside is recorded as a failed probe that was never sent
 * @param supervisor the workflow that starts missing monitors
 */
@ConfigurationProperties(prefix = "opsflow.connectivity")
public record ConnectivityProperties(
    @DefaultValue("30s") Duration interval,
    @DefaultValue("2s") Duration probeTimeout,
    @DefaultValue("icmp") String probe,
    @DefaultValue("22") int tcpPort,
    @DefaultValue("5") int window,
    @DefaultValue("3") int offlineAfter,
    @DefaultValue("250ms") Duration degradedRtt,
    @DefaultValue("500") int probesPerRun,
    @DefaultValue("64") int maxConcurrentProbes,
    @DefaultValue("30s") Duration maxWaitForSlot,
    @DefaultValue("") List<String> probeNetworks,
    @DefaultValue Supervisor supervisor) {

  public ConnectivityProperties {
    if (!probe.equals("icmp") && !probe.equals("tcp")) {
      throw new IllegalArgumentException("opsflow.connectivity.probe must be icmp or tcp");
    }
    probeNetworks = probeNetworks.stream().map(String::strip).filter(n -> !n.isEmpty()).toList();
    for (String network : probeNetworks) {
      try {
        Ipv4Net.parse(network);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "opsflow.connectivity.probe-networks: " + network + " is not an IPv4 CIDR", e);
      }
    }
    if (maxConcurrentProbes < 1) {
      throw new IllegalArgumentException("opsflow.connectivity.max-concurrent-probes must be >= 1");
    }
  }

  /**
   * @param enabled start {@code connectivity-supervisor} when the application is ready
   * @param interval time between two rounds
   * @param roundsPerRun rounds before it continues as new
   */
  public record Supervisor(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("1m") Duration interval,
      @DefaultValue("60") int roundsPerRun) {}

  /** Whether a probe may be sent to {@code ip}. */
  public boolean mayProbe(String ip) {
    if (probeNetworks.isEmpty()) {
      return true;
    }
    Ipv4Net target;
    try {
      target = Ipv4Net.parse(ip + "/32");
    } catch (IllegalArgumentException notIpv4) {
      return false;
    }
    return probeNetworks.stream().anyMatch(n -> Ipv4Net.parse(n).contains(target));
  }

  /** The settings a monitor starts with. */
  public ConnectivitySettings toSettings(String devicesTaskQueue) {
    return new ConnectivitySettings(
        interval,
        probeTimeout,
        window,
        offlineAfter,
        degradedRtt.toNanos() / 1e6,
        probesPerRun,
        devicesTaskQueue);
  }
}
