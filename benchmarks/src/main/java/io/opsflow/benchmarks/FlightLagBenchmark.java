/*
 * Run (no install needed):
 *
 *   mvn -q -B -o -pl benchmarks -am -DskipTests package dependency:copy-dependencies \
 *       -DincludeScope=runtime -DoutputDirectory=target/lib
 *   java -Xmx2g -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *       io.opsflow.benchmarks.FlightLagBenchmark [path/to/vtol.tlog]
 *
 * System properties:
 *   bench.rate=1000      records written per second (in batches every 100 ms)
 *   bench.seconds=60     how long the intake writes
 *   bench.poll=PT5S      the workflow's poll interval after a short pull (its default is 5 s)
 *   bench.batch=500      records per pull (the workflow's default)
 */
package io.opsflow.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.device.telemetry.SyslogMessage;
import io.opsflow.device.telemetry.TelemetryStore;
import io.opsflow.device.telemetry.TelemetryStore.Incoming;
import io.opsflow.flight.FlightClassifier;
import io.opsflow.flight.FlightClassifierConfig;
import io.opsflow.flight.FlightHistoryActivitiesImpl;
import io.opsflow.flight.FlightHistoryRequest;
import io.opsflow.flight.FlightHistoryWorkflow;
import io.opsflow.flight.FlightHistoryWorkflowImpl;
import io.opsflow.flight.TelemetryPoint;
import io.opsflow.simulators.flight.TelemetryPoints;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.opsflow.workers.embedded.EmbeddedTemporal;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * End-to-end lag of the flight history: records are written by the intake's own store at a steady
 * rate (the real log's messages, stamped with the time they are written) while {@code
 * flight-history-<id>} runs on the embedded Temporal server with the real activities against
 * PostgreSQL. A record's lag is its {@code received_at} to the moment the workflow's pull copied it
 * into flight_telemetry ({@code copied_at}, the pull's transaction) and handed it to the
 * classifier. Printed as p50/p99/max beside the classifier-only time of one pull's batch (the same
 * records classified in memory, no database or Temporal), with the ratio.
 */
public final class FlightLagBenchmark {

  private final int rate = Integer.getInteger("bench.rate", 1_000);
  private final int seconds = Integer.getInteger("bench.seconds", 60);
  private final Duration poll = Duration.parse(System.getProperty("bench.poll", "PT5S"));
  private final int batch = Integer.getInteger("bench.batch", 500);

  public static void main(String[] args) throws Exception {
    Path tlog = Path.of(args.length > 0 ? args[0] : "testdata/flight/vtol.tlog");
    new FlightLagBenchmark().run(tlog);
    System.exit(0);
  }

  private void run(Path tlog) throws Exception {
    List<TelemetryPoint> log = TelemetryPoints.fromTlog(tlog);
    int total = rate * seconds;
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start();
        EmbeddedTemporal temporal = EmbeddedTemporal.start(0, false)) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(postgres.jdbcUrl());
      config.setUsername(postgres.username());
      config.setPassword(postgres.password());
      config.setMaximumPoolSize(8);
      try (HikariDataSource dataSource = new HikariDataSource(config)) {
        Flyway.configure().dataSource(dataSource).load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        TransactionTemplate tx =
            new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        TelemetryStore store = new TelemetryStore(jdbc, tx, new ObjectMapper());
        long tenant =
            jdbc.queryForObject(
                "insert into tenants (name) values ('bench') returning id", Long.class);
        long device =
            jdbc.queryForObject(
                "insert into devices (tenant_id, name, device_type, created_by)"
                    + " values (?, 'vtol', 'drone', 'bench') returning id",
                Long.class,
                tenant);

        WorkflowServiceStubs stubs =
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
        WorkflowClient client = WorkflowClient.newInstance(stubs);
        WorkerFactory factory = WorkerFactory.newInstance(client);
        var worker = factory.newWorker("flight-lag");
        worker.registerWorkflowImplementationTypes(FlightHistoryWorkflowImpl.class);
        worker.registerActivitiesImplementations(new FlightHistoryActivitiesImpl(jdbc, tx));
        factory.start();
        FlightHistoryWorkflow history =
            client.newWorkflowStub(
                FlightHistoryWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("flight-lag")
                    .setWorkflowId(FlightHistoryWorkflow.workflowId(device))
                    .build());
        WorkflowClient.start(
            history::run, new FlightHistoryRequest(device, null, batch, poll, 200, null, null));

        System.out.printf(
            "writing %,d records at %,d/s for %d s (workflow: %d per pull, poll %s)%n",
            total, rate, seconds, batch, poll);
        int perTick = Math.max(1, rate / 10);
        long start = System.nanoTime();
        Instant shift = Instant.now();
        Instant logStart = log.getFirst().time();
        for (int written = 0, tick = 0; written < total; tick++) {
          long due = start + tick * 100_000_000L;
          long wait = due - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
          }
          List<Incoming> in = new ArrayList<>(perTick);
          Instant now = Instant.now();
          for (int i = 0; i < perTick && written < total; i++, written++) {
            TelemetryPoint p = log.get(written % log.size());
            int lap = written / log.size();
            Instant onboard =
                shift.plus(Duration.between(logStart, p.time())).plus(Duration.ofDays(lap));
            in.add(incoming(device, now, onboard, p));
          }
          store.write(in);
        }
        long lastId =
            jdbc.queryForObject(
                "select max(id) from telemetry_records where device_id = ?", Long.class, device);
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (history.view().cursor() < lastId && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        double[] lags =
            jdbc
                .queryForList(
                    "select extract(epoch from (f.copied_at - r.received_at)) * 1000"
                        + " from telemetry_records r join flight_telemetry f on f.id = r.id"
                        + " where r.device_id = ?",
                    Double.class,
                    device)
                .stream()
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        long copied = lags.length;
        double classify = classifierOnlyMs(log);
        double p50 = percentile(lags, 0.50);
        double p99 = percentile(lags, 0.99);
        System.out.printf("records classified by the workflow: %,d of %,d%n", copied, total);
        System.out.printf(
            "end-to-end lag (received -> pulled and classified): p50 %.0f ms, p99 %.0f ms,"
                + " max %.0f ms%n",
            p50, p99, lags.length == 0 ? Double.NaN : lags[lags.length - 1]);
        System.out.printf(
            "classifier only, one pull's batch of %d in memory: %.3f ms (p50 lag / batch ="
                + " %.0fx)%n",
            batch, classify, p50 / classify);
        factory.shutdownNow();
        stubs.shutdownNow();
      }
    }
  }

  private static Incoming incoming(
      long device, Instant received, Instant onboard, TelemetryPoint p) {
    SyslogMessage m =
        new SyslogMessage(
            SyslogMessage.Format.RFC5424,
            1,
            6,
            onboard,
            "vtol",
            "mavlink",
            null,
            p.msgId(),
            Map.of("mavlink@32473", p.fields()),
            "",
            "<14>1 " + onboard + " vtol mavlink - " + p.msgId());
    return new Incoming(received, "127.0.0.1", device, "udp", m);
  }

  /** The median time of classifying one batch of the log in memory, over many batches. */
  private double classifierOnlyMs(List<TelemetryPoint> log) {
    List<Double> times = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
      for (int from = 0; from + batch <= log.size(); from += batch) {
        long t0 = System.nanoTime();
        classifier.accept(log.subList(from, from + batch));
        classifier.drainSettled();
        classifier.history();
        times.add((System.nanoTime() - t0) / 1e6);
      }
    }
    double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return percentile(sorted, 0.5);
  }

  private static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
