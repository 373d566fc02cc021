package io.opsflow.device.connectivity;

import java.time.Duration;
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
    @DefaultValue Supervisor supervisor) {

  public ConnectivityProperties {
    if (!probe.equals("icmp") && !probe.equals("tcp")) {
      throw new IllegalArgumentException("opsflow.connectivity.probe must be icmp or tcp");
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
