package io.opsflow.api.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.web.ApiException;
import io.opsflow.flight.FlightHistoryStarter;
import io.opsflow.flight.FlightHistoryWorkflow;
import io.opsflow.flight.FlightRetentionActivities.Around;
import io.opsflow.flight.FlightRetentionActivities.AroundRequest;
import io.opsflow.flight.FlightRetentionActivitiesImpl;
import io.opsflow.flight.TelemetryPoint;
import io.swagger.v3.oas.annotations.Parameter;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.postgresql.util.PGobject;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A device's flight history (seed 003 flow 3): its flights with their summaries, incidents,
 * 5-minute link metrics, and "what happened at T": the flight at T, the incidents overlapping T ±
 * window and the telemetry around T from hot storage or the archive. Reads for viewers; starting
 * the history for pki_admin (RouteRules: /api/v1/devices/**).
 */
@RestController
@RequestMapping("/api/v1/devices/{deviceId}")
public class FlightController {

  private static final int MAX_LIMIT = 1000;
  private static final Duration MAX_WINDOW = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String FLIGHT_COLUMNS =
      "number, armed_at, takeoff_at, landed_at, takeoff_observed, duration_s, max_altitude_m,"
          + " distance_m, max_from_home_m, max_ground_speed_ms, battery_used_mah,"
          + " battery_used_percent, max_temperature_c";
  private static final String INCIDENT_COLUMNS =
      "i.id, f.number as flight_number, i.kind, i.severity, i.started_at, i.ended_at, i.summary,"
          + " i.evidence";

  private final JdbcTemplate jdbc;
  private final FlightHistoryStarter starter;
  private final FlightRetentionActivitiesImpl retention;

  public FlightController(
      JdbcTemplate jdbc, FlightHistoryStarter starter, FlightRetentionActivitiesImpl retention) {
    this.jdbc = jdbc;
    this.starter = starter;
    this.retention = retention;
  }

  /** Starts the device's flight history unless it runs (the first telemetry starts it too). */
  @PostMapping("/flight-history")
  public Map<String, Object> start(@PathVariable long deviceId) {
    device(deviceId);
    boolean started = starter.start(deviceId);
    return ordered("workflow_id", FlightHistoryWorkflow.workflowId(deviceId), "started", started);
  }

  /** The device's flights, newest first. */
  @GetMapping("/flights")
  public List<Map<String, Object>> flights(
      @PathVariable long deviceId,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    device(deviceId);
    return rows(
        "select "
            + FLIGHT_COLUMNS
            + " from flights where device_id = ? order by number desc limit ?",
        deviceId,
        limit(limit));
  }

  /** One flight with its summary and incidents. */
  @GetMapping("/flights/{number}")
  public Map<String, Object> flight(@PathVariable long deviceId, @PathVariable int number) {
    device(deviceId);
    List<Map<String, Object>> found =
        rows(
            "select " + FLIGHT_COLUMNS + " from flights where device_id = ? and number = ?",
            deviceId,
            number);
    if (found.isEmpty()) {
      throw ApiException.notFound("Device " + deviceId + " has no flight " + number);
    }
    Map<String, Object> flight = found.getFirst();
    flight.put(
        "incidents",
        rows(
            "select "
                + INCIDENT_COLUMNS
                + " from flight_incidents i join flights f on f.id = i.flight_id"
                + " where f.device_id = ? and f.number = ? order by i.started_at",
            deviceId,
            number));
    return flight;
  }

  /**
   * A flight's track: the GLOBAL_POSITION_INT fixes from takeoff to landing (to the newest
   * telemetry while it is open), in onboard-time order, from hot storage or the archive.
   */
  @GetMapping("/flights/{number}/track")
  public Map<String, Object> track(@PathVariable long deviceId, @PathVariable int number) {
    device(deviceId);
    List<Map<String, Object>> found =
        jdbc.queryForList(
            "select takeoff_at, coalesce(landed_at, (select max(onboard_time) from flight_telemetry"
                + " where device_id = f.device_id), takeoff_at) as until_at"
                + " from flights f where device_id = ? and number = ?",
            deviceId,
            number);
    if (found.isEmpty()) {
      throw ApiException.notFound("Device " + deviceId + " has no flight " + number);
    }
    Instant from = ((Timestamp) found.getFirst().get("takeoff_at")).toInstant();
    Instant to = ((Timestamp) found.getFirst().get("until_at")).toInstant();
    if (to.isBefore(from)) {
      to = from;
    }
    // around() reads at ± half: one millisecond more each side so both ends are in.
    Duration half = Duration.between(from, to).dividedBy(2).plusMillis(1);
    Around around = retention.around(new AroundRequest(deviceId, from.plus(half), half));
    List<Map<String, Object>> points =
        around.points().stream()
            .filter(p -> "GLOBAL_POSITION_INT".equals(p.msgId()))
            .filter(p -> !p.time().isBefore(from))
            .sorted(Comparator.comparing(TelemetryPoint::time))
            .map(FlightController::position)
            .filter(Objects::nonNull)
            .toList();
    Map<String, Object> answer =
        ordered("device_id", deviceId, "number", number, "from", from, "to", to);
    answer.put("telemetry_source", around.archived() ? "archive" : "hot");
    answer.put("points", points);
    return answer;
  }

  /** One fix of a track, or null when the message carries no finite position. */
  private static Map<String, Object> position(TelemetryPoint p) {
    Double lat = number(p.fields().get("lat"));
    Double lon = number(p.fields().get("lon"));
    if (lat == null || lon == null) {
      return null;
    }
    Map<String, Object> m = ordered("t", p.time(), "lat", lat, "lon", lon);
    m.put("relative_alt_m", number(p.fields().get("relative_alt")));
    return m;
  }

  private static Double number(String text) {
    if (text == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(text);
      return Double.isFinite(d) ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The device's incidents, newest first (in flight or on the ground). */
  @GetMapping("/incidents")
  public List<Map<String, Object>> incidents(
      @PathVariable long deviceId,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    device(deviceId);
    return rows(
        "select "
            + INCIDENT_COLUMNS
            + " from flight_incidents i left join flights f on f.id = i.flight_id"
            + " where i.device_id = ? order by i.started_at desc limit ?",
        deviceId,
        limit(limit));
  }

  /** The device's 5-minute link metrics, newest first. */
  @GetMapping("/flight-metrics")
  public List<Map<String, Object>> metrics(
      @PathVariable long deviceId,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    device(deviceId);
    return rows(
        "select bucket_start, messages, messages_per_second, gaps, max_gap_s, latency_min_ms,"
            + " latency_mean_ms, latency_max_ms, latency_jitter_ms, stability"
            + " from flight_metric_buckets where device_id = ? order by bucket_start desc limit ?",
        deviceId,
        limit(limit));
  }

  /** What happened at {@code t}: the flight then, incidents overlapping t ± window, telemetry. */
  @GetMapping("/at")
  public Map<String, Object> at(
      @PathVariable long deviceId,
      @Parameter(description = "an RFC 3339 time, e.g. 2026-12-04T10:00:00Z")
          @RequestParam(required = false)
          String t,
      @Parameter(description = "ISO-8601 duration, PT1S..PT1H (default PT2M)")
          @RequestParam(defaultValue = "PT2M")
          String window) {
    Instant at = instant(t);
    Duration span = window(window);
    device(deviceId);
    Timestamp atTs = Timestamp.from(at);
    List<Map<String, Object>> flight =
        rows(
            "select "
                + FLIGHT_COLUMNS
                + " from flights where device_id = ? and takeoff_at <= ?"
                + " and (landed_at is null or landed_at >= ?) order by number desc limit 1",
            deviceId,
            atTs,
            atTs);
    List<Map<String, Object>> incidents =
        rows(
            "select "
                + INCIDENT_COLUMNS
                + " from flight_incidents i left join flights f on f.id = i.flight_id"
                + " where i.device_id = ? and i.started_at <= ?"
                + " and (i.ended_at is null or i.ended_at >= ?) order by i.started_at",
            deviceId,
            Timestamp.from(at.plus(span)),
            Timestamp.from(at.minus(span)));
    Around around = retention.around(new AroundRequest(deviceId, at, span));
    Map<String, Object> answer =
        ordered(
            "device_id",
            deviceId,
            "at",
            at,
            "window",
            span.toString(),
            "flight",
            flight.isEmpty() ? null : flight.getFirst());
    answer.put("incidents", incidents);
    answer.put("telemetry_source", around.archived() ? "archive" : "hot");
    answer.put("telemetry", around.points().stream().map(FlightController::point).toList());
    return answer;
  }

  private static Map<String, Object> point(TelemetryPoint p) {
    Map<String, Object> m = ordered("id", p.id(), "onboard_time", p.onboardTime());
    m.put("received_at", p.receivedAt());
    m.put("msg_id", p.msgId());
    m.put("fields", p.fields());
    return m;
  }

  private static Instant instant(String t) {
    if (t == null || t.isBlank()) {
      throw ApiException.badRequest("t", "t: required, an RFC 3339 time");
    }
    try {
      return OffsetDateTime.parse(t).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest("t", "t: not an RFC 3339 time: " + t);
    }
  }

  private static Duration window(String window) {
    Duration d;
    try {
      d = Duration.parse(window);
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest("window", "window: not an ISO-8601 duration: " + window);
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_WINDOW) > 0) {
      throw ApiException.badRequest("window", "window: PT1S..PT1H, got " + window);
    }
    return d;
  }

  private void device(long deviceId) {
    Integer n =
        jdbc.queryForObject("select count(*) from devices where id = ?", Integer.class, deviceId);
    if (n == null || n == 0) {
      throw ApiException.notFound("Device " + deviceId + " not found");
    }
  }

  private List<Map<String, Object>> rows(String sql, Object... args) {
    return jdbc.queryForList(sql, args).stream().map(FlightController::readable).toList();
  }

  /** Timestamps as instants (RFC 3339 in JSON), jsonb as JSON. */
  private static Map<String, Object> readable(Map<String, Object> row) {
    Map<String, Object> out = new LinkedHashMap<>();
    row.forEach(
        (k, v) -> {
          if (v instanceof Timestamp ts) {
            out.put(k, ts.toInstant());
          } else if (v instanceof PGobject json && json.getValue() != null) {
            try {
              out.put(k, JSON.readTree(json.getValue()));
            } catch (JsonProcessingException e) {
              throw new IllegalStateException(k + ": bad jsonb", e);
            }
          } else {
            out.put(k, v);
          }
        });
    return out;
  }

  private static Map<String, Object> ordered(Object... pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private static int limit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiException.badRequest("limit", "limit: 1.." + MAX_LIMIT);
    }
    return limit;
  }
}
