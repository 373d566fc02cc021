package io.opsflow.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.events.EventLog;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Node status in PostgreSQL, written by {@code node-<id>}. A node turning INACTIVE takes its live
 * workloads with it: each is marked LOST (with a {@code workload_events} row) and returned, so the
 * workflow can have them rescheduled elsewhere. Retries return the same ids.
 */
@Component
public class NodeActivitiesImpl implements NodeActivities {

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final EventLog eventLog;
  private final WorkloadEventLog workloadEvents;

  public NodeActivitiesImpl(
      JdbcTemplate jdbc, TransactionTemplate tx, EventLog eventLog, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.eventLog = eventLog;
    this.workloadEvents = new WorkloadEventLog(jdbc, mapper);
  }

  @Override
  public List<String> status(NodeStatusChange change) {
    return tx.execute(s -> statusInTransaction(change));
  }

  private List<String> statusInTransaction(NodeStatusChange change) {
    String nodeId = change.nodeId();
    Instant at = change.at() == null ? Instant.now() : change.at();
    Timestamp lastHeartbeat =
        change.lastHeartbeatAt() == null ? null : Timestamp.from(change.lastHeartbeatAt());
    // A node whose workflow was started by a heartbeat before any registration still gets a row.
    jdbc.update(
        "insert into nodes (node_id, status, last_heartbeat_at) values (?, ?, ?)"
            + " on conflict (node_id) do nothing",
        nodeId,
        change.status().name(),
        lastHeartbeat);
    Map<String, Object> before =
        jdbc.queryForMap(
            "select status, status_changed_at from nodes where node_id = ? for update", nodeId);
    NodeStatus previous = NodeStatus.valueOf((String) before.get("status"));
    // Never reported by the workflow yet (row made by registration) counts as a change.
    boolean changed = previous != change.status() || before.get("status_changed_at") == null;
    jdbc.update(
        "update nodes set status = ?, last_heartbeat_at = greatest(last_heartbeat_at, ?),"
            + " inactive_since = case when ? = 'INACTIVE' then coalesce(inactive_since, ?)"
            + " end, status_changed_at = case when ? then ? else status_changed_at end,"
            + " updated_at = now() where node_id = ?",
        change.status().name(),
        lastHeartbeat,
        change.status().name(),
        Timestamp.from(at),
        changed,
        Timestamp.from(at),
        nodeId);
    if (changed) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("node_id", nodeId);
      data.put("status", change.status().display());
      data.put("previous", previous.display());
      data.put("at", at.toString());
      data.put(
          "last_heartbeat_at",
          change.lastHeartbeatAt() == null ? null : change.lastHeartbeatAt().toString());
      data.put("reason", change.reason());
      // Keyed by the decision itself (node, status, workflow time): a retry appends nothing.
      eventLog.append(
          "node_status",
          null,
          null,
          data,
          "node_status/" + nodeId + "/" + change.status() + "/" + at);
    }
    if (change.status() != NodeStatus.INACTIVE) {
      return List.of();
    }
    String reason =
        change.reason() == null || change.reason().isBlank()
            ? "node " + nodeId + " is inactive"
            : change.reason();
    List<Map<String, Object>> live =
        jdbc.queryForList(
            "select id, revision from workloads where node_id = ? and status in "
                + WorkloadStoreActivitiesImpl.LIVE
                + " order by id for update",
            nodeId);
    for (Map<String, Object> row : live) {
      UUID id = (UUID) row.get("id");
      jdbc.update(
          "update workloads set status = 'LOST', message = ?, updated_at = ? where id = ?",
          reason,
          Timestamp.from(at),
          id);
      workloadEvents.append(
          id,
          ((Number) row.get("revision")).intValue(),
          null,
          "node_lost",
          WorkloadStatus.LOST,
          nodeId,
          reason,
          Map.of("node_id", nodeId),
          at);
    }
    // Also those a previous attempt marked: the caller must learn about them even if that
    // attempt's answer was lost.
    return jdbc.queryForList(
        "select id::text from workloads where node_id = ? and status = 'LOST' order by id",
        String.class,
        nodeId);
  }
}
