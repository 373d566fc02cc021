package io.opsflow.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The flight history's PostgreSQL side (V11): pulls telemetry_records by id into flight_telemetry
 * and upserts flights, incidents and metric buckets by their natural keys, so a retried activity
 * writes nothing twice.
 */
@Component
public class FlightHistoryActivitiesImpl implements FlightHistoryActivities {

  /** The structured-data element of MAVLink telemetry (the forwarder's convention). */
  public static final String SD_ID = "mavlink@32473";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;

  public FlightHistoryActivitiesImpl(JdbcTemplate jdbc, TransactionTemplate tx) {
    this.jdbc = jdbc;
    this.tx = tx;
  }

  @Override
  public TelemetryBatch pull(PullRequest request) {
    if (request.limit() < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + request.limit());
    }
    return tx.execute(
        status -> {
          List<TelemetryPoint> points =
              jdbc.query(
                  "select id, received_at, onboard_time, msg_id, structured_data::text as sd"
                      + " from telemetry_records where device_id = ? and id > ?"
                      + " order by id limit ?",
                  (rs, row) -> point(rs),
                  request.deviceId(),
                  request.afterId(),
                  request.limit());
          if (!points.isEmpty()) {
            // the same rows, copied once: a retried pull finds them there already
            jdbc.update(
                "insert into flight_telemetry"
                    + " (id, device_id, received_at, onboard_time, msg_id, structured_data, message)"
                    + " select id, device_id, received_at, onboard_time, msg_id, structured_data,"
                    + " message from telemetry_records"
                    + " where device_id = ? and id > ? and id <= ?"
                    + " on conflict (id) do nothing",
                request.deviceId(),
                request.afterId(),
                points.getLast().id());
          }
          return new TelemetryBatch(points);
        });
  }

  @Override
  public void save(SaveRequest request) {
    tx.executeWithoutResult(
        status -> {
          // Every flight first: a settled incident may belong to a flight still open, and its
          // flight_id is looked up by number (it is not saved again once settled).
          List<FlightHistory> histories = new java.util.ArrayList<>(2);
          for (FlightHistory history : new FlightHistory[] {request.settled(), request.open()}) {
            if (history != null) {
              histories.add(history);
            }
          }
          histories.forEach(h -> h.flights().forEach(f -> saveFlight(request.deviceId(), f)));
          histories.forEach(h -> h.incidents().forEach(i -> saveIncident(request.deviceId(), i)));
          histories.forEach(
              h -> h.flights().forEach(f -> savePingLinkDrops(request.deviceId(), f)));
          histories.forEach(h -> h.buckets().forEach(b -> saveBucket(request.deviceId(), b)));
        });
  }

  private void saveFlight(long deviceId, Flight f) {
    FlightSummary s = f.summary();
    jdbc.update(
        "insert into flights (device_id, number, armed_at, takeoff_at, landed_at,"
            + " takeoff_observed, duration_s, max_altitude_m, distance_m, max_from_home_m,"
            + " max_ground_speed_ms, battery_used_mah, battery_used_percent, max_temperature_c)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " on conflict (device_id, number) do update set armed_at = excluded.armed_at,"
            + " takeoff_at = excluded.takeoff_at, landed_at = excluded.landed_at,"
            + " takeoff_observed = excluded.takeoff_observed, duration_s = excluded.duration_s,"
            + " max_altitude_m = excluded.max_altitude_m, distance_m = excluded.distance_m,"
            + " max_from_home_m = excluded.max_from_home_m,"
            + " max_ground_speed_ms = excluded.max_ground_speed_ms,"
            + " battery_used_mah = excluded.battery_used_mah,"
            + " battery_used_percent = excluded.battery_used_percent,"
            + " max_temperature_c = excluded.max_temperature_c, updated_at = now()",
        deviceId,
        f.number(),
        time(f.armedAt()),
        time(f.takeoffAt()),
        time(f.landedAt()),
        f.takeoffObserved(),
        s.durationSeconds(),
        s.maxAltitudeAboveHomeMetres(),
        s.distanceFlownMetres(),
        s.maxDistanceFromHomeMetres(),
        s.maxGroundSpeedMetresPerSecond(),
        s.batteryUsedMah(),
        s.batteryUsedPercent(),
        s.maxTemperatureCelsius());
  }

  private void saveIncident(long deviceId, Incident i) {
    jdbc.update(
        "insert into flight_incidents (device_id, flight_id, kind, severity, started_at,"
            + " ended_at, summary, evidence)"
            + " values (?, (select id from flights where device_id = ? and number = ?),"
            + " ?, ?, ?, ?, ?, ?::jsonb)"
            + " on conflict (device_id, kind, started_at) do update set"
            + " flight_id = excluded.flight_id, severity = excluded.severity,"
            + " ended_at = excluded.ended_at, summary = excluded.summary,"
            + " evidence = excluded.evidence, updated_at = now()",
        deviceId,
        deviceId,
        i.flightNumber(),
        i.kind().name(),
        i.severity().name(),
        time(i.start()),
        time(i.end()),
        i.summary() == null ? i.kind().name() : i.summary(),
        json(i.evidence()));
  }

  /**
   * Link drops the health check saw: each period one of the device's endpoints was offline (from
   * its connectivity transitions) overlapping the flight, from takeoff (else arming) to landing
   * (open while airborne). Connectivity is in receive time, flights in onboard time: they agree for
   * a live drone, whose clock is GPS-disciplined. Saved again with the flight, so a period still
   * open ends when the endpoint comes back; a telemetry-gap link drop that happens to start at the
   * same instant is never overwritten.
   */
  private void savePingLinkDrops(long deviceId, Flight f) {
    Instant from = f.takeoffAt() != null ? f.takeoffAt() : f.armedAt();
    if (from == null) {
      return;
    }
    if (f.landedAt() != null) {
      // Saved while the flight was open, an outage that began after the landing (known only once
      // the landing is confirmed) is not this flight's.
      jdbc.update(
          "delete from flight_incidents where device_id = ? and kind = 'LINK_DROP'"
              + " and evidence ->> 'source' = 'ping' and started_at >= ?"
              + " and flight_id = (select id from flights where device_id = ? and number = ?)",
          deviceId,
          time(f.landedAt()),
          deviceId,
          f.number());
    }
    jdbc.update(
        "with periods as ("
            + " select t.endpoint_id, host(e.ip_address) as ip, t.at, t.to_status, t.reason,"
            + " lead(t.at) over (partition by t.endpoint_id order by t.probe_seq) as until"
            + " from connectivity_transitions t join vpn_endpoints e on e.id = t.endpoint_id"
            + " where e.device_id = ?)"
            + " insert into flight_incidents (device_id, flight_id, kind, severity, started_at,"
            + " ended_at, summary, evidence)"
            + " select ?, (select id from flights where device_id = ? and number = ?),"
            + " 'LINK_DROP', 'WARNING', greatest(p.at, ?), p.until,"
            + " 'endpoint ' || p.ip || ' offline to the health check: ' || p.reason,"
            + " jsonb_build_object('source', 'ping', 'endpoint_id', p.endpoint_id::text,"
            + " 'ip', p.ip, 'reason', p.reason)"
            + " from periods p where p.to_status = 'offline'"
            + " and p.at < coalesce(?::timestamptz, 'infinity')"
            + " and coalesce(p.until, 'infinity') > ?"
            + " on conflict (device_id, kind, started_at) do update set"
            + " ended_at = excluded.ended_at, flight_id = excluded.flight_id, updated_at = now()"
            + " where flight_incidents.evidence ->> 'source' = 'ping'",
        deviceId,
        deviceId,
        deviceId,
        f.number(),
        time(from),
        time(f.landedAt()),
        time(from));
  }

  private void saveBucket(long deviceId, MetricBucket b) {
    jdbc.update(
        "insert into flight_metric_buckets (device_id, bucket_start, messages,"
            + " messages_per_second, gaps, max_gap_s, latency_min_ms, latency_mean_ms,"
            + " latency_max_ms, latency_jitter_ms, stability)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " on conflict (device_id, bucket_start) do update set messages = excluded.messages,"
            + " messages_per_second = excluded.messages_per_second, gaps = excluded.gaps,"
            + " max_gap_s = excluded.max_gap_s, latency_min_ms = excluded.latency_min_ms,"
            + " latency_mean_ms = excluded.latency_mean_ms,"
            + " latency_max_ms = excluded.latency_max_ms,"
            + " latency_jitter_ms = excluded.latency_jitter_ms,"
            + " stability = excluded.stability, updated_at = now()",
        deviceId,
        time(b.start()),
        b.messages(),
        b.messagesPerSecond(),
        b.gaps(),
        b.maxGapSeconds(),
        b.latencyMinMs(),
        b.latencyMeanMs(),
        b.latencyMaxMs(),
        b.latencyJitterMs(),
        b.stability());
  }

  private static TelemetryPoint point(ResultSet rs) throws SQLException {
    Map<String, String> fields = new LinkedHashMap<>();
    try {
      JsonNode element = JSON.readTree(rs.getString("sd")).get(SD_ID);
      if (element != null && element.isObject()) {
        element.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
      }
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("telemetry_records " + rs.getLong("id") + ": bad jsonb", e);
    }
    return new TelemetryPoint(
        rs.getLong("id"),
        instant(rs.getTimestamp("onboard_time")),
        instant(rs.getTimestamp("received_at")),
        rs.getString("msg_id"),
        fields);
  }

  private static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  private static OffsetDateTime time(Instant instant) {
    return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
  }

  private static String json(Map<String, String> evidence) {
    try {
      return JSON.writeValueAsString(
          evidence == null ? Map.of() : new java.util.TreeMap<>(evidence));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
