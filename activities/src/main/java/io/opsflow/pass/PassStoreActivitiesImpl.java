package io.opsflow.pass;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.pass.PassReport.SequenceGap;
import io.opsflow.pass.PassReport.TimeCorrelation;
import io.opsflow.pass.TimeCorrelationFit.Sample;
import io.temporal.failure.ApplicationFailure;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The pass's rows in PostgreSQL (PRS's store, seed 000), written by the pass workflow through the
 * orchestration queue. Every write is keyed (event key, action key, the pass row's version), so a
 * retried activity changes nothing more than its first attempt did.
 *
 * <p>{@code pass_reports.report} holds the {@link PassReport} as {@link PassJson} writes it
 * (snake_case, ISO-8601 instants); {@code operator_actions} counts {@code <kind>:<outcome>}, e.g.
 * {@code skip:accepted}.
 */
@Component
public class PassStoreActivitiesImpl implements PassStoreActivities {

  /** Failure type of a replan whose window overlaps another pass (details: its id). */
  public static final String PASS_OVERLAP = "PassOverlap";

  /** Failure type of a replan of a row changed meanwhile. */
  public static final String PASS_VERSION_CONFLICT = "PassVersionConflict";

  /** Failure type of a replan of a pass that has started or was cancelled. */
  public static final String PASS_NOT_RESERVED = "PassNotReserved";

  /** Failure type of any write to a pass that does not exist. */
  public static final String PASS_NOT_FOUND = "PassNotFound";

  /**
   * The NOTIFY channel announcing new events and packets of a pass (payload: the pass id), so the
   * API's SSE streams need not poll.
   */
  public static final String NOTIFY_CHANNEL = "opsflow_pass";

  static final Set<String> FINAL = Set.of("success", "failure", "cancelled");
  private static final Set<String> STARTED = Set.of("starting", "executing");
  private static final String EXCLUSION_VIOLATION = "23P01";
  private static final int SEQUENCE_MODULO = 16384;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  public PassStoreActivitiesImpl(JdbcTemplate jdbc, TransactionTemplate tx) {
    this.jdbc = jdbc;
    this.tx = tx;
  }

  // --- status, events, actions ---------------------------------------------------------------

  /**
   * Written once per event key, in one transaction with its {@code status} event: a late retry of
   * an older change never overwrites a newer one. The executor columns keep the last executor when
   * the change names none; {@code started_at} is set when the pass first starts, {@code ended_at}
   * when it first reaches a final status.
   */
  @Override
  public void markStatus(StatusChange change) {
    requirePass(change.passId());
    Instant at = change.at() == null ? Instant.now() : change.at();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("status", change.status());
    detail.put("phase", change.phase());
    if (change.executor() != null) {
      detail.put("executor_kind", change.executor().kind());
      detail.put("executor_id", change.executor().id());
      detail.put("executor_name", change.executor().name());
    }
    if (change.failureReason() != null) {
      detail.put("failure_reason", change.failureReason());
    }
    tx.executeWithoutResult(
        status -> {
          if (!insertEvent(change.passId(), change.eventKey(), at, "status", null, null, detail)) {
            return; // applied before
          }
          ExecutorHandle executor = change.executor();
          jdbc.update(
              "update passes set status = ?, phase = coalesce(?, phase),"
                  + " executor_kind = coalesce(?, executor_kind),"
                  + " executor_id = coalesce(?, executor_id),"
                  + " executor_name = coalesce(?, executor_name),"
                  + " started_at = case when started_at is null and ? then ? else started_at end,"
                  + " ended_at = case when ? then coalesce(ended_at, ?) else ended_at end,"
                  + " failure_reason = ?, updated_at = now() where id = ?",
              change.status(),
              change.phase(),
              executor == null ? null : executor.kind(),
              executor == null ? null : executor.id(),
              executor == null ? null : executor.name(),
              STARTED.contains(change.status()),
              ts(at),
              FINAL.contains(change.status()),
              ts(at),
              change.failureReason(),
              change.passId());
        });
  }

  @Override
  public void recordEvent(PassEvent event) {
    requirePass(event.passId());
    insertEvent(
        event.passId(),
        event.eventKey(),
        event.at() == null ? Instant.now() : event.at(),
        event.type(),
        event.nodeId(),
        event.operator(),
        event.detail());
  }

  /** Inserts an event unless its key exists; whether it did. */
  private boolean insertEvent(
      long passId,
      String key,
      Instant at,
      String type,
      String nodeId,
      String operator,
      Map<String, Object> detail) {
    int inserted =
        jdbc.update(
            "insert into pass_events (pass_id, event_key, at, type, node_id, operator, detail)"
                + " values (?, ?, ?, ?, ?, ?, ?::jsonb) on conflict (pass_id, event_key) do nothing",
            passId,
            key,
            ts(at),
            type,
            nodeId,
            operator,
            PassJson.write(detail == null ? Map.of() : detail));
    if (inserted > 0) {
      notifyPass(jdbc, passId);
    }
    return inserted > 0;
  }

  @Override
  public void recordAction(OperatorAction action) {
    requirePass(action.passId());
    jdbc.update(
        "insert into scheduled_pass_actions"
            + " (pass_id, operator, at, kind, payload, outcome, node_id, action_key)"
            + " values (?, ?, ?, ?, ?::jsonb, 'accepted', ?, ?)"
            + " on conflict (pass_id, action_key) do nothing",
        action.passId(),
        action.operator() == null ? "unknown" : action.operator(),
        ts(action.at() == null ? Instant.now() : action.at()),
        action.kind(),
        PassJson.write(action.payload() == null ? Map.of() : action.payload()),
        action.nodeId(),
        action.actionKey());
  }

  /** Tells the API's listeners that pass {@code passId} has new events or packets. */
  static void notifyPass(JdbcTemplate jdbc, long passId) {
    jdbc.queryForList("select pg_notify(?, ?)", NOTIFY_CHANNEL, Long.toString(passId));
  }

  // --- replan -------------------------------------------------------------------------------

  /**
   * A retry of an applied replan (the row already holds these values, at the expected version plus
   * one) answers the row's version without bumping it again.
   */
  @Override
  public int replan(Replan replan) {
    String procedure = replan.procedure() == null ? null : PassJson.write(replan.procedure());
    String parameters = replan.parameters() == null ? null : PassJson.write(replan.parameters());
    try {
      return tx.execute(status -> replanInTransaction(replan, procedure, parameters));
    } catch (DataIntegrityViolationException e) {
      Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
      if (cause instanceof SQLException sql && EXCLUSION_VIOLATION.equals(sql.getSQLState())) {
        throw overlap(replan);
      }
      throw e;
    }
  }

  private int replanInTransaction(Replan replan, String procedure, String parameters) {
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "select status, version, (aos = coalesce(?, aos) and los = coalesce(?, los)"
                + " and lead_time_seconds = ? and procedure = coalesce(?::jsonb, procedure)"
                + " and parameters = coalesce(?::jsonb, parameters)) as same"
                + " from passes where id = ? for update",
            ts(replan.aos()),
            ts(replan.los()),
            replan.leadTimeSeconds(),
            procedure,
            parameters,
            replan.passId());
    if (rows.isEmpty()) {
      throw notFound(replan.passId());
    }
    String status = (String) rows.get(0).get("status");
    int version = ((Number) rows.get(0).get("version")).intValue();
    boolean same = Boolean.TRUE.equals(rows.get(0).get("same"));
    Integer expected = replan.expectedVersion();
    if (same && "reserved".equals(status) && (expected == null || version == expected + 1)) {
      return version;
    }
    if (!"reserved".equals(status)) {
      throw ApplicationFailure.newNonRetryableFailure(
          "pass " + replan.passId() + " is " + status + ": only a reserved pass can be replanned",
          PASS_NOT_RESERVED,
          replan.passId(),
          status);
    }
    if (expected != null && version != expected) {
      throw ApplicationFailure.newNonRetryableFailure(
          "pass " + replan.passId() + " is at version " + version + ", not " + expected,
          PASS_VERSION_CONFLICT,
          replan.passId(),
          version);
    }
    return jdbc.queryForObject(
        "update passes set aos = coalesce(?, aos), los = coalesce(?, los),"
            + " lead_time_seconds = ?, procedure = coalesce(?::jsonb, procedure),"
            + " parameters = coalesce(?::jsonb, parameters), version = version + 1,"
            + " updated_at = now() where id = ? returning version",
        Integer.class,
        ts(replan.aos()),
        ts(replan.los()),
        replan.leadTimeSeconds(),
        procedure,
        parameters,
        replan.passId());
  }

  /** The exclusion constraint's refusal, naming the pass in the way (committed by then). */
  private ApplicationFailure overlap(Replan replan) {
    List<Map<String, Object>> others =
        jdbc.queryForList(
            "select o.id, o.satellite, o.aos, o.los, g.name as station from passes p"
                + " join passes o on o.ground_station_id = p.ground_station_id"
                + " join ground_stations g on g.id = p.ground_station_id"
                + " where p.id = ? and o.id <> p.id and o.status <> 'cancelled'"
                + " and tstzrange(o.aos, o.los, '[)')"
                + " && tstzrange(coalesce(?, p.aos), coalesce(?, p.los), '[)')"
                + " order by o.aos limit 1",
            replan.passId(),
            ts(replan.aos()),
            ts(replan.los()));
    if (others.isEmpty()) {
      return ApplicationFailure.newNonRetryableFailure(
          "pass " + replan.passId() + " would overlap another pass on its ground station",
          PASS_OVERLAP);
    }
    Map<String, Object> other = others.get(0);
    long otherId = ((Number) other.get("id")).longValue();
    return ApplicationFailure.newNonRetryableFailure(
        "overlaps pass "
            + otherId
            + " ("
            + other.get("satellite")
            + ", "
            + instant(other.get("aos"))
            + " .. "
            + instant(other.get("los"))
            + ") on ground station '"
            + other.get("station")
            + "'",
        PASS_OVERLAP,
        otherId);
  }

  // --- the report ---------------------------------------------------------------------------

  @Override
  public PassReport finalizeReport(long passId) {
    Map<String, Object> pass =
        jdbc
            .queryForList(
                "select status, failure_reason, procedure::text as procedure from passes"
                    + " where id = ?",
                passId)
            .stream()
            .findFirst()
            .orElseThrow(() -> notFound(passId));
    long telecommands = count(passId, "tc");
    long telemetry = count(passId, "tm");
    Map<Integer, Long> byApid = new TreeMap<>();
    jdbc.query(
        "select apid, count(*) from pass_packets where pass_id = ? and direction = 'tm'"
            + " group by apid order by apid",
        rs -> {
          byApid.put(rs.getInt(1), rs.getLong(2));
        },
        passId);
    TimeCorrelation correlation = correlate(passId);
    Map<String, Long> linkEvents = new TreeMap<>();
    jdbc.query(
        "select detail->>'event', count(*) from pass_events where pass_id = ? and type = 'link'"
            + " and detail->>'event' is not null group by 1",
        rs -> {
          linkEvents.put(rs.getString(1), rs.getLong(2));
        },
        passId);
    PassReport report =
        new PassReport(
            passId,
            (String) pass.get("status"),
            Instant.now(),
            telecommands,
            telemetry,
            byApid,
            sequenceGaps(passId),
            verifiers(passId),
            nodes(passId, (String) pass.get("procedure")),
            operatorActions(passId),
            correlation,
            (String) pass.get("failure_reason"),
            linkEvents);
    tx.executeWithoutResult(
        status -> {
          if (correlation != null) {
            jdbc.update(
                "insert into pass_time_correlations (pass_id, samples, epoch, offset_seconds,"
                    + " drift_ppm, residual_rms_seconds, fitted_at) values (?, ?, ?, ?, ?, ?, now())"
                    + " on conflict (pass_id) do update set samples = excluded.samples,"
                    + " epoch = excluded.epoch, offset_seconds = excluded.offset_seconds,"
                    + " drift_ppm = excluded.drift_ppm,"
                    + " residual_rms_seconds = excluded.residual_rms_seconds,"
                    + " fitted_at = excluded.fitted_at",
                passId,
                correlation.samples(),
                ts(correlation.epoch()),
                correlation.offsetSeconds(),
                correlation.driftPpm(),
                correlation.residualRmsSeconds());
          }
          jdbc.update(
              "insert into pass_reports (pass_id, generated_at, report) values (?, ?, ?::jsonb)"
                  + " on conflict (pass_id) do update set generated_at = excluded.generated_at,"
                  + " report = excluded.report",
              passId,
              ts(report.generatedAt()),
              PassJson.write(report));
        });
    return report;
  }

  private long count(long passId, String direction) {
    return jdbc.queryForObject(
        "select count(*) from pass_packets where pass_id = ? and direction = ?",
        Long.class,
        passId,
        direction);
  }

  /** Per TM APID in arrival (id) order, each jump of the sequence count beyond +1 (mod 16384). */
  private List<SequenceGap> sequenceGaps(long passId) {
    List<SequenceGap> gaps = new ArrayList<>();
    int[] previous = {-1, -1}; // apid, count
    jdbc.query(
        "select apid, sequence_count from pass_packets where pass_id = ? and direction = 'tm'"
            + " order by apid, id",
        rs -> {
          int apid = rs.getInt(1);
          int count = rs.getInt(2);
          if (apid == previous[0]) {
            int missing = Math.floorMod(count - previous[1] - 1, SEQUENCE_MODULO);
            // missing = 16383 is the same count again (a duplicate), not a gap
            if (missing > 0 && missing < SEQUENCE_MODULO - 1) {
              gaps.add(new SequenceGap(apid, previous[1], count, missing));
            }
          }
          previous[0] = apid;
          previous[1] = count;
        },
        passId);
    return gaps;
  }

  /**
   * Outcomes of the telecommand verifiers: {@code action_ended} events of nodes that are {@code
   * send_telecommand} (by the event's {@code type}, the graph, or a TC sent under the node).
   */
  private Map<String, Long> verifiers(long passId) {
    Map<String, Long> outcomes = new TreeMap<>();
    jdbc.query(
        "select coalesce(e.detail->>'outcome', 'unknown'), count(*) from pass_events e"
            + " join passes p on p.id = e.pass_id"
            + " where e.pass_id = ? and e.type = 'action_ended' and ("
            + " e.detail->>'type' = 'send_telecommand'"
            + " or exists (select 1 from jsonb_array_elements(p.procedure->'nodes') n"
            + "   where n->>'id' = e.node_id and n->>'type' = 'send_telecommand')"
            + " or exists (select 1 from pass_packets t where t.pass_id = e.pass_id"
            + "   and t.direction = 'tc' and t.node_id = e.node_id))"
            + " group by 1 order by 1",
        rs -> {
          outcomes.put(rs.getString(1), rs.getLong(2));
        },
        passId);
    return outcomes;
  }

  private Map<String, Long> operatorActions(long passId) {
    Map<String, Long> actions = new TreeMap<>();
    jdbc.query(
        "select kind || ':' || outcome, count(*) from scheduled_pass_actions where pass_id = ?"
            + " group by 1 order by 1",
        rs -> {
          actions.put(rs.getString(1), rs.getLong(2));
        },
        passId);
    return actions;
  }

  /**
   * Each node's last state, from its {@code action_started} / {@code action_ended} events ({@code
   * detail.status} when the workflow wrote one, else the outcome: {@code succeeded}, or {@code
   * failed} for any other); nodes of the graph with no event are {@code not_run}.
   */
  private List<NodeState> nodes(long passId, String procedure) {
    Map<String, NodeState> states = new LinkedHashMap<>();
    for (String id : nodeIds(procedure)) {
      states.put(id, new NodeState(id, NodeState.NOT_RUN, false, 0, null, null, null));
    }
    jdbc.query(
        "select node_id, type, at, detail::text from pass_events where pass_id = ?"
            + " and node_id is not null and type in ('action_started', 'action_ended')"
            + " order by id",
        rs -> {
          String nodeId = rs.getString(1);
          NodeState before =
              states.getOrDefault(
                  nodeId, new NodeState(nodeId, NodeState.NOT_RUN, false, 0, null, null, null));
          Instant at = instant(rs.getObject(3, OffsetDateTime.class));
          JsonNode detail = PassJson.read(rs.getString(4), JsonNode.class);
          if ("action_started".equals(rs.getString(2))) {
            states.put(
                nodeId,
                new NodeState(
                    nodeId,
                    NodeState.RUNNING,
                    before.skipRequested(),
                    before.runs() + 1,
                    null,
                    at,
                    null));
          } else {
            String outcome = detail.path("outcome").asText(null);
            String status =
                detail.hasNonNull("status")
                    ? detail.get("status").asText()
                    : "succeeded".equals(outcome) ? NodeState.SUCCEEDED : NodeState.FAILED;
            String text = detail.hasNonNull("detail") ? detail.get("detail").asText() : outcome;
            states.put(
                nodeId,
                new NodeState(
                    nodeId,
                    status,
                    before.skipRequested(),
                    Math.max(before.runs(), 1),
                    text,
                    before.startedAt(),
                    at));
          }
        },
        passId);
    return List.copyOf(states.values());
  }

  private static List<String> nodeIds(String procedure) {
    List<String> ids = new ArrayList<>();
    if (procedure != null) {
      for (JsonNode node : PassJson.read(procedure, JsonNode.class).path("nodes")) {
        if (node.hasNonNull("id")) {
          ids.add(node.get("id").asText());
        }
      }
    }
    return ids;
  }

  private TimeCorrelation correlate(long passId) {
    List<Sample> samples =
        jdbc.query(
            "select onboard_time, ground_time from pass_packets where pass_id = ?"
                + " and direction = 'tm' and onboard_time is not null order by id",
            (rs, n) ->
                new Sample(
                    instant(rs.getObject(1, OffsetDateTime.class)),
                    instant(rs.getObject(2, OffsetDateTime.class))),
            passId);
    return TimeCorrelationFit.fit(samples);
  }

  // --- helpers ------------------------------------------------------------------------------

  private void requirePass(long passId) {
    Integer found =
        jdbc.queryForObject("select count(*) from passes where id = ?", Integer.class, passId);
    if (found == null || found == 0) {
      throw notFound(passId);
    }
  }

  private static ApplicationFailure notFound(long passId) {
    return ApplicationFailure.newNonRetryableFailure(
        "pass " + passId + " does not exist", PASS_NOT_FOUND, passId);
  }

  static OffsetDateTime ts(Instant t) {
    return t == null ? null : t.atOffset(ZoneOffset.UTC);
  }

  static Instant instant(Object value) {
    return switch (value) {
      case null -> null;
      case OffsetDateTime o -> o.toInstant();
      case java.sql.Timestamp t -> t.toInstant();
      case Instant i -> i;
      default -> throw new IllegalArgumentException("not a timestamp: " + value);
    };
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    return instant(rs.getObject(column, OffsetDateTime.class));
  }
}
