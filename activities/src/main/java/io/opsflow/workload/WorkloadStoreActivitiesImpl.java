package io.opsflow.workload;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.temporal.failure.ApplicationFailure;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Workload rows in PostgreSQL. Placement runs in one transaction that locks every ACTIVE node row
 * first (always in node id order), so concurrent placements see each other's requests and a node is
 * never promised more than it offers.
 */
@Component
public class WorkloadStoreActivitiesImpl implements WorkloadStoreActivities {

  /** Statuses whose requests count against their node's offer ({@link WorkloadStatus#isLive}). */
  static final String LIVE =
      Arrays.stream(WorkloadStatus.values())
          .filter(WorkloadStatus::isLive)
          .map(s -> "'" + s.name() + "'")
          .collect(Collectors.joining(", ", "(", ")"));

  /** Counter of placement decisions, tagged {@code outcome} (scheduled, pending) and policy. */
  public static final String PLACEMENTS_METRIC = "opsflow.workload.placements";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final WorkloadEventLog events;
  private final MeterRegistry meters;

  @Autowired
  public WorkloadStoreActivitiesImpl(
      JdbcTemplate jdbc,
      TransactionTemplate tx,
      ObjectMapper mapper,
      ObjectProvider<MeterRegistry> meters) {
    this(jdbc, tx, mapper, meters.getIfAvailable(SimpleMeterRegistry::new));
  }

  public WorkloadStoreActivitiesImpl(
      JdbcTemplate jdbc, TransactionTemplate tx, ObjectMapper mapper, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.events = new WorkloadEventLog(jdbc, mapper);
    this.meters = meters;
  }

  @Override
  public Placement place(PlaceRequest request) {
    UUID id = workloadId(request.workloadId());
    Decision decision = tx.execute(status -> placeInTransaction(id, request));
    if (decision.fresh()) {
      // Counted once per decision: an idempotent replay returns before deciding.
      placements(decision.placement().status(), request.policy()).increment();
    }
    return decision.placement();
  }

  private record Decision(Placement placement, boolean fresh) {}

  private record Stored(String nodeId, WorkloadStatus status, int revision, int sequence) {}

  private Decision placeInTransaction(UUID id, PlaceRequest request) {
    // Lock order: nodes (by id), then the workload row; NodeActivitiesImpl takes the same order.
    jdbc.queryForList(
        "select node_id from nodes where status = 'ACTIVE' order by node_id for update",
        String.class);
    Stored stored = lockWorkload(id);
    List<String> exclude = request.exclude() == null ? List.of() : request.exclude();
    if (stored != null && stored.revision() > request.revision()) {
      // A late retry of an older revision: the newer one owns the row.
      return new Decision(asPlacement(id, stored), false);
    }
    if (stored != null
        && stored.revision() == request.revision()
        && stored.nodeId() != null
        && stored.status().isLive()
        && !exclude.contains(stored.nodeId())) {
      return new Decision(asPlacement(id, stored), false);
    }
    if (stored != null
        && stored.revision() == request.revision()
        && stored.sequence() > request.sequence()) {
      // A stale attempt: the workflow has written newer changes since; it changes nothing.
      return new Decision(asPlacement(id, stored), false);
    }
    WorkloadSpec spec = request.spec();
    List<NodeCapacity> nodes = capacity(id);
    Optional<String> chosen =
        NodeSelector.choose(nodes, spec.cpu(), spec.memoryMb(), policy(request), exclude);
    WorkloadStatus status = chosen.isPresent() ? WorkloadStatus.SCHEDULED : WorkloadStatus.PENDING;
    String nodeId = chosen.orElse(null);
    String message =
        chosen.isPresent()
            ? "placed on " + nodeId + " (" + policy(request).name().toLowerCase(Locale.ROOT) + ")"
            : noRoom(spec, nodes.size(), exclude);
    Instant now = Instant.now();
    if (stored == null) {
      insert(id, request, status, nodeId, message, now);
    } else if (stored.revision() < request.revision()) {
      renew(id, request, status, nodeId, message, now);
    } else {
      jdbc.update(
          "update workloads set status = ?, node_id = ?, message = ?, exit_code = null,"
              + " sequence = ?, updated_at = ? where id = ?",
          status.name(),
          nodeId,
          message,
          request.sequence(),
          Timestamp.from(now),
          id);
    }
    boolean changed =
        stored == null
            || stored.revision() != request.revision()
            || stored.status() != status
            || !Objects.equals(stored.nodeId(), nodeId);
    if (changed) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("cpu", spec.cpu());
      data.put("memory_mb", spec.memoryMb());
      data.put("policy", policy(request).name());
      data.put("candidates", nodes.size());
      data.put("exclude", exclude);
      // Keyed by the workflow's sequence: a retried place appends nothing twice.
      events.append(
          id,
          request.revision(),
          request.sequence(),
          chosen.isPresent() ? "placed" : "pending",
          status,
          nodeId,
          message,
          data,
          now);
    }
    return new Decision(new Placement(id.toString(), nodeId, status), changed);
  }

  private Stored lockWorkload(UUID id) {
    List<Stored> rows =
        jdbc.query(
            "select node_id, status, revision, sequence from workloads where id = ? for update",
            (rs, i) ->
                new Stored(
                    rs.getString(1),
                    WorkloadStatus.valueOf(rs.getString(2)),
                    rs.getInt(3),
                    rs.getInt(4)),
            id);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** Free capacity of every ACTIVE node: its offer minus the live requests placed on it. */
  private List<NodeCapacity> capacity(UUID self) {
    return jdbc.query(
        "select n.node_id, n.offered_cpu - coalesce(sum(w.cpu), 0),"
            + " n.offered_memory_mb - coalesce(sum(w.memory_mb), 0), count(w.id)"
            + " from nodes n left join workloads w on w.node_id = n.node_id"
            + " and w.status in "
            + LIVE
            + " and w.id <> ?"
            + " where n.status = 'ACTIVE'"
            + " group by n.node_id, n.offered_cpu, n.offered_memory_mb order by n.node_id",
        (rs, i) ->
            new NodeCapacity(
                rs.getString(1), NodeStatus.ACTIVE, rs.getDouble(2), rs.getLong(3), rs.getInt(4)),
        self);
  }

  private void insert(
      UUID id,
      PlaceRequest request,
      WorkloadStatus status,
      String nodeId,
      String message,
      Instant now) {
    WorkloadSpec spec = request.spec();
    jdbc.update(
        "insert into workloads (id, name, type, image, command, env, cpu, memory_mb,"
            + " restart_mode, restart_max, node_id, status, message, revision, sequence,"
            + " created_at, updated_at)"
            + " values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        spec.name(),
        spec.type() == null ? "docker-container" : spec.type(),
        spec.image(),
        spec.command().toArray(String[]::new),
        events.json(spec.envVars()),
        spec.cpu(),
        spec.memoryMb(),
        spec.restart().mode().name(),
        Math.max(0, spec.restart().maxAttempts()),
        nodeId,
        status.name(),
        message,
        request.revision(),
        request.sequence(),
        Timestamp.from(now),
        Timestamp.from(now));
  }

  /**
   * A new revision ({@code POST /workloads/{id}/retry}): same id, the outcome of the old cleared.
   */
  private void renew(
      UUID id,
      PlaceRequest request,
      WorkloadStatus status,
      String nodeId,
      String message,
      Instant now) {
    WorkloadSpec spec = request.spec();
    jdbc.update(
        "update workloads set name = ?, image = ?, command = ?, env = ?::jsonb, cpu = ?,"
            + " memory_mb = ?, restart_mode = ?, restart_max = ?, node_id = ?, status = ?,"
            + " message = ?, exit_code = null, logs = null, revision = ?, sequence = ?,"
            + " restarts = 0, updated_at = ? where id = ?",
        spec.name(),
        spec.image(),
        spec.command().toArray(String[]::new),
        events.json(spec.envVars()),
        spec.cpu(),
        spec.memoryMb(),
        spec.restart().mode().name(),
        Math.max(0, spec.restart().maxAttempts()),
        nodeId,
        status.name(),
        message,
        request.revision(),
        request.sequence(),
        Timestamp.from(now),
        id);
  }

  @Override
  public void status(StatusChange change) {
    UUID id = workloadId(change.workloadId());
    tx.executeWithoutResult(
        s -> {
          Stored stored = lockWorkload(id);
          if (stored == null) {
            throw ApplicationFailure.newNonRetryableFailure(
                "workload " + id + " is not stored (place it first)", "WORKLOAD_NOT_FOUND");
          }
          Instant at = change.at() == null ? Instant.now() : change.at();
          // Applied only when not older than what the row shows, so a late retry of an earlier
          // change never overwrites a newer status.
          jdbc.update(
              "update workloads set status = ?, node_id = coalesce(?, node_id), exit_code = ?,"
                  + " message = ?, logs = coalesce(?, logs), revision = ?, sequence = ?,"
                  + " restarts = case when ? = 'RESTARTING' and status <> 'RESTARTING'"
                  + " then restarts + 1 else restarts end, updated_at = ?"
                  + " where id = ? and (revision < ? or (revision = ? and sequence <= ?))",
              change.status().name(),
              change.nodeId(),
              change.exitCode(),
              change.message(),
              change.logs(),
              change.revision(),
              change.sequence(),
              change.status().name(),
              Timestamp.from(at),
              id,
              change.revision(),
              change.revision(),
              change.sequence());
          Map<String, Object> data = new LinkedHashMap<>();
          if (change.exitCode() != null) {
            data.put("exit_code", change.exitCode());
          }
          if (change.logs() != null) {
            data.put("logs_chars", change.logs().length());
          }
          events.append(
              id,
              change.revision(),
              change.sequence(),
              "status",
              change.status(),
              change.nodeId() == null ? stored.nodeId() : change.nodeId(),
              change.message(),
              data,
              at);
        });
  }

  private Counter placements(WorkloadStatus outcome, PlacementPolicy policy) {
    return Counter.builder(PLACEMENTS_METRIC)
        .description("Scheduling decisions: placed on a node or left pending")
        .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
        .tag("policy", (policy == null ? PlacementPolicy.SPREAD : policy).name())
        .register(meters);
  }

  private static PlacementPolicy policy(PlaceRequest request) {
    return request.policy() == null ? PlacementPolicy.SPREAD : request.policy();
  }

  private static Placement asPlacement(UUID id, Stored stored) {
    WorkloadStatus status =
        stored.nodeId() == null || !stored.status().isLive()
            ? WorkloadStatus.PENDING
            : WorkloadStatus.SCHEDULED;
    return new Placement(
        id.toString(), status == WorkloadStatus.PENDING ? null : stored.nodeId(), status);
  }

  private static String noRoom(WorkloadSpec spec, int activeNodes, List<String> exclude) {
    return "no node fits cpu="
        + spec.cpu()
        + " memory="
        + spec.memoryMb()
        + "MiB ("
        + activeNodes
        + " active"
        + (exclude.isEmpty() ? "" : ", excluded " + String.join(",", exclude))
        + ")";
  }

  static UUID workloadId(String value) {
    try {
      return UUID.fromString(value);
    } catch (IllegalArgumentException | NullPointerException e) {
      // Retrying cannot make a malformed id valid.
      throw ApplicationFailure.newNonRetryableFailure(
          "workload id is not a UUID: " + value, "INVALID_WORKLOAD_ID");
    }
  }
}
