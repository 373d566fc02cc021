/*
 * Run (no install needed):
 *
 *   mvn -q -B -o -pl benchmarks -am -DskipTests package dependency:copy-dependencies \
 *       -DincludeScope=runtime -DoutputDirectory=target/lib
 *   java -Xmx2g -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *       io.opsflow.benchmarks.RelpBenchmark
 *
 * System properties:
 *   bench.messages=100000   messages per run
 *   bench.rounds=3          runs of each transport (alternating); the median is printed
 *   bench.window=128        RelpSender window (rsyslog omrelp's default)
 */
package io.opsflow.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.device.telemetry.EndpointDirectory;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.device.telemetry.SyslogParser;
import io.opsflow.device.telemetry.SyslogProperties;
import io.opsflow.device.telemetry.TelemetryStore;
import io.opsflow.device.telemetry.TelemetryStore.Incoming;
import io.opsflow.simulators.syslog.RelpSender;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Syslog over RELP against plain TCP on loopback, both into PostgreSQL through the same intake:
 * messages per second from the first byte sent until the last message is committed (TCP) or
 * acknowledged, which RELP only does after the commit. Then the insert alone ({@link
 * TelemetryStore#write}, 2,000 per batch): RELP rows carry the dedup key (SHA-256, a unique index
 * and ON CONFLICT DO NOTHING), TCP rows do not.
 */
public final class RelpBenchmark {

  private final int messages = Integer.getInteger("bench.messages", 100_000);
  private final int rounds = Integer.getInteger("bench.rounds", 3);
  private final int window = Integer.getInteger("bench.window", 128);

  private HikariDataSource dataSource;
  private JdbcTemplate jdbc;
  private TransactionTemplate tx;

  public static void main(String[] args) throws Exception {
    new RelpBenchmark().run();
    System.out.flush();
    System.exit(0);
  }

  void run() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(postgres.jdbcUrl());
      config.setUsername(postgres.username());
      config.setPassword(postgres.password());
      config.setMaximumPoolSize(8);
      dataSource = new HikariDataSource(config);
      Flyway.configure().dataSource(dataSource).load().migrate();
      jdbc = new JdbcTemplate(dataSource);
      tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
      long tenant =
          jdbc.queryForObject(
              "insert into tenants (name, mesh_cidr) values ('bench', '127.0.0.0/8') returning id",
              Long.class);
      long device =
          jdbc.queryForObject(
              "insert into devices (tenant_id, name, device_type, created_by)"
                  + " values (?, 'drone-1', 'drone', 'bench') returning id",
              Long.class,
              tenant);
      jdbc.update(
          "insert into vpn_endpoints (device_id, tenant_id, ip_address, role)"
              + " values (?, ?, '127.0.0.1', 'primary')",
          device,
          tenant);

      System.out.printf(
          Locale.ROOT,
          "RELP vs plain TCP syslog on loopback into PostgreSQL: %,d messages per run, median of"
              + " %d runs, RELP window %d%n",
          messages,
          rounds,
          window);
      double[] tcp = new double[rounds];
      double[] relp = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        tcp[r] = tcpRun(r);
        relp[r] = relpRun(r);
      }
      double tcpRate = median(tcp);
      double relpRate = median(relp);
      System.out.printf(Locale.ROOT, "%-34s %14s%n", "transport", "messages/s");
      System.out.printf(Locale.ROOT, "%-34s %,14.0f%n", "tcp (octet counting, no ack)", tcpRate);
      System.out.printf(Locale.ROOT, "%-34s %,14.0f%n", "relp (ack after commit, dedup)", relpRate);
      System.out.printf(Locale.ROOT, "ratio relp/tcp: %.2f%n", relpRate / tcpRate);

      insertOnly(device);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String message(int run, int seq) {
    return "<134>1 2026-12-04T21:00:00.000001Z drone-1 mavlink 812 GLOBAL_POSITION_INT"
        + " [mavlink@32473 lat=\"47.3977419\" lon=\"8.5455938\" alt=\"488.2\"] run="
        + run
        + " seq="
        + seq;
  }

  private SyslogIntake intake() {
    SyslogProperties p = SyslogProperties.onPorts(-1, 0, 0);
    SyslogIntake intake =
        new SyslogIntake(
            p,
            new TelemetryStore(jdbc, tx, new ObjectMapper()),
            new EndpointDirectory(jdbc, p.endpointRefresh(), Clock.systemUTC()),
            List.of(),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    intake.start();
    return intake;
  }

  private void empty() {
    jdbc.execute("truncate telemetry_records, device_latest_state restart identity");
  }

  private int rows() {
    return jdbc.queryForObject("select count(*) from telemetry_records", Integer.class);
  }

  private double tcpRun(int run) throws Exception {
    empty();
    SyslogIntake intake = intake();
    try {
      long start = System.nanoTime();
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), intake.tcpPort());
          OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16)) {
        for (int i = 0; i < messages; i++) {
          byte[] bytes = message(run, i).getBytes(StandardCharsets.UTF_8);
          out.write((bytes.length + " ").getBytes(StandardCharsets.US_ASCII));
          out.write(bytes);
        }
        out.flush();
        // stored = committed; plain TCP has no other signal
        while (intake.stats().stored() < messages) {
          Thread.sleep(1);
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      check("tcp", rows(), messages);
      return messages / seconds;
    } finally {
      intake.stop();
    }
  }

  private double relpRun(int run) throws Exception {
    empty();
    SyslogIntake intake = intake();
    try {
      long start = System.nanoTime();
      try (RelpSender sender =
          new RelpSender(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), intake.relpPort()),
              InetAddress.getLoopbackAddress(),
              window,
              Duration.ofSeconds(1))) {
        for (int i = 0; i < messages; i++) {
          sender.send(message(run, i));
        }
        if (!sender.awaitAcknowledged(Duration.ofMinutes(5))) {
          throw new IllegalStateException("RELP acknowledgements missing: " + sender.stats());
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      check("relp", rows(), messages);
      return messages / seconds;
    } finally {
      intake.stop();
    }
  }

  private static void check(String transport, int rows, int expected) {
    if (rows != expected) {
      throw new IllegalStateException(transport + ": " + rows + " rows for " + expected);
    }
  }

  /** TelemetryStore.write alone: the same batches as tcp (no key) and as relp (dedup key). */
  private void insertOnly(long device) {
    int batchSize = 2000;
    int batches = Math.max(1, messages / batchSize);
    double[] plain = new double[rounds];
    double[] keyed = new double[rounds];
    TelemetryStore store = new TelemetryStore(jdbc, tx, new ObjectMapper());
    for (int r = 0; r < rounds; r++) {
      plain[r] = insertRun(store, device, "tcp", r, batches, batchSize);
      keyed[r] = insertRun(store, device, TelemetryStore.RELP, r, batches, batchSize);
    }
    System.out.printf(
        Locale.ROOT,
        "insert only (TelemetryStore.write, %,d batches of %,d):%n",
        batches,
        batchSize);
    System.out.printf(Locale.ROOT, "%-34s %,14.0f%n", "tcp rows (no dedup key)", median(plain));
    System.out.printf(
        Locale.ROOT, "%-34s %,14.0f%n", "relp rows (sha-256 key, unique)", median(keyed));
    System.out.printf(Locale.ROOT, "ratio relp/tcp: %.2f%n", median(keyed) / median(plain));
  }

  private double insertRun(
      TelemetryStore store, long device, String transport, int run, int batches, int size) {
    empty();
    Instant now = Instant.now();
    List<List<Incoming>> all = new ArrayList<>(batches);
    for (int b = 0; b < batches; b++) {
      List<Incoming> batch = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        String text = message(run, b * size + i);
        batch.add(
            new Incoming(
                now,
                "127.0.0.1",
                device,
                transport,
                SyslogParser.parse(text, now, ZoneOffset.UTC)));
      }
      all.add(batch);
    }
    long start = System.nanoTime();
    for (List<Incoming> batch : all) {
      store.write(batch);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    check("insert " + transport, rows(), batches * size);
    return batches * size / seconds;
  }
}
