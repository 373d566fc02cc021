package io.opsflow.api.pass;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.pass.PassDtos.EventPage;
import io.opsflow.api.pass.PassDtos.PacketPage;
import io.opsflow.api.pass.PassDtos.PassEvent;
import io.opsflow.api.pass.PassDtos.PassPacket;
import io.opsflow.api.pass.PassDtos.PassReport;
import io.opsflow.api.pass.PassDtos.TimeCorrelation;
import io.opsflow.api.web.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What a pass recorded (seed 000's PRS): events, TC/TM packets, the time correlation and the
 * report, read from PostgreSQL only, so all of it is served during the pass and long after its
 * executor and workflow are gone. Events and packets share one id sequence: one order, one cursor.
 */
@Component
public class PassRecords {

  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
  private static final Pattern WORD = Pattern.compile("[a-z][a-z0-9_]{0,99}");
  private static final Pattern NODE = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

  /** The filters of an event query; null means any. */
  public record EventFilter(String type, String nodeId, Instant from, Instant to) {}

  /** The filters of a packet query; null means any. */
  public record PacketFilter(String direction, Integer apid, Instant from, Instant to) {}

  /** One entry of a pass's SSE stream: an event or a packet. */
  public record Item(long id, PassEvent event, PassPacket packet) {}

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public PassRecords(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /** 400 naming the bad filter. */
  static EventFilter eventFilter(String type, String nodeId, Instant from, Instant to) {
    if (type != null && !WORD.matcher(type).matches()) {
      throw ApiException.badRequest(
          "type", "type: an event type such as action_ended, not '" + PassInputs.clip(type) + "'");
    }
    if (nodeId != null && !NODE.matcher(nodeId).matches()) {
      throw ApiException.badRequest(
          "node_id",
          "node_id: 1..100 of letters, digits, _ . - (got '" + PassInputs.clip(nodeId) + "')");
    }
    range(from, to);
    return new EventFilter(type, nodeId, from, to);
  }

  /** 400 naming the bad filter. */
  static PacketFilter packetFilter(String direction, Integer apid, Instant from, Instant to) {
    if (direction != null && !direction.equals("tc") && !direction.equals("tm")) {
      throw ApiException.badRequest(
          "direction", "direction: tc or tm, not '" + PassInputs.clip(direction) + "'");
    }
    if (apid != null && (apid < 0 || apid > 2047)) {
      throw ApiException.badRequest("apid", "apid: 0..2047, not " + apid);
    }
    range(from, to);
    return new PacketFilter(direction, apid, from, to);
  }

  private static void range(Instant from, Instant to) {
    if (from != null && to != null && !to.isAfter(from)) {
      throw ApiException.badRequest("to", "to: " + to + " is not after from " + from);
    }
  }

  /** A filter's condition, added when its value is given. */
  private static void and(StringBuilder sql, List<Object> args, String condition, Object value) {
    if (value != null) {
      sql.append(" and ").append(condition);
      args.add(value);
    }
  }

  public EventPage events(long passId, EventFilter f, long after, int limit) {
    StringBuilder sql =
        new StringBuilder(
            "select id, pass_id, at, type, node_id, operator, detail::text as detail"
                + " from pass_events where pass_id = ? and id > ?");
    List<Object> args = new ArrayList<>(List.of(passId, after));
    and(sql, args, "type = ?", f.type());
    and(sql, args, "node_id = ?", f.nodeId());
    and(sql, args, "at >= ?", f.from() == null ? null : ts(f.from()));
    and(sql, args, "at < ?", f.to() == null ? null : ts(f.to()));
    sql.append(" order by id limit ?");
    args.add(limit + 1);
    List<PassEvent> rows = jdbc.query(sql.toString(), this::event, args.toArray());
    boolean more = rows.size() > limit;
    List<PassEvent> items = List.copyOf(more ? rows.subList(0, limit) : rows);
    return new EventPage(items, items.isEmpty() ? after : items.getLast().id(), more);
  }

  public PacketPage packets(long passId, PacketFilter f, long after, int limit) {
    StringBuilder sql =
        new StringBuilder(PACKET_SELECT + " from pass_packets where pass_id = ? and id > ?");
    List<Object> args = new ArrayList<>(List.of(passId, after));
    and(sql, args, "direction = ?", f.direction());
    and(sql, args, "apid = ?", f.apid());
    and(sql, args, "ground_time >= ?", f.from() == null ? null : ts(f.from()));
    and(sql, args, "ground_time < ?", f.to() == null ? null : ts(f.to()));
    sql.append(" order by id limit ?");
    args.add(limit + 1);
    List<PassPacket> rows = jdbc.query(sql.toString(), this::packet, args.toArray());
    boolean more = rows.size() > limit;
    List<PassPacket> items = List.copyOf(more ? rows.subList(0, limit) : rows);
    return new PacketPage(items, items.isEmpty() ? after : items.getLast().id(), more);
  }

  /**
   * Events and packets with ids above {@code after}, in id order, at most {@code limit}: a gap-free
   * prefix of the merged order (the two tables are read separately, so the merge stops where the
   * fuller one was cut).
   */
  public List<Item> after(long passId, long after, int limit) {
    List<PassEvent> events =
        jdbc.query(
            "select id, pass_id, at, type, node_id, operator, detail::text as detail"
                + " from pass_events where pass_id = ? and id > ? order by id limit ?",
            this::event,
            passId,
            after,
            limit);
    List<PassPacket> packets =
        jdbc.query(
            PACKET_SELECT + " from pass_packets where pass_id = ? and id > ? order by id limit ?",
            this::packet,
            passId,
            after,
            limit);
    long bound = Long.MAX_VALUE;
    if (events.size() == limit) {
      bound = Math.min(bound, events.getLast().id());
    }
    if (packets.size() == limit) {
      bound = Math.min(bound, packets.getLast().id());
    }
    List<Item> items = new ArrayList<>();
    for (PassEvent e : events) {
      if (e.id() <= bound) {
        items.add(new Item(e.id(), e, null));
      }
    }
    for (PassPacket p : packets) {
      if (p.id() <= bound) {
        items.add(new Item(p.id(), null, p));
      }
    }
    items.sort(Comparator.comparingLong(Item::id));
    return items.size() > limit ? items.subList(0, limit) : items;
  }

  /** The fitted time correlation, or 404 until postprocessing fitted one. */
  public TimeCorrelation timeCorrelation(long passId) {
    return jdbc
        .query(
            "select * from pass_time_correlations where pass_id = ?",
            (rs, n) ->
                new TimeCorrelation(
                    rs.getLong("pass_id"),
                    rs.getInt("samples"),
                    rs.getTimestamp("epoch").toInstant(),
                    rs.getDouble("offset_seconds"),
                    rs.getDouble("drift_ppm"),
                    rs.getDouble("residual_rms_seconds"),
                    rs.getTimestamp("fitted_at").toInstant()),
            passId)
        .stream()
        .findFirst()
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "pass "
                        + passId
                        + " has no time correlation yet (fitted at postprocessing from timed TM)"));
  }

  /** The pass report, or 404 until postprocessing wrote it. */
  public PassReport report(long passId) {
    return jdbc
        .query(
            "select pass_id, generated_at, report::text as report from pass_reports"
                + " where pass_id = ?",
            (rs, n) ->
                new PassReport(
                    rs.getLong("pass_id"),
                    rs.getTimestamp("generated_at").toInstant(),
                    object(rs.getString("report"))),
            passId)
        .stream()
        .findFirst()
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "pass " + passId + " has no report yet (written at postprocessing)"));
  }

  private static final String PACKET_SELECT =
      "select id, pass_id, direction, apid, sequence_flags, sequence_count, data_length,"
          + " ground_time, onboard_time, encode(raw, 'hex') as raw_hex, decoded::text as decoded,"
          + " node_id";

  private PassEvent event(ResultSet rs, int n) throws SQLException {
    return new PassEvent(
        rs.getLong("id"),
        rs.getLong("pass_id"),
        rs.getTimestamp("at").toInstant(),
        rs.getString("type"),
        rs.getString("node_id"),
        rs.getString("operator"),
        object(rs.getString("detail")));
  }

  private PassPacket packet(ResultSet rs, int n) throws SQLException {
    return new PassPacket(
        rs.getLong("id"),
        rs.getLong("pass_id"),
        rs.getString("direction"),
        rs.getInt("apid"),
        rs.getInt("sequence_flags"),
        rs.getInt("sequence_count"),
        rs.getInt("data_length"),
        rs.getTimestamp("ground_time").toInstant(),
        Passes.instant(rs, "onboard_time"),
        rs.getString("raw_hex"),
        object(rs.getString("decoded")),
        rs.getString("node_id"));
  }

  private Map<String, Object> object(String json) {
    try {
      Object value = mapper.readValue(json, Object.class);
      if (value instanceof Map<?, ?>) {
        return mapper.convertValue(value, OBJECT);
      }
      return java.util.Collections.singletonMap("value", value);
    } catch (JsonProcessingException e) {
      return Map.of("unreadable", json);
    }
  }

  // Instants far outside any pass would overflow java.sql.Timestamp.
  private static OffsetDateTime ts(Instant t) {
    Instant min = Instant.parse("1970-01-01T00:00:00Z");
    Instant max = Instant.parse("9999-12-31T00:00:00Z");
    Instant clamped = t.isBefore(min) ? min : t.isAfter(max) ? max : t;
    return clamped.atOffset(ZoneOffset.UTC);
  }
}
