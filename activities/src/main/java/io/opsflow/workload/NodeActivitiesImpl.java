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
 * Node rows in PostgreSQL, written by {@code node-<id>}: status, heartbeat time and what the agent
 * reported. A node turning INACTIVE takes its live workloads with it: each is marked LOST (with a
 * {@code workload_events} row keyed by the decision) and returned, so the workflow can have them
 * rescheduled elsewhere. A node that is new, came back or offers more returns the PENDING workloads
 * to nudge. Retries return the same ids.
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

  @Override
  public List<String> liveWorkloads(LiveWorkloadsRequest request) {
    return jdbc.queryForList(
        "select id::text from workloads where node_id = ? and status in "
            + WorkloadStoreActivitiesImpl.LIVE
            + " order by id",
        String.class,
        request.nodeId());
  }

  private record Before(
      NodeStatus status, boolean reported, double cpu, long memoryMb, Timestamp nudgedAt) {}

  private List<String> statusInTransaction(NodeStatusChange change) {
    String nodeId = change.nodeId();
    Instant at = change.at() == null ? Instant.now() : change.at();
    Timestamp when = Timestamp.from(at);
    Timestamp lastHeartbeat =
        change.lastHeartbeatAt() == null ? null : Timestamp.from(change.lastHeartbeatAt());
    // A node whose workflow was started by a heartbeat before any registration still gets a row.
    jdbc.update(
        "insert into nodes (node_id, status, last_heartbeat_at) values (?, ?, ?)"
            + " on conflict (node_id) do nothing",
        nodeId,
        change.status().name(),
        lastHeartbeat);
    Before before =
        jdbc.queryForObject(
            "select status, status_changed_at is not null, offered_cpu, offered_memory_mb,"
                + " nudged_at from nodes where node_id = ? for update",
            (rs, i) ->
                new Before(
                    NodeStatus.valueOf(rs.getString(1)),
                    rs.getBoolean(2),
                    rs.getDouble(3),
                    rs.getLong(4),
                    rs.getTimestamp(5)),
            nodeId);
    // Never reported by the workflow yet (row made by registration) counts as a change.
    boolean changed = before.status() != change.status() || !before.reported();
    NodeReport report = change.report();
    Double cpu = report == null || report.availableCpu() == null ? null : report.availableCpu();
    Long memory =
        report == null || report.availableMemoryMb() == null ? null : report.availableMemoryMb();
    jdbc.update(
        "update nodes set status = ?, last_heartbeat_at = greatest(last_heartbeat_at, ?),"
            + " inactive_since = case when ? = 'INACTIVE' then coalesce(inactive_since, ?)"
            + " end, status_changed_at = case when ? then ? else status_changed_at end,"
            + " ip_address = coalesce(?, ip_address), hostname = coalesce(?, hostname),"
            + " agent_status = coalesce(?, agent_status),"
            + " offered_cpu = coalesce(?, offered_cpu),"
            + " offered_memory_mb = coalesce(?, offered_memory_mb),"
            + " updated_at = now() where node_id = ?",
        change.status().name(),
        lastHeartbeat,
        change.status().name(),
        when,
        changed,
        when,
        report == null ? null : report.ipAddress(),
        report == null ? null : report.hostname(),
        report == null ? null : report.agentStatus(),
        cpu == null ? null : Math.max(0, cpu),
        memory == null ? null : Math.max(0, memory),
        nodeId);
    if (changed) {
      appendNodeStatus(change, before.status(), at);
    }
    if (change.status() == NodeStatus.INACTIVE) {
      return markLost(change, at);
    }
    boolean offersMore =
        (cpu != null && cpu > before.cpu()) || (memory != null && memory > before.memoryMb());
    // The same decision retried (same workflow time) answers the same list.
    boolean retried = before.nudgedAt() != null && before.nudgedAt().equals(when);
    if (!changed && !offersMore && !retried) {
      return List.of();
    }
    jdbc.update("update nodes set nudged_at = ? where node_id = ?", when, nodeId);
    return jdbc.queryForList(
        "select id::text from workloads where status = 'PENDING' order by created_at, id",
        String.class);
  }

  private void appendNodeStatus(NodeStatusChange change, NodeStatus previous, Instant at) {
    String nodeId = change.nodeId();
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

  /** Marks every live workload on the node LOST; returns all the node's LOST workloads. */
  private List<String> markLost(NodeStatusChange change, Instant at) {
    String nodeId = change.nodeId();
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
      // Keyed by the node's decision, outside the workflow's sequences.
      workloadEvents.appendKeyed(
          id,
          ((Number) row.get("revision")).intValue(),
          "node_lost/" + nodeId + "/" + at,
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
