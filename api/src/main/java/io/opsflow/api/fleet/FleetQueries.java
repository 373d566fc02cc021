package io.opsflow.api.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.fleet.FleetDtos.Connectivity;
import io.opsflow.api.fleet.FleetDtos.Device;
import io.opsflow.api.fleet.FleetDtos.Endpoint;
import io.opsflow.api.fleet.FleetDtos.FirstContact;
import io.opsflow.api.fleet.FleetDtos.Fleet;
import io.opsflow.api.fleet.FleetDtos.GpsFix;
import io.opsflow.api.fleet.FleetDtos.SystemStatus;
import io.opsflow.api.fleet.FleetDtos.TelemetryPage;
import io.opsflow.api.fleet.FleetDtos.TelemetryRecord;
import io.opsflow.api.fleet.FleetDtos.TelemetrySnapshot;
import io.opsflow.api.fleet.FleetDtos.Transition;
import io.opsflow.api.fleet.FleetDtos.TransitionPage;
import io.opsflow.api.fleet.FleetDtos.UnknownSource;
import io.opsflow.api.web.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads of the fleet tables for the dashboard; read-only, straight SQL. */
@Component
public class FleetQueries {

  private static final List<String> RANK = List.of("online", "degraded", "offline", "unknown");
  private static final TypeReference<Map<String, Map<String, String>>> SYSTEM =
      new TypeReference<>() {};

  private static final String DEVICES =
      "select d.id, d.tenant_id, t.name as tenant, d.name, d.device_type, d.role, d.status,"
          + " l.first_telemetry_at, l.last_telemetry_at, l.last_record_id, l.gps_at, l.latitude,"
          + " l.longitude, l.altitude_m, l.relative_altitude_m, l.fix_type, l.satellites_visible,"
          + " l.system_at, l.system_status::text as system_status, c.contact_at, c.via"
          + " from devices d join tenants t on t.id = d.tenant_id"
          + " left join device_latest_state l on l.device_id = d.id"
          + " left join device_first_contacts c on c.device_id = d.id";

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public FleetQueries(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  public Device device(long id) {
    List<Device> found = devices(DEVICES + " where d.id = ?", id);
    if (found.isEmpty()) {
      throw ApiException.notFound("Device " + id + " not found");
    }
    return found.get(0);
  }

  public Fleet fleet(long tenantId) {
    List<Fleet> tenants =
        jdbc.query(
            "select id, name, mesh_cidr::text from tenants where id = ?",
            (rs, i) ->
                new Fleet(rs.getLong(1), rs.getString(2), rs.getString(3), Map.of(), List.of()),
            tenantId);
    if (tenants.isEmpty()) {
      throw ApiException.notFound("Tenant " + tenantId + " not found");
    }
    List<Device> devices = devices(DEVICES + " where d.tenant_id = ? order by d.id", tenantId);
    Map<String, Long> counts = new LinkedHashMap<>();
    RANK.forEach(s -> counts.put(s, 0L));
    devices.forEach(d -> counts.merge(d.connectivity(), 1L, Long::sum));
    Fleet t = tenants.get(0);
    return new Fleet(t.tenantId(), t.tenant(), t.meshCidr(), counts, devices);
  }

  private List<Device> devices(String sql, Object... args) {
    List<Device> bare = jdbc.query(sql, (rs, i) -> device(rs), args);
    if (bare.isEmpty()) {
      return bare;
    }
    Map<Long, List<Endpoint>> endpoints = endpoints(bare.stream().map(Device::id).toList());
    List<Device> full = new ArrayList<>(bare.size());
    for (Device d : bare) {
      List<Endpoint> mine = endpoints.getOrDefault(d.id(), List.of());
      full.add(
          new Device(
              d.id(),
              d.tenantId(),
              d.tenant(),
              d.name(),
              d.deviceType(),
              d.role(),
              d.status(),
              best(mine),
              mine,
              d.telemetry(),
              d.firstContact()));
    }
    return full;
  }

  private static String best(List<Endpoint> endpoints) {
    return endpoints.stream()
        .filter(e -> e.releasedAt() == null)
        .map(e -> e.connectivity().status())
        .min((a, b) -> Integer.compare(RANK.indexOf(a), RANK.indexOf(b)))
        .orElse("unknown");
  }

  private Device device(ResultSet rs) throws SQLException {
    TelemetrySnapshot telemetry = null;
    if (rs.getTimestamp("last_telemetry_at") != null) {
      GpsFix gps =
          rs.getTimestamp("gps_at") == null
              ? null
              : new GpsFix(
                  instant(rs, "gps_at"),
                  (Double) rs.getObject("latitude"),
                  (Double) rs.getObject("longitude"),
                  (Double) rs.getObject("altitude_m"),
                  (Double) rs.getObject("relative_altitude_m"),
                  (Integer) rs.getObject("fix_type"),
                  (Integer) rs.getObject("satellites_visible"));
      SystemStatus system =
          rs.getTimestamp("system_at") == null
              ? null
              : new SystemStatus(instant(rs, "system_at"), system(rs.getString("system_status")));
      telemetry =
          new TelemetrySnapshot(
              instant(rs, "first_telemetry_at"),
              instant(rs, "last_telemetry_at"),
              rs.getLong("last_record_id"),
              gps,
              system);
    }
    FirstContact contact =
        rs.getTimestamp("contact_at") == null
            ? null
            : new FirstContact(instant(rs, "contact_at"), rs.getString("via"));
    return new Device(
        rs.getLong("id"),
        rs.getLong("tenant_id"),
        rs.getString("tenant"),
        rs.getString("name"),
        rs.getString("device_type"),
        rs.getString("role"),
        rs.getString("status"),
        "unknown",
        List.of(),
        telemetry,
        contact);
  }

  private Map<String, Map<String, String>> system(String json) {
    try {
      return mapper.readValue(json, SYSTEM);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("device_latest_state.system_status is not an object", e);
    }
  }

  private Map<Long, List<Endpoint>> endpoints(List<Long> devices) {
    Map<Long, List<Endpoint>> byDevice = new HashMap<>();
    jdbc.query(
        "select e.id, e.device_id, host(e.ip_address) as ip, e.role, e.released_at,"
            + " coalesce(s.status, 'unknown') as status, s.last_ping_success, s.rtt_ms,"
            + " s.last_checked, s.last_error, coalesce(s.consecutive_failures, 0) as failures,"
            + " coalesce(s.recent_probes, '') as recent, s.probe, s.tcp_port,"
            + " coalesce(s.monitoring, false) as monitoring, s.stop_reason"
            + " from vpn_endpoints e left join connectivity_status s on s.endpoint_id = e.id"
            + " where e.device_id = any (?) order by e.id",
        ps -> ps.setArray(1, ps.getConnection().createArrayOf("bigint", devices.toArray())),
        rs -> {
          String probe = rs.getString("probe");
          if ("tcp".equals(probe) && rs.getObject("tcp_port") != null) {
            probe = "tcp:" + rs.getInt("tcp_port");
          }
          Connectivity c =
              new Connectivity(
                  rs.getString("status"),
                  instant(rs, "last_ping_success"),
                  (Double) rs.getObject("rtt_ms"),
                  instant(rs, "last_checked"),
                  rs.getString("last_error"),
                  rs.getInt("failures"),
                  rs.getString("recent"),
                  probe,
                  rs.getBoolean("monitoring"),
                  rs.getString("stop_reason"));
          byDevice
              .computeIfAbsent(rs.getLong("device_id"), k -> new ArrayList<>())
              .add(
                  new Endpoint(
                      rs.getLong("id"),
                      rs.getString("ip"),
                      rs.getString("role"),
                      instant(rs, "released_at"),
                      c));
        });
    return byDevice;
  }

  /** The device's records with ids above {@code after}, oldest first. */
  public TelemetryPage telemetry(long deviceId, long after, int limit) {
    device(deviceId);
    List<TelemetryRecord> items =
        jdbc.query(
            "select * , host(source_ip) as ip, structured_data::text as sd from telemetry_records"
                + " where device_id = ? and id > ? order by id limit ?",
            (rs, i) -> record(rs),
            deviceId,
            after,
            limit + 1);
    boolean more = items.size() > limit;
    List<TelemetryRecord> page = more ? items.subList(0, limit) : items;
    long next = page.isEmpty() ? after : page.get(page.size() - 1).id();
    return new TelemetryPage(List.copyOf(page), next, more);
  }

  private TelemetryRecord record(ResultSet rs) throws SQLException {
    try {
      return new TelemetryRecord(
          rs.getLong("id"),
          instant(rs, "received_at"),
          rs.getString("ip"),
          (Long) rs.getObject("device_id"),
          rs.getString("transport"),
          rs.getString("format"),
          rs.getObject("facility") == null ? null : rs.getInt("facility"),
          rs.getObject("severity") == null ? null : rs.getInt("severity"),
          rs.getString("hostname"),
          rs.getString("app_name"),
          rs.getString("proc_id"),
          rs.getString("msg_id"),
          instant(rs, "onboard_time"),
          mapper.readTree(rs.getString("sd")),
          rs.getString("message"),
          rs.getString("raw"));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("telemetry_records.structured_data is not JSON", e);
    }
  }

  /** Sources with records no device claims, the most recent first. */
  public List<UnknownSource> unknownSources(int limit) {
    return jdbc.query(
        "select host(source_ip), count(*), min(received_at), max(received_at), max(id)"
            + " from telemetry_records where device_id is null group by source_ip"
            + " order by max(id) desc limit ?",
        (rs, i) ->
            new UnknownSource(
                rs.getString(1),
                rs.getLong(2),
                rs.getTimestamp(3).toInstant(),
                rs.getTimestamp(4).toInstant(),
                rs.getLong(5)),
        limit);
  }

  /** The endpoint's status changes, newest first, with ids below {@code before} (0: newest). */
  public TransitionPage transitions(long endpointId, long before, int limit) {
    Integer exists =
        jdbc.queryForObject(
            "select count(*) from vpn_endpoints where id = ?", Integer.class, endpointId);
    if (exists == null || exists == 0) {
      throw ApiException.notFound("Endpoint " + endpointId + " not found");
    }
    List<Transition> items =
        jdbc.query(
            "select id, at, from_status, to_status, rtt_ms, reason from connectivity_transitions"
                + " where endpoint_id = ? and (? = 0 or id < ?) order by id desc limit ?",
            (rs, i) ->
                new Transition(
                    rs.getLong(1),
                    rs.getTimestamp(2).toInstant(),
                    rs.getString(3),
                    rs.getString(4),
                    (Double) rs.getObject(5),
                    rs.getString(6)),
            endpointId,
            before,
            before,
            limit + 1);
    boolean more = items.size() > limit;
    List<Transition> page = more ? items.subList(0, limit) : items;
    long next = page.isEmpty() ? before : page.get(page.size() - 1).id();
    return new TransitionPage(List.copyOf(page), next, more);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}
