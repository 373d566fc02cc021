package io.opsflow.device.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Source address to device, from the live VPN endpoints ({@code released_at is null}), cached and
 * reloaded whole when older than the refresh interval. An address not in the cache is looked up on
 * its own at once (an endpoint created a moment ago maps its first message), and remembered as
 * unknown for a second, so a flood from an unknown source costs one query a second. An address live
 * in two meshes at once (the same overlay IP in two tenants) names no device: its messages are kept
 * as from an unknown source. A released endpoint stops mapping at the next reload.
 */
public class EndpointDirectory {

  private static final Duration UNKNOWN_FOR = Duration.ofSeconds(1);

  private final JdbcTemplate jdbc;
  private final Duration refresh;
  private final Clock clock;
  private Map<String, Long> devices = new HashMap<>();
  private final Map<String, Instant> unknown = new HashMap<>();
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
    if (devices.containsKey(sourceIp)) {
      return devices.get(sourceIp);
    }
    Instant missed = unknown.get(sourceIp);
    if (missed != null && missed.plus(UNKNOWN_FOR).isAfter(now)) {
      return null;
    }
    List<Long> owners =
        jdbc.queryForList(
            "select distinct device_id from vpn_endpoints"
                + " where ip_address = ?::inet and released_at is null",
            Long.class,
            sourceIp);
    if (owners.size() == 1) {
      unknown.remove(sourceIp);
      devices.put(sourceIp, owners.get(0));
      return owners.get(0);
    }
    unknown.put(sourceIp, now);
    return null;
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
    ambiguous.forEach(loaded::remove);
    devices = loaded;
    unknown.clear();
    loadedAt = now;
  }
}
