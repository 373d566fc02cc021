package io.opsflow.api.workload;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.workload.WorkloadDtos.ClusterMetrics;
import io.opsflow.api.workload.WorkloadDtos.NodeRow;
import io.opsflow.api.workload.WorkloadDtos.WorkloadEvent;
import io.opsflow.api.workload.WorkloadDtos.WorkloadRow;
import io.opsflow.workload.NodeStatus;
import io.opsflow.workload.RestartMode;
import io.opsflow.workload.RestartPolicy;
import io.opsflow.workload.WorkloadSpec;
import io.opsflow.workload.WorkloadStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the API reads of nodes and workloads; rows are written by activities and the node registry.
 */
@Component
public class WorkloadQueries {

  /** Statuses whose requests count against a node's offer. */
  static final String LIVE = "('SCHEDULED', 'RUNNING', 'RESTARTING')";

  private static final TypeReference<Map<String, String>> ENV = new TypeReference<>() {};

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public WorkloadQueries(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  public List<NodeRow> nodes() {
    return jdbc.query(
        "select n.*, coalesce(sum(w.cpu), 0) as used_cpu,"
            + " coalesce(sum(w.memory_mb), 0) as used_memory, count(w.id) as live"
            + " from nodes n left join workloads w on w.node_id = n.node_id and w.status in "
            + LIVE
            + " group by n.node_id order by n.node_id",
        this::nodeRow);
  }

  /** A registered node's address (the fields of its registration). */
  public record NodeAddress(String ipAddress, String hostname) {}

  /** The node's address; empty when it never registered. */
  public Optional<NodeAddress> address(String nodeId) {
    return jdbc
        .query(
            "select ip_address, hostname from nodes where node_id = ?",
            (rs, n) -> new NodeAddress(rs.getString(1), rs.getString(2)),
            nodeId)
        .stream()
        .findFirst();
  }

  private NodeRow nodeRow(ResultSet rs, int n) throws SQLException {
    double offeredCpu = rs.getDouble("offered_cpu");
    long offeredMemory = rs.getLong("offered_memory_mb");
    return new NodeRow(
        rs.getString("node_id"),
        rs.getString("ip_address"),
        rs.getString("hostname"),
        NodeStatus.valueOf(rs.getString("status")).display(),
        offeredCpu,
        offeredMemory,
        offeredCpu - rs.getDouble("used_cpu"),
        offeredMemory - rs.getLong("used_memory"),
        rs.getInt("live"),
        instant(rs.getTimestamp("registered_at")),
        instant(rs.getTimestamp("last_heartbeat_at")),
        instant(rs.getTimestamp("inactive_since")));
  }

  public List<WorkloadRow> workloads(String status, String nodeId) {
    List<Object> args = new ArrayList<>();
    StringBuilder sql = new StringBuilder("select * from workloads where true");
    if (status != null && !status.isBlank()) {
      String upper = status.strip().toUpperCase(Locale.ROOT);
      try {
        WorkloadStatus.valueOf(upper);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("status", "status: unknown workload status '" + status + "'");
      }
      sql.append(" and status = ?");
      args.add(upper);
    }
    if (nodeId != null && !nodeId.isBlank()) {
      sql.append(" and node_id = ?");
      args.add(nodeId);
    }
    sql.append(" order by created_at desc limit 1000");
    return jdbc.query(sql.toString(), this::workloadRow, args.toArray());
  }

  public WorkloadRow workload(String id) {
    UUID uuid = uuid(id);
    return jdbc.query("select * from workloads where id = ?", this::workloadRow, uuid).stream()
        .findFirst()
        .orElseThrow(() -> WorkloadService.notFound(id));
  }

  /** The workload's request as stored, for a retry of the same spec. */
  public WorkloadSpec spec(String id) {
    WorkloadRow row = workload(id);
    return new WorkloadSpec(
        row.name(),
        row.type(),
        row.image(),
        row.command(),
        row.envVars(),
        row.cpu(),
        row.memory(),
        new RestartPolicy(
            RestartMode.valueOf(row.restartPolicy().toUpperCase(Locale.ROOT).replace('-', '_')),
            row.maxRestarts()));
  }

  public List<WorkloadEvent> events(String id) {
    return jdbc.query(
        "select id, revision, coalesce(sequence, 0), coalesce(status, type), node_id, message,"
            + " created_at from workload_events where workload_id = ? order by id",
        (rs, n) ->
            new WorkloadEvent(
                rs.getLong(1),
                rs.getInt(2),
                rs.getInt(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                instant(rs.getTimestamp(7))),
        uuid(id));
  }

  public ClusterMetrics metrics() {
    Map<String, Long> nodes = new LinkedHashMap<>();
    for (NodeStatus st : NodeStatus.values()) {
      nodes.put(st.display(), 0L);
    }
    jdbc.query(
        "select status, count(*) from nodes group by status",
        rs -> {
          nodes.put(NodeStatus.valueOf(rs.getString(1)).display(), rs.getLong(2));
        });
    Map<String, Long> workloads = new LinkedHashMap<>();
    for (WorkloadStatus s : WorkloadStatus.values()) {
      workloads.put(s.display(), 0L);
    }
    jdbc.query(
        "select status, count(*) from workloads group by status",
        rs -> {
          workloads.put(WorkloadStatus.valueOf(rs.getString(1)).display(), rs.getLong(2));
        });
    double offeredCpu = 0;
    long offeredMemory = 0;
    double freeCpu = 0;
    long freeMemory = 0;
    for (NodeRow n : nodes()) {
      if (n.status().equals("Active")) {
        offeredCpu += n.availableCpu();
        offeredMemory += n.availableMemory();
        freeCpu += n.freeCpu();
        freeMemory += n.freeMemory();
      }
    }
    return new ClusterMetrics(nodes, workloads, offeredCpu, offeredMemory, freeCpu, freeMemory);
  }

  private WorkloadRow workloadRow(ResultSet rs, int n) throws SQLException {
    Map<String, String> env;
    try {
      env = mapper.readValue(rs.getString("env"), ENV);
    } catch (Exception e) {
      env = Map.of();
    }
    String[] command = (String[]) rs.getArray("command").getArray();
    return new WorkloadRow(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("type"),
        rs.getString("image"),
        List.of(command),
        env,
        rs.getDouble("cpu"),
        rs.getLong("memory_mb"),
        rs.getString("restart_mode").toLowerCase(Locale.ROOT).replace('_', '-'),
        rs.getInt("restart_max"),
        rs.getString("node_id"),
        WorkloadStatus.valueOf(rs.getString("status")).display(),
        rs.getObject("exit_code", Integer.class),
        rs.getString("message"),
        rs.getString("logs"),
        rs.getInt("revision"),
        rs.getInt("restarts"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("updated_at")));
  }

  private static UUID uuid(String id) {
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw WorkloadService.notFound(id);
    }
  }

  private static Instant instant(Timestamp ts) {
    return ts == null ? null : ts.toInstant();
  }
}
