package io.opsflow.workers.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.flight.FlightClassifier;
import io.opsflow.flight.FlightClassifierConfig;
import io.opsflow.flight.FlightHistory;
import io.opsflow.flight.FlightHistoryActivities.PullRequest;
import io.opsflow.flight.FlightHistoryActivities.SaveRequest;
import io.opsflow.flight.FlightHistoryActivities.TelemetryBatch;
import io.opsflow.flight.FlightHistoryActivitiesImpl;
import io.opsflow.flight.FlightRetentionActivities.Archive;
import io.opsflow.flight.FlightRetentionActivities.ArchiveRequest;
import io.opsflow.flight.FlightRetentionActivities.Around;
import io.opsflow.flight.FlightRetentionActivities.AroundRequest;
import io.opsflow.flight.FlightRetentionActivities.PruneRequest;
import io.opsflow.flight.FlightRetentionActivitiesImpl;
import io.opsflow.flight.TelemetryPoint;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The flight history activities on the real schema (V8 telemetry_records, V11 flight tables) in an
 * embedded PostgreSQL: pulling by cursor copies each record once, saving twice writes each flight,
 * incident and bucket once, another device's telemetry stays out.
 */
class FlightHistoryActivitiesIT {

  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00.123456Z");
  private static EmbeddedPostgres postgres;
  private static HikariDataSource dataSource;
  private static JdbcTemplate jdbc;
  private static FlightHistoryActivitiesImpl activities;
  private static long tenant;
  private static long drone;
  private static long other;

  @BeforeAll
  static void database() {
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    activities =
        new FlightHistoryActivitiesImpl(
            jdbc, new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
    tenant =
        jdbc.queryForObject("insert into tenants (name) values ('acme') returning id", Long.class);
    drone = device(tenant, "drone-1");
    other = device(tenant, "drone-2");
  }

  @AfterAll
  static void close() {
    dataSource.close();
    postgres.close();
  }

  private static long device(long tenant, String name) {
    return jdbc.queryForObject(
        "insert into devices (tenant_id, name, device_type, created_by)"
            + " values (?, ?, 'drone', 'test') returning id",
        Long.class,
        tenant,
        name);
  }

  private static void record(long device, double seconds, String msgId, String params) {
    Instant onboard = T0.plusNanos(Math.round(seconds * 1e9));
    jdbc.update(
        "insert into telemetry_records (received_at, source_ip, device_id, transport, format,"
            + " app_name, msg_id, onboard_time, structured_data, raw)"
            + " values (?, '127.0.0.1', ?, 'udp', 'rfc5424', 'mavlink', ?, ?, ?::jsonb, 'raw')",
        onboard.plusMillis(80).atOffset(ZoneOffset.UTC),
        device,
        msgId,
        onboard.atOffset(ZoneOffset.UTC),
        "{\"mavlink@32473\": {" + params + "}}");
  }

  /** Armed, climbs to 20 m for a minute (a 6 s silence in the middle), lands, disarms. */
  private static void flight(long device) {
    record(device, 0, "HEARTBEAT", "\"type\": \"1\", \"autopilot\": \"3\", \"base_mode\": \"89\"");
    record(device, 1, "HEARTBEAT", "\"type\": \"1\", \"autopilot\": \"3\", \"base_mode\": \"217\"");
    for (int s = 2; s <= 90; s++) {
      if (s >= 40 && s < 46) {
        continue;
      }
      double alt = s < 10 || s > 80 ? 0 : 20;
      record(
          device,
          s,
          "GLOBAL_POSITION_INT",
          "\"lat\": \""
              + (47 + s * 1e-5)
              + "\", \"lon\": \"8\", \"relative_alt\": \""
              + alt
              + "\", \"vx\": \"0\", \"vy\": \"0\", \"vz\": \"0\"");
      record(device, s + 0.5, "SCALED_PRESSURE", "\"temperature\": \"" + (30 + s / 10.0) + "\"");
    }
    record(device, 91, "HEARTBEAT", "\"type\": \"1\", \"autopilot\": \"3\", \"base_mode\": \"89\"");
  }

  @Test
  void aClosedFlightIsArchivedPrunedAndStillReadable(@TempDir Path archiveDir) throws Exception {
    long device = device(tenant, "drone-3");
    flight(device);
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    long cursor = 0;
    for (TelemetryBatch batch = activities.pull(new PullRequest(device, cursor, 500));
        !batch.points().isEmpty();
        batch = activities.pull(new PullRequest(device, cursor, 500))) {
      classifier.accept(batch.points());
      activities.save(new SaveRequest(device, classifier.drainSettled(), classifier.history()));
      cursor = batch.points().getLast().id();
    }
    FlightRetentionActivitiesImpl retention =
        new FlightRetentionActivitiesImpl(
            jdbc,
            new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
            archiveDir);
    Instant middle = T0.plusSeconds(30);
    Around before = retention.around(new AroundRequest(device, middle, Duration.ofSeconds(5)));
    assertThat(before.archived()).isFalse();
    assertThat(before.points()).isNotEmpty();

    Archive archive = retention.archive(new ArchiveRequest(device, 1, Duration.ofSeconds(10)));
    assertThat(retention.archive(new ArchiveRequest(device, 1, Duration.ofSeconds(10))))
        .as("archiving again returns the same archive")
        .isEqualTo(archive);
    Path file = Path.of(archive.location());
    assertThat(file).startsWith(archiveDir).exists();
    assertThat(
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))))
        .isEqualTo(archive.sha256());
    assertThatThrownBy(() -> retention.archive(new ArchiveRequest(device, 9, Duration.ZERO)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flightNumber 9");

    Instant archivedAt =
        jdbc.queryForObject(
                "select archived_at from flight_telemetry_archives where id = ?",
                java.sql.Timestamp.class,
                archive.id())
            .toInstant();
    assertThat(retention.prune(new PruneRequest(archivedAt, Duration.ofHours(1), null)))
        .as("kept hot for an hour")
        .isZero();
    long hot =
        jdbc.queryForObject(
            "select count(*) from flight_telemetry where device_id = ?", Long.class, device);
    assertThat(
            retention.prune(
                new PruneRequest(
                    archivedAt.plus(Duration.ofHours(2)), Duration.ofHours(1), device)))
        .isEqualTo(archive.records());
    assertThat(
            jdbc.queryForObject(
                "select count(*) from flight_telemetry where device_id = ?", Long.class, device))
        .isEqualTo(hot - archive.records());

    Around after = retention.around(new AroundRequest(device, middle, Duration.ofSeconds(5)));
    assertThat(after.archived()).isTrue();
    assertThat(after.points()).isEqualTo(before.points());
  }

  @Test
  void anEndpointOfflineToTheHealthCheckDuringTheFlightIsALinkDropOfThatFlight() {
    long device = device(tenant, "drone-4");
    long endpoint =
        jdbc.queryForObject(
            "insert into vpn_endpoints (device_id, tenant_id, ip_address)"
                + " values (?, ?, '127.0.0.9') returning id",
            Long.class,
            device,
            tenant);
    // offline from 30 s to 50 s into the flight, and again long after landing
    transition(endpoint, 1, 0, "unknown", "online");
    transition(endpoint, 5, 30, "online", "offline");
    transition(endpoint, 8, 50, "offline", "degraded");
    transition(endpoint, 13, 55, "degraded", "online");
    transition(endpoint, 40, 300, "online", "offline");
    flight(device);

    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    long cursor = 0;
    while (true) {
      TelemetryBatch batch = activities.pull(new PullRequest(device, cursor, 50));
      if (batch.points().isEmpty()) {
        break;
      }
      classifier.accept(batch.points());
      SaveRequest save = new SaveRequest(device, classifier.drainSettled(), classifier.history());
      activities.save(save);
      activities.save(save);
      cursor = batch.points().getLast().id();
    }

    List<Map<String, Object>> drops =
        jdbc.queryForList(
            "select i.started_at, i.ended_at, i.flight_id, f.number, i.summary"
                + " from flight_incidents i left join flights f on f.id = i.flight_id"
                + " where i.device_id = ? and i.evidence ->> 'source' = 'ping'",
            device);
    assertThat(drops).hasSize(1);
    Map<String, Object> drop = drops.get(0);
    assertThat(((Timestamp) drop.get("started_at")).toInstant()).isEqualTo(T0.plusSeconds(30));
    assertThat(((Timestamp) drop.get("ended_at")).toInstant()).isEqualTo(T0.plusSeconds(50));
    assertThat(((Number) drop.get("number")).intValue()).isEqualTo(1);
    assertThat((String) drop.get("summary"))
        .isEqualTo("endpoint 127.0.0.9 offline to the health check: 3 consecutive probes failed");
  }

  private static void transition(
      long endpoint, long probe, double seconds, String from, String to) {
    jdbc.update(
        "insert into connectivity_transitions (endpoint_id, probe_seq, at, from_status, to_status,"
            + " reason) values (?, ?, ?, ?, ?, ?)",
        endpoint,
        probe,
        T0.plusNanos(Math.round(seconds * 1e9)).atOffset(ZoneOffset.UTC),
        from,
        to,
        to.equals("offline") ? "3 consecutive probes failed" : "answered");
  }

  @Test
  void pullsByCursorCopiesOnceAndSavesIdempotently() {
    flight(drone);
    flight(other);
    List<Long> droneIds =
        jdbc.queryForList(
            "select id from telemetry_records where device_id = ? order by id", Long.class, drone);

    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    List<TelemetryPoint> all = new ArrayList<>();
    long cursor = 0;
    while (true) {
      TelemetryBatch batch = activities.pull(new PullRequest(drone, cursor, 37));
      if (batch.points().isEmpty()) {
        break;
      }
      // a retry of the same pull returns the same rows and copies nothing more
      assertThat(activities.pull(new PullRequest(drone, cursor, 37))).isEqualTo(batch);
      all.addAll(batch.points());
      classifier.accept(batch.points());
      FlightHistory settled = classifier.drainSettled();
      SaveRequest save = new SaveRequest(drone, settled, classifier.history());
      activities.save(save);
      activities.save(save);
      cursor = batch.points().getLast().id();
    }

    assertThat(all).extracting(TelemetryPoint::id).containsExactlyElementsOf(droneIds);
    TelemetryPoint first = all.get(0);
    assertThat(first.onboardTime()).isEqualTo(T0);
    assertThat(first.receivedAt()).isEqualTo(T0.plusMillis(80));
    assertThat(first.fields()).containsEntry("base_mode", "89");
    assertThat(
            jdbc.queryForObject(
                "select count(*) from flight_telemetry where device_id = ?", Long.class, drone))
        .isEqualTo(droneIds.size());
    assertThat(
            jdbc.queryForObject(
                "select count(*) from flight_telemetry where device_id = ?", Long.class, other))
        .isZero();

    FlightClassifier once = new FlightClassifier(FlightClassifierConfig.defaults());
    once.accept(all);
    FlightHistory expected = once.history();
    assertThat(expected.flights()).hasSize(1);
    List<Map<String, Object>> flights =
        jdbc.queryForList("select * from flights where device_id = ?", drone);
    assertThat(flights).hasSize(1);
    Map<String, Object> flight = flights.get(0);
    assertThat(flight.get("number")).isEqualTo(1);
    assertThat(((java.sql.Timestamp) flight.get("takeoff_at")).toInstant())
        .isEqualTo(expected.flights().get(0).takeoffAt());
    assertThat(((java.sql.Timestamp) flight.get("landed_at")).toInstant())
        .isEqualTo(expected.flights().get(0).landedAt());
    assertThat(flight.get("max_altitude_m")).isEqualTo(20.0);
    assertThat(flight.get("max_temperature_c"))
        .isEqualTo(expected.flights().get(0).summary().maxTemperatureCelsius());

    List<Map<String, Object>> incidents =
        jdbc.queryForList(
            "select kind, severity, flight_id, evidence->>'gap_seconds' as gap"
                + " from flight_incidents where device_id = ?",
            drone);
    assertThat(incidents).hasSize(expected.incidents().size()).hasSize(1);
    assertThat(incidents.get(0))
        .containsEntry("kind", "LINK_DROP")
        .containsEntry("flight_id", flight.get("id"))
        .containsEntry("gap", "6.5");
    assertThat(
            jdbc.queryForObject(
                "select sum(messages) from flight_metric_buckets where device_id = ?",
                Long.class,
                drone))
        .isEqualTo(droneIds.size());
  }
}
