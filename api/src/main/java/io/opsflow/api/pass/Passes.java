package io.opsflow.api.pass;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.pass.PassDtos.GroundStationView;
import io.opsflow.api.pass.PassDtos.PassView;
import io.opsflow.api.pass.PassDtos.ReservePass;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.GraphProblem;
import io.opsflow.pass.PassStatus;
import io.opsflow.pass.ProcedureGraph;
import io.opsflow.pass.ProcedureGraphValidator;
import io.opsflow.pass.ProcedureLink;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Pass reservations in PostgreSQL: the window checked here (future, not inverted, at most a day),
 * the graph by {@link ProcedureGraphValidator}, and overlaps by the database's exclusion
 * constraint, so two concurrent reservations of one window cannot both win.
 */
@Component
public class Passes {

  /** How far ahead a pass may be reserved. */
  static final Duration HORIZON = Duration.ofDays(3660);

  /** The longest reservation window. */
  static final Duration LONGEST = Duration.ofHours(24);

  static final int DEFAULT_LEAD_SECONDS = 300;

  private static final String EXCLUSION_VIOLATION = "23P01";
  private static final TypeReference<Map<String, String>> PARAMETERS = new TypeReference<>() {};

  private final JdbcTemplate jdbc;
  private final GroundStations stations;
  private final ObjectMapper mapper;
  private final Clock clock;

  public Passes(JdbcTemplate jdbc, GroundStations stations, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.stations = stations;
    this.mapper = mapper;
    this.clock = Clock.systemUTC();
  }

  /**
   * Stores a reservation (its workflow is started by {@link PassService}): 400 naming the bad
   * field, 409 naming the pass it overlaps.
   */
  PassView insert(ReservePass body, String user) {
    checkWindow(body.aos(), body.los());
    ProcedureGraph procedure = checkGraph(body.procedure());
    GroundStationView station =
        stations
            .find(body.groundStationId())
            .orElseThrow(
                () ->
                    ApiException.badRequest(
                        "ground_station_id",
                        "ground_station_id: unknown ground station " + body.groundStationId()));
    int lead = body.leadTimeSeconds() == null ? DEFAULT_LEAD_SECONDS : body.leadTimeSeconds();
    try {
      long id =
          jdbc.queryForObject(
              "insert into passes (satellite, ground_station_id, aos, los, lead_time_seconds,"
                  + " procedure, parameters, created_by)"
                  + " values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?) returning id",
              Long.class,
              body.satellite().strip(),
              station.id(),
              ts(body.aos()),
              ts(body.los()),
              lead,
              json(procedure),
              json(body.parameters() == null ? Map.of() : body.parameters()),
              user);
      return require(id);
    } catch (DataIntegrityViolationException e) {
      throw overlapOr(e, station, body.aos(), body.los(), 0);
    }
  }

  /**
   * A pass whose workflow could not be started must not hold its window: it is cancelled with the
   * reason, unless something else changed it meanwhile.
   */
  void cancelUnstarted(long id, String reason) {
    jdbc.update(
        "update passes set status = 'cancelled', failure_reason = ?, ended_at = now(),"
            + " version = version + 1, updated_at = now() where id = ? and status = 'reserved'",
        reason,
        id);
  }

  public Optional<PassView> find(long id) {
    return jdbc.query(SELECT + " where p.id = ?", this::row, id).stream().findFirst();
  }

  /** The pass, or 404. */
  public PassView require(long id) {
    return find(id).orElseThrow(() -> ApiException.notFound("pass " + id + " not found"));
  }

  /** Passes by ground station, status and a time range their window overlaps, by AOS. */
  public List<PassView> list(
      Long groundStationId, PassStatus status, Instant from, Instant to, int limit) {
    StringBuilder sql = new StringBuilder(SELECT + " where true");
    List<Object> args = new ArrayList<>();
    if (groundStationId != null) {
      sql.append(" and p.ground_station_id = ?");
      args.add(groundStationId);
    }
    if (status != null) {
      sql.append(" and p.status = ?");
      args.add(status.wire());
    }
    if (from != null) {
      sql.append(" and p.los > ?");
      args.add(ts(clamp(from)));
    }
    if (to != null) {
      sql.append(" and p.aos < ?");
      args.add(ts(clamp(to)));
    }
    sql.append(" order by p.aos, p.id limit ?");
    args.add(limit);
    return jdbc.query(sql.toString(), this::row, args.toArray());
  }

  // Timestamps far outside any pass's lifetime would overflow java.sql.Timestamp.
  private static Instant clamp(Instant t) {
    Instant min = Instant.parse("1970-01-01T00:00:00Z");
    Instant max = Instant.parse("9999-12-31T00:00:00Z");
    return t.isBefore(min) ? min : t.isAfter(max) ? max : t;
  }

  /** A window in the future, not inverted, at most a day long. */
  void checkWindow(Instant aos, Instant los) {
    Instant now = clock.instant();
    if (aos.isBefore(now)) {
      throw ApiException.badRequest("aos", "aos: " + aos + " is in the past (now " + now + ")");
    }
    if (aos.isAfter(now.plus(HORIZON))) {
      throw ApiException.badRequest("aos", "aos: at most " + HORIZON.toDays() + " days ahead");
    }
    if (!los.isAfter(aos)) {
      throw ApiException.badRequest("los", "los: " + los + " is not after aos " + aos);
    }
    if (Duration.between(aos, los).compareTo(LONGEST) > 0) {
      throw ApiException.badRequest(
          "los", "los: a reservation window is at most " + LONGEST.toHours() + " hours");
    }
  }

  /** The graph checked and normalised (absent lists empty, absent link conditions on_success). */
  static ProcedureGraph checkGraph(ProcedureGraph graph) {
    if (graph == null) {
      return ProcedureGraph.empty();
    }
    List<GraphProblem> problems = ProcedureGraphValidator.problems(graph, "procedure");
    if (!problems.isEmpty()) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put(
          "problems",
          problems.stream()
              .map(
                  p -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("field", p.field());
                    m.put("node", p.node());
                    m.put("message", p.message());
                    return m;
                  })
              .toList());
      String detail =
          String.join("; ", problems.stream().limit(20).map(GraphProblem::toString).toList());
      throw new ApiException(HttpStatus.BAD_REQUEST, detail, problems.get(0).field(), extra);
    }
    List<ProcedureLink> links =
        graph.links() == null
            ? List.of()
            : graph.links().stream()
                .map(l -> new ProcedureLink(l.from(), l.to(), l.when().wire()))
                .toList();
    return new ProcedureGraph(graph.nodes() == null ? List.of() : graph.nodes(), links);
  }

  /**
   * The exclusion constraint's refusal as a 409 naming the pass in the way (committed by then: the
   * constraint waited for it); any other integrity violation as it is.
   */
  private RuntimeException overlapOr(
      DataIntegrityViolationException e,
      GroundStationView station,
      Instant aos,
      Instant los,
      long self) {
    Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
    if (!(cause instanceof SQLException sql) || !EXCLUSION_VIOLATION.equals(sql.getSQLState())) {
      return e;
    }
    List<PassView> others =
        jdbc.query(
            SELECT
                + " where p.ground_station_id = ? and p.status <> 'cancelled' and p.id <> ?"
                + " and tstzrange(p.aos, p.los, '[)') && tstzrange(?, ?, '[)')"
                + " order by p.aos limit 1",
            this::row,
            station.id(),
            self,
            ts(aos),
            ts(los));
    if (others.isEmpty()) {
      return ApiException.conflict(
          "overlaps another pass on ground station '" + station.name() + "'");
    }
    PassView other = others.get(0);
    return new ApiException(
        HttpStatus.CONFLICT,
        "overlaps pass "
            + other.id()
            + " ("
            + other.satellite()
            + ", "
            + other.aos()
            + " .. "
            + other.los()
            + ") on ground station '"
            + station.name()
            + "'",
        "aos",
        Map.of("conflicting_pass_id", other.id()));
  }

  private static final String SELECT =
      "select p.*, g.name as ground_station from passes p"
          + " join ground_stations g on g.id = p.ground_station_id";

  private static OffsetDateTime ts(Instant t) {
    return t.atOffset(ZoneOffset.UTC);
  }

  private String json(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value, e);
    }
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    java.sql.Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  private PassView row(ResultSet rs, int n) throws SQLException {
    try {
      return new PassView(
          rs.getLong("id"),
          rs.getString("satellite"),
          rs.getLong("ground_station_id"),
          rs.getString("ground_station"),
          rs.getTimestamp("aos").toInstant(),
          rs.getTimestamp("los").toInstant(),
          rs.getInt("lead_time_seconds"),
          mapper.readValue(rs.getString("procedure"), ProcedureGraph.class),
          mapper.readValue(rs.getString("parameters"), PARAMETERS),
          rs.getString("status"),
          rs.getInt("version"),
          rs.getString("created_by"),
          rs.getTimestamp("created_at").toInstant(),
          rs.getTimestamp("updated_at").toInstant(),
          rs.getString("phase"),
          rs.getString("executor_kind"),
          rs.getString("executor_id"),
          rs.getString("executor_name"),
          instant(rs, "started_at"),
          instant(rs, "ended_at"),
          rs.getString("failure_reason"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("pass " + rs.getLong("id") + " has unreadable JSON", e);
    }
  }
}
