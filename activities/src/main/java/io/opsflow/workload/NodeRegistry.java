package io.opsflow.workload;

import io.opsflow.events.EventLog;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * What the agent routes record before they signal {@code node-<id>}: the node's address on {@code
 * POST /api/v1/nodes/register} and the capacity it offers on every {@code POST
 * /api/v1/nodes/heartbeat}. The scheduler reads the offer from here; the node's status stays the
 * node workflow's decision ({@link NodeActivitiesImpl}).
 */
@Component
public class NodeRegistry {

  private final JdbcTemplate jdbc;
  private final EventLog eventLog;

  public NodeRegistry(JdbcTemplate jdbc, EventLog eventLog) {
    this.jdbc = jdbc;
    this.eventLog = eventLog;
  }

  /**
   * Creates the node (ACTIVE, no capacity offered until its first heartbeat) or updates its
   * address, and appends a {@code node_registered} event.
   */
  @Transactional
  public void register(String nodeId, String ipAddress, String hostname, Instant at) {
    Timestamp when = Timestamp.from(at == null ? Instant.now() : at);
    jdbc.update(
        "insert into nodes (node_id, ip_address, hostname, registered_at) values (?, ?, ?, ?)"
            + " on conflict (node_id) do update set ip_address = excluded.ip_address,"
            + " hostname = excluded.hostname, registered_at = excluded.registered_at,"
            + " updated_at = now()",
        nodeId,
        ipAddress,
        hostname,
        when);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("node_id", nodeId);
    data.put("ip_address", ipAddress);
    data.put("hostname", hostname);
    eventLog.append("node_registered", null, null, data, null);
  }

  /**
   * Records the capacity offered in a heartbeat ({@code availableCpu} cores, {@code
   * availableMemory} MiB) and its time, and counts it. A heartbeat from an unknown node creates it.
   */
  @Transactional
  public void heartbeat(Heartbeat heartbeat) {
    Timestamp when =
        Timestamp.from(heartbeat.receivedAt() == null ? Instant.now() : heartbeat.receivedAt());
    double cpu = Math.max(0, heartbeat.availableCpu());
    long memory = Math.max(0, heartbeat.availableMemory());
    jdbc.update(
        "insert into nodes (node_id, offered_cpu, offered_memory_mb, last_heartbeat_at, heartbeats)"
            + " values (?, ?, ?, ?, 1) on conflict (node_id) do update set"
            + " offered_cpu = excluded.offered_cpu,"
            + " offered_memory_mb = excluded.offered_memory_mb,"
            + " last_heartbeat_at = greatest(nodes.last_heartbeat_at, excluded.last_heartbeat_at),"
            + " heartbeats = nodes.heartbeats + 1, updated_at = now()",
        heartbeat.nodeId(),
        cpu,
        memory,
        when);
  }
}
