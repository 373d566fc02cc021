package io.opsflow.device.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Source address to device, from the live VPN endpoints ({@code released_at is null}), cached and
 * reloaded whole when older than the refresh interval, or at most once a second when an address is
 * not in it (an endpoint created a moment ago). An address live in two meshes at once (the same
 * overlay IP in two tenants) names no device: its messages are kept as from an unknown source.
 */
public class EndpointDirectory {

  private static final Duration MISS_RELOAD = Duration.ofSeconds(1);

  private final JdbcTemplate jdbc;
  private final Duration refresh;
  private final Clock clock;
  private Map<String, Long> devices = Map.of();
  private Instant loadedAt = Instant.MIN;

  public EndpointDirectory(JdbcTemplate jdbc, Duration refresh, Clock clock) {
    this.jdbc = jdbc;
    this.refresh = refresh;
    this.clock = clock;
  }

  /** The device whose live endpoint has this address, or null. */
  public synchronized Long deviceOf(String sourceIp) {
    Instant now = clock.instant();
    if (loadedAt.plus(refresh).isBefore(now)) {
      reload(now);
    }
    if (!devices.containsKey(sourceIp) && loadedAt.plus(MISS_RELOAD).isBefore(now)) {
      reload(now);
    }
    return devices.get(sourceIp);
  }

  private void reload(Instant now) {
    Map<String, Long> loaded = new HashMap<>();
    Set<String> ambiguous = new HashSet<>();
    jdbc.query(
        "select host(ip_address), device_id from vpn_endpoints where released_at is null",
        rs -> {
          String ip = rs.getString(1);
          Long device = rs.getLong(2);
          Long before = loaded.putIfAbsent(ip, device);
          if (before != null && !before.equals(device)) {
            ambiguous.add(ip);
          }
        });
    // Known addresses with no device: no reload for each of their messages.
    ambiguous.forEach(ip -> loaded.put(ip, null));
    devices = loaded;
    loadedAt = now;
  }
}
