package io.opsflow.device.connectivity;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.opsflow.device.telemetry.FirstContact;
import io.opsflow.device.telemetry.FirstContactListener;
import io.temporal.failure.ApplicationFailure;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Probes run through one bulkhead per worker ({@code max-concurrent-probes}): thousands of monitors
 * firing together queue for a slot instead of forking thousands of pings; a probe that waits longer
 * than {@code max-wait-for-slot} fails its attempt and Temporal retries it.
 */
@Component
public class ConnectivityActivitiesImpl implements ConnectivityActivities {

  private static final Logger log = LoggerFactory.getLogger(ConnectivityActivitiesImpl.class);

  private final JdbcTemplate jdbc;
  private final ConnectivityProperties properties;
  private final List<FirstContactListener> listeners;
  private final Clock clock;
  private final Bulkhead bulkhead;

  @Autowired
  public ConnectivityActivitiesImpl(
      JdbcTemplate jdbc, ConnectivityProperties properties, List<FirstContactListener> listeners) {
    this(jdbc, properties, listeners, Clock.systemUTC());
  }

  public ConnectivityActivitiesImpl(
      JdbcTemplate jdbc,
      ConnectivityProperties properties,
      List<FirstContactListener> listeners,
      Clock clock) {
    this.jdbc = jdbc;
    this.properties = properties;
    this.listeners = List.copyOf(listeners);
    this.clock = clock;
    this.bulkhead =
        Bulkhead.of(
            "connectivity-probes",
            BulkheadConfig.custom()
                .maxConcurrentCalls(properties.maxConcurrentProbes())
                .maxWaitDuration(properties.maxWaitForSlot())
                .build());
  }

  /** Probes in flight and slots free, for the benchmark and operators. */
  public Bulkhead bulkhead() {
    return bulkhead;
  }

  private record Target(String ip, boolean released, String probe, Integer tcpPort) {}

  @Override
  public ProbeResult probe(ProbeRequest request) {
    List<Target> found =
        jdbc.query(
            "select host(e.ip_address), e.released_at is not null, s.probe, s.tcp_port"
                + " from vpn_endpoints e left join connectivity_status s on s.endpoint_id = e.id"
                + " where e.id = ?",
            (rs, i) ->
                new Target(
                    rs.getString(1), rs.getBoolean(2), rs.getString(3), (Integer) rs.getObject(4)),
            request.endpointId());
    if (found.isEmpty() || found.get(0).released()) {
      return ProbeResult.releasedEndpoint();
    }
    Target target = found.get(0);
    String mode = target.probe() != null ? target.probe() : properties.probe();
    int port = target.tcpPort() != null ? target.tcpPort() : properties.tcpPort();
    String method = mode.equals("tcp") ? "tcp:" + port : "icmp";
    if (!properties.mayProbe(target.ip())) {
      return new ProbeResult(
          false,
          target.ip(),
          method,
          false,
          null,
          "not probed: outside opsflow.connectivity.probe-networks " + properties.probeNetworks(),
          clock.instant());
    }
    try {
      return bulkhead.executeSupplier(
          () -> {
            Instant at = clock.instant();
            Prober.Outcome outcome =
                mode.equals("tcp")
                    ? Prober.tcp(target.ip(), port, request.timeout())
                    : Prober.icmp(target.ip(), request.timeout());
            return new ProbeResult(
                false,
                target.ip(),
                method,
                outcome.success(),
                outcome.rttMs(),
                outcome.error(),
                at);
          });
    } catch (BulkheadFullException full) {
      throw ApplicationFailure.newFailure(
          "no probe slot free within " + properties.maxWaitForSlot(), "PROBE_BULKHEAD_FULL");
    }
  }

  @Override
  public void record(ConnectivityUpdate update) {
    Health h = update.health();
    ProbeResult probe = update.probe();
    int changed =
        jdbc.update(
            "insert into connectivity_status as s (endpoint_id, status, last_ping_success, rtt_ms,"
                + " last_checked, last_error, consecutive_failures, recent_probes, probe_seq,"
                + " monitoring) values (?, ?, ?, ?, ?, ?, ?, ?, ?, true)"
                + " on conflict (endpoint_id) do update set status = excluded.status,"
                + " last_ping_success = excluded.last_ping_success, rtt_ms = excluded.rtt_ms,"
                + " last_checked = excluded.last_checked, last_error = excluded.last_error,"
                + " consecutive_failures = excluded.consecutive_failures,"
                + " recent_probes = excluded.recent_probes, probe_seq = excluded.probe_seq,"
                + " monitoring = true, stopped_at = null, stop_reason = null"
                + " where s.probe_seq < excluded.probe_seq",
            update.endpointId(),
            h.status().value(),
            ts(h.lastPingSuccess()),
            h.rttMs(),
            ts(h.lastChecked()),
            probe.success() ? null : probe.error(),
            h.consecutiveFailures(),
            h.recentProbes(),
            h.probeSeq());
    if (update.before() != h.status()) {
      jdbc.update(
          "insert into connectivity_transitions (endpoint_id, probe_seq, at, from_status,"
              + " to_status, rtt_ms, reason) values (?, ?, ?, ?, ?, ?, ?)"
              + " on conflict (endpoint_id, probe_seq) do nothing",
          update.endpointId(),
          h.probeSeq(),
          ts(probe.at()),
          update.before().value(),
          h.status().value(),
          probe.success() ? probe.rttMs() : null,
          update.reason());
    }
    if (changed > 0 && probe.success()) {
      firstContactByPing(update.endpointId(), probe.at());
    }
  }

  private void firstContactByPing(long endpointId, Instant at) {
    List<Long> devices =
        jdbc.queryForList(
            "select e.device_id from vpn_endpoints e where e.id = ? and not exists"
                + " (select 1 from device_first_contacts c where c.device_id = e.device_id)",
            Long.class,
            endpointId);
    for (Long device : devices) {
      FirstContact contact = new FirstContact(device, at, FirstContact.PING, null, endpointId);
      log.info("first contact with device {}: endpoint {} answered", device, endpointId);
      for (FirstContactListener listener : listeners) {
        listener.firstContact(contact);
      }
    }
  }

  @Override
  public void stopped(MonitorStopped stopped) {
    jdbc.update(
        "insert into connectivity_status as s (endpoint_id, monitoring, stopped_at, stop_reason)"
            + " values (?, false, ?, ?) on conflict (endpoint_id) do update set monitoring = false,"
            + " stopped_at = excluded.stopped_at, stop_reason = excluded.stop_reason",
        stopped.endpointId(),
        ts(stopped.at()),
        stopped.reason());
  }

  private static Timestamp ts(Instant at) {
    return at == null ? null : Timestamp.from(at);
  }
}
