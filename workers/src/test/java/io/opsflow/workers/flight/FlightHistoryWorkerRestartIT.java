package io.opsflow.workers.flight;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.device.telemetry.SyslogMessage;
import io.opsflow.device.telemetry.TelemetryStore;
import io.opsflow.device.telemetry.TelemetryStore.Incoming;
import io.opsflow.flight.FlightHistoryActivitiesImpl;
import io.opsflow.flight.FlightHistoryRequest;
import io.opsflow.flight.FlightHistoryView;
import io.opsflow.flight.FlightHistoryWorkflow;
import io.opsflow.flight.FlightHistoryWorkflowImpl;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.opsflow.workers.embedded.EmbeddedTemporal;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The worker running {@code flight-history-<id>} is shut down at once (shutdownNow: its pull in
 * progress is abandoned, as when the process dies) while the intake keeps writing telemetry; a new
 * worker takes over. Real PostgreSQL, the real activities and intake store, the embedded Temporal
 * server without sticky queues. The device's flight_telemetry must hold each of its
 * telemetry_records once, and its flights must not be doubled.
 */
class FlightHistoryWorkerRestartIT {

  private static final String QUEUE = "flight-history-restart";
  private static final int FLIGHTS = 3;
  private static EmbeddedPostgres postgres;
  private static HikariDataSource dataSource;
  private static JdbcTemplate jdbc;
  private static TelemetryStore store;
  private static FlightHistoryActivitiesImpl activities;

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
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    store = new TelemetryStore(jdbc, tx, new ObjectMapper());
    activities = new FlightHistoryActivitiesImpl(jdbc, tx);
  }

  @AfterAll
  static void close() {
    dataSource.close();
    postgres.close();
  }

  private static Incoming message(
      long device, Instant onboard, String msgId, Map<String, String> p) {
    SyslogMessage m =
        new SyslogMessage(
            SyslogMessage.Format.RFC5424,
            1,
            6,
            onboard,
            "drone",
            "mavlink",
            null,
            msgId,
            Map.of("mavlink@32473", p),
            "",
            "<14>1 " + onboard + " drone mavlink - " + msgId + " - ");
    return new Incoming(onboard.plusMillis(40), "127.0.0.1", device, "udp", m);
  }

  /** {@link #FLIGHTS} flights at 10 Hz: armed, 3 s on the ground, 40 s at 20 m, 8 s landed. */
  private static List<Incoming> telemetry(long device) {
    List<Incoming> out = new ArrayList<>();
    Instant t = Instant.parse("2026-12-04T10:00:00Z");
    for (int f = 0; f < FLIGHTS; f++) {
      out.add(message(device, t, "HEARTBEAT", heartbeat(true)));
      for (int tick = 1; tick <= 510; tick++) {
        double alt = tick > 30 && tick <= 430 ? 20 : 0;
        Map<String, String> p = new LinkedHashMap<>();
        p.put("lat", Double.toString(47 + tick * 1e-6));
        p.put("lon", "8");
        p.put("relative_alt", Double.toString(alt));
        p.put("vx", "0");
        p.put("vy", "0");
        p.put("vz", "0");
        out.add(message(device, t.plusMillis(tick * 100L), "GLOBAL_POSITION_INT", p));
      }
      out.add(message(device, t.plusMillis(51_100), "HEARTBEAT", heartbeat(false)));
      t = t.plusSeconds(120);
    }
    return out;
  }

  private static Map<String, String> heartbeat(boolean armed) {
    return Map.of("type", "1", "autopilot", "3", "base_mode", armed ? "217" : "89");
  }

  private static long count(String sql, long device) {
    return jdbc.queryForObject(sql, Long.class, device);
  }

  private static long copied;
  private static java.util.function.Supplier<String> diagnose = () -> "";

  private static void await(String what, Duration timeout, BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      copied = jdbc.queryForObject("select count(*) from flight_telemetry", Long.class);
      assertThat(System.nanoTime())
          .as("waiting for %s (%d records copied) %s", what, copied, diagnose.get())
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static WorkerFactory worker(WorkflowClient client) {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(FlightHistoryWorkflowImpl.class);
    worker.registerActivitiesImplementations(activities);
    factory.start();
    return factory;
  }

  @Test
  void aNewWorkerGoesOnWithoutGapOrDuplicate() throws Exception {
    long tenant =
        jdbc.queryForObject(
            "insert into tenants (name) values ('restart') returning id", Long.class);
    long device =
        jdbc.queryForObject(
            "insert into devices (tenant_id, name, device_type, created_by)"
                + " values (?, 'drone-r', 'drone', 'test') returning id",
            Long.class,
            tenant);
    List<Incoming> telemetry = telemetry(device);
    // The embedded server without sticky queues (as the all-in-one app runs it): Temporal's Java
    // test server never moves a task off a dead worker's sticky queue, a real server does.
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0, false);
        ExecutorService intake = Executors.newSingleThreadExecutor()) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      WorkerFactory first = worker(client);
      FlightHistoryWorkflow history =
          client.newWorkflowStub(
              FlightHistoryWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(QUEUE)
                  .setWorkflowId(FlightHistoryWorkflow.workflowId(device))
                  .build());
      // small pulls, a short poll and continue-as-new every 10 pulls: many cursor hand-overs
      WorkflowClient.start(
          history::run,
          new FlightHistoryRequest(device, null, 50, Duration.ofMillis(200), 10, null, null));
      // the intake writes 50 records every 25 ms, like a drone at 2,000 messages/s
      Future<?> writing =
          intake.submit(
              () -> {
                for (int i = 0; i < telemetry.size(); i += 50) {
                  store.write(telemetry.subList(i, Math.min(telemetry.size(), i + 50)));
                  try {
                    Thread.sleep(25);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                  }
                }
              });
      await(
          "the first worker copying telemetry",
          Duration.ofSeconds(60),
          () -> count("select count(*) from flight_telemetry where device_id = ?", device) >= 300);
      first.shutdownNow();
      first.awaitTermination(10, TimeUnit.SECONDS);
      long atShutdown = count("select count(*) from flight_telemetry where device_id = ?", device);
      Thread.sleep(1_000);
      assertThat(count("select count(*) from flight_telemetry where device_id = ?", device))
          .as("nothing pulled without a worker")
          .isEqualTo(atShutdown);
      writing.get(60, TimeUnit.SECONDS);
      assertThat(count("select count(*) from telemetry_records where device_id = ?", device))
          .as("the intake went on meanwhile")
          .isEqualTo(telemetry.size())
          .isGreaterThan(atShutdown);

      WorkerFactory second = worker(client);
      long lastId = count("select max(id) from telemetry_records where device_id = ?", device);
      // the abandoned pull's attempt times out (30 s start-to-close) and is retried
      diagnose =
          () -> {
            var events = client.fetchHistory(FlightHistoryWorkflow.workflowId(device)).getEvents();
            return events.subList(Math.max(0, events.size() - 8), events.size()).stream()
                .map(e -> e.getEventType() + " " + e.getEventTime().getSeconds())
                .toList()
                .toString();
          };
      await(
          "the new worker copying every record",
          Duration.ofSeconds(120),
          () ->
              count("select count(*) from flight_telemetry where device_id = ?", device)
                  == telemetry.size());
      await(
          "the last flight saved",
          Duration.ofSeconds(30),
          () ->
              count(
                      "select count(*) from flights where device_id = ? and landed_at is not null",
                      device)
                  == FLIGHTS);
      // the workflow's own count: each record classified once (a query may wait for the sticky
      // queue of the dead worker to time out first)
      FlightHistoryView view = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (view == null || view.cursor() < lastId) {
        assertThat(System.nanoTime()).as("querying the history").isLessThan(deadline);
        try {
          view = history.view();
        } catch (WorkflowServiceException slow) {
          view = null;
        }
      }
      assertThat(view.cursor()).isEqualTo(lastId);
      assertThat(view.points()).isEqualTo(telemetry.size());
      assertThat(view.flights()).isEqualTo(FLIGHTS);
      second.shutdownNow();
      second.awaitTermination(10, TimeUnit.SECONDS);
      stubs.shutdownNow();
    }
    assertThat(count("select count(*) from flight_telemetry where device_id = ?", device))
        .isEqualTo(telemetry.size());
    assertThat(
            count(
                "select count(*) from telemetry_records r where r.device_id = ? and not exists"
                    + " (select 1 from flight_telemetry f where f.id = r.id)",
                device))
        .as("no record missing from the monitor's copy")
        .isZero();
    assertThat(count("select count(*) from flights where device_id = ?", device))
        .isEqualTo(FLIGHTS);
    assertThat(count("select max(number) from flights where device_id = ?", device))
        .isEqualTo(FLIGHTS);
  }
}
