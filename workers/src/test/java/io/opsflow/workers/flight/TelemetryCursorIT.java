package io.opsflow.workers.flight;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.device.telemetry.SyslogMessage;
import io.opsflow.device.telemetry.TelemetryStore;
import io.opsflow.device.telemetry.TelemetryStore.Incoming;
import io.opsflow.flight.FlightHistoryActivities.PullRequest;
import io.opsflow.flight.FlightHistoryActivitiesImpl;
import io.opsflow.flight.TelemetryPoint;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The pull cursor of the flight history against concurrent writers of telemetry_records: a batch
 * that took its ids and holds its transaction open while a second writer commits a later batch of
 * the same device. Without ordering the pull sees the later id first and steps over the earlier one
 * for good (shown with plain inserts); through {@link TelemetryStore} (its advisory lock) it never
 * does.
 */
class TelemetryCursorIT {

  private static EmbeddedPostgres postgres;
  private static HikariDataSource dataSource;
  private static JdbcTemplate jdbc;
  private static TelemetryStore store;
  private static FlightHistoryActivitiesImpl pull;
  private static long tenant;

  @BeforeAll
  static void database() {
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(8);
    dataSource = new HikariDataSource(config);
    org.flywaydb.core.Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    store = new TelemetryStore(jdbc, tx, new ObjectMapper());
    pull = new FlightHistoryActivitiesImpl(jdbc, tx);
    tenant =
        jdbc.queryForObject("insert into tenants (name) values ('acme') returning id", Long.class);
  }

  @AfterAll
  static void close() {
    dataSource.close();
    postgres.close();
  }

  private static long device(String name) {
    return jdbc.queryForObject(
        "insert into devices (tenant_id, name, device_type, created_by)"
            + " values (?, ?, 'drone', 'test') returning id",
        Long.class,
        tenant,
        name);
  }

  private static Incoming heartbeat(long device, String text) {
    Instant now = Instant.now();
    SyslogMessage m =
        new SyslogMessage(
            SyslogMessage.Format.RFC5424,
            1,
            6,
            now,
            "drone",
            "mavlink",
            null,
            "HEARTBEAT",
            Map.of("mavlink@32473", Map.of("base_mode", "81", "type", "2")),
            text,
            "<14>1 - drone mavlink - HEARTBEAT - " + text);
    return new Incoming(now, "127.0.0.1", device, "udp", m);
  }

  /** Pulls like the workflow does: after the cursor, moving it to the last id seen. */
  private static long pullAll(long device, long cursor, List<Long> seen) {
    for (List<TelemetryPoint> points = pull.pull(new PullRequest(device, cursor, 100)).points();
        !points.isEmpty();
        points = pull.pull(new PullRequest(device, cursor, 100)).points()) {
      points.forEach(p -> seen.add(p.id()));
      cursor = points.getLast().id();
    }
    return cursor;
  }

  private static int waitingOnLocks() {
    return jdbc.queryForObject(
        "select count(*) from pg_stat_activity where wait_event_type = 'Lock'", Integer.class);
  }

  private static void awaitWaiting(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (waitingOnLocks() < n) {
      assertThat(System.nanoTime()).as("%d sessions waiting on a lock", n).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void aBatchHeldOpenIsNotSkippedWhenALaterBatchCommitsFirst() throws Exception {
    long drone = device("cursor-drone");
    long other = device("cursor-other");
    store.write(List.of(heartbeat(other, "exists")));
    List<Long> seen = new ArrayList<>();
    long cursor = 0;
    // Another session holds the other device's state row: writer A takes its ids (other, drone),
    // then waits at the state upsert with its transaction open.
    try (Connection locker = dataSource.getConnection();
        ExecutorService writers = Executors.newFixedThreadPool(2)) {
      locker.setAutoCommit(false);
      try (PreparedStatement ps =
          locker.prepareStatement(
              "select 1 from device_latest_state where device_id = ? for update")) {
        ps.setLong(1, other);
        ps.executeQuery().close();
      }
      CompletableFuture<TelemetryStore.Written> a =
          CompletableFuture.supplyAsync(
              () -> store.write(List.of(heartbeat(other, "a0"), heartbeat(drone, "a1"))), writers);
      awaitWaiting(1);
      // Writer B: only the drone, whose row nobody holds; it would commit at once.
      CompletableFuture<TelemetryStore.Written> b =
          CompletableFuture.supplyAsync(() -> store.write(List.of(heartbeat(drone, "b"))), writers);
      awaitWaiting(2);
      Thread.sleep(300);
      assertThat(b).as("B waits for A's commit instead of overtaking it").isNotDone();
      cursor = pullAll(drone, cursor, seen);
      assertThat(seen).isEmpty();
      locker.rollback();
      TelemetryStore.Written writtenA = a.get(20, TimeUnit.SECONDS);
      TelemetryStore.Written writtenB = b.get(20, TimeUnit.SECONDS);
      assertThat(writtenA.ids().get(1)).isLessThan(writtenB.ids().getFirst());
    }
    cursor = pullAll(drone, cursor, seen);
    List<Long> stored =
        jdbc.queryForList(
            "select id from telemetry_records where device_id = ? order by id", Long.class, drone);
    assertThat(stored).hasSize(2);
    assertThat(seen).containsExactlyElementsOf(stored);
    assertThat(cursor).isEqualTo(stored.getLast());
    assertThat(
            jdbc.queryForObject(
                "select count(*) from flight_telemetry where device_id = ?", Long.class, drone))
        .isEqualTo(2);
  }

  @Test
  void withoutOrderingTheSameInterleavingSkipsARecord() throws Exception {
    long drone = device("unordered-drone");
    String insert =
        "insert into telemetry_records (received_at, source_ip, device_id, transport, format, raw)"
            + " values (now(), '127.0.0.1', ?, 'udp', 'unparsed', 'x') returning id";
    List<Long> seen = new ArrayList<>();
    long cursor = 0;
    try (Connection slow = dataSource.getConnection();
        Connection fast = dataSource.getConnection()) {
      slow.setAutoCommit(false);
      try (PreparedStatement ps = slow.prepareStatement(insert)) {
        ps.setLong(1, drone);
        ps.executeQuery().close();
      }
      try (PreparedStatement ps = fast.prepareStatement(insert)) {
        ps.setLong(1, drone);
        ps.executeQuery().close();
      }
      cursor = pullAll(drone, cursor, seen);
      slow.commit();
    }
    pullAll(drone, cursor, seen);
    List<Long> stored =
        jdbc.queryForList(
            "select id from telemetry_records where device_id = ? order by id", Long.class, drone);
    assertThat(stored).hasSize(2);
    assertThat(seen).containsExactly(stored.getLast());
  }
}
