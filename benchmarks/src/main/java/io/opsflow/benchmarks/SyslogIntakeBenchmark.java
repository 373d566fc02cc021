/*
 * Run (no install needed):
 *
 *   mvn -q -B -o -pl benchmarks -am -DskipTests package dependency:copy-dependencies \
 *       -DincludeScope=runtime -DoutputDirectory=target/lib
 *   java -Xmx2g -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *       io.opsflow.benchmarks.SyslogIntakeBenchmark
 *
 * System properties:
 *   bench.messages=200000      datagrams sent per run
 *   bench.rates=20000,40000    offered rates (messages/s), one run of each intake per rate
 *   bench.assertRate=20000     the rate at which the intake must store every message (exit 1 if not)
 *   bench.endpoints=1000       endpoints of the ping cycle
 *   bench.probes=64            bulkhead size (probes in flight) of the ping cycle
 */
package io.opsflow.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.device.connectivity.ConnectivityActivities.ProbeRequest;
import io.opsflow.device.connectivity.ConnectivityActivitiesImpl;
import io.opsflow.device.connectivity.ConnectivityProperties;
import io.opsflow.device.connectivity.ProbeResult;
import io.opsflow.device.connectivity.Prober;
import io.opsflow.device.telemetry.EndpointDirectory;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.device.telemetry.SyslogMessage;
import io.opsflow.device.telemetry.SyslogParser;
import io.opsflow.device.telemetry.SyslogProperties;
import io.opsflow.device.telemetry.TelemetryStore;
import io.opsflow.device.telemetry.UdpDrops;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Syslog intake throughput into PostgreSQL over UDP from one sender, with every message accounted
 * for (sent = stored + dropped by the kernel + dropped at the queue), side by side with a naive
 * intake that parses and INSERTs each datagram as it receives it (same parser, same receive buffer,
 * autocommit); then one ping cycle over 1,000 loopback endpoints through the probe activity and its
 * bulkhead, beside a sequential loop of the same pings (the seed's "HC pings each known endpoint").
 */
public final class SyslogIntakeBenchmark {

  private final int messages = Integer.getInteger("bench.messages", 200_000);
  private final List<Integer> rates =
      Arrays.stream(System.getProperty("bench.rates", "20000,40000").split(","))
          .map(String::trim)
          .map(Integer::valueOf)
          .toList();
  private final int assertRate = Integer.getInteger("bench.assertRate", 20_000);
  private final int endpoints = Integer.getInteger("bench.endpoints", 1000);
  private final int probes = Integer.getInteger("bench.probes", 64);

  private EmbeddedPostgres postgres;
  private HikariDataSource dataSource;
  private JdbcTemplate jdbc;
  private long device;

  public static void main(String[] args) throws Exception {
    int code = new SyslogIntakeBenchmark().run();
    System.out.flush();
    System.exit(code);
  }

  /** One intake's run at one rate. */
  record Run(
      String intake,
      int rate,
      int sent,
      long stored,
      long kernelDrops,
      long queueDrops,
      double sendSeconds,
      double storeSeconds) {

    long lost() {
      return sent - stored;
    }

    double storedPerSecond() {
      return stored / storeSeconds;
    }
  }

  private interface Intake extends AutoCloseable {
    int port();

    long queueDrops();

    @Override
    void close();
  }

  int run() throws Exception {
    postgres = EmbeddedPostgres.start();
    try {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(postgres.jdbcUrl());
      config.setUsername(postgres.username());
      config.setPassword(postgres.password());
      config.setMaximumPoolSize(8);
      dataSource = new HikariDataSource(config);
      Flyway.configure().dataSource(dataSource).load().migrate();
      jdbc = new JdbcTemplate(dataSource);
      long tenant =
          jdbc.queryForObject(
              "insert into tenants (name, mesh_cidr) values ('bench', '127.0.0.0/8') returning id",
              Long.class);
      device =
          jdbc.queryForObject(
              "insert into devices (tenant_id, name, device_type, created_by)"
                  + " values (?, 'drone-1', 'drone', 'bench') returning id",
              Long.class,
              tenant);
      jdbc.update(
          "insert into vpn_endpoints (device_id, tenant_id, ip_address) values (?, ?, '127.0.0.1')",
          device,
          tenant);
      int code = syslog();
      code |= pingCycle(tenant);
      return code;
    } finally {
      if (dataSource != null) {
        dataSource.close();
      }
      postgres.close();
    }
  }

  // ---- syslog ------------------------------------------------------------------------------

  private int syslog() throws Exception {
    System.out.printf(
        Locale.ROOT,
        "syslog over UDP, one sender, %,d messages per run, into PostgreSQL (%d cores)%n",
        messages,
        Runtime.getRuntime().availableProcessors());
    // Warm-up of both (JIT, PostgreSQL caches), not reported.
    measure("warm-up opsflow", 20_000, Math.min(messages, 40_000), this::batched);
    measure("warm-up naive", 5_000, Math.min(messages, 10_000), this::naive);
    List<Run> runs = new ArrayList<>();
    for (int rate : rates) {
      runs.add(measure("opsflow (batched)", rate, messages, this::batched));
      runs.add(measure("naive (INSERT each)", rate, messages, this::naive));
    }
    System.out.println();
    System.out.println(
        "| intake | offered/s | sent | stored | lost (kernel / queue) | stored/s | ratio |");
    System.out.println("|---|---|---|---|---|---|---|");
    int code = 0;
    for (int i = 0; i < runs.size(); i += 2) {
      Run ours = runs.get(i);
      Run naive = runs.get(i + 1);
      for (Run r : List.of(ours, naive)) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %,d | %,d | %,d | %,d (%,d / %,d) | %,.0f | %s |%n",
            r.intake(),
            r.rate(),
            r.sent(),
            r.stored(),
            r.lost(),
            r.kernelDrops(),
            r.queueDrops(),
            r.storedPerSecond(),
            r == ours
                ? String.format(
                    Locale.ROOT, "%.1f", ours.storedPerSecond() / naive.storedPerSecond())
                : "1");
      }
      if (ours.rate() <= assertRate && ours.lost() != 0) {
        System.out.printf(
            Locale.ROOT, "FAIL: %,d messages lost at %,d/s%n", ours.lost(), ours.rate());
        code = 1;
      }
      if (ours.sent() != ours.stored() + ours.kernelDrops() + ours.queueDrops()) {
        System.out.println("FAIL: messages unaccounted for: " + ours);
        code = 1;
      }
    }
    return code;
  }

  private interface IntakeFactory {
    Intake start() throws Exception;
  }

  private Run measure(String name, int rate, int messages, IntakeFactory factory) throws Exception {
    jdbc.execute("truncate telemetry_records, device_latest_state, device_first_contacts");
    jdbc.execute("vacuum analyze telemetry_records");
    try (Intake intake = factory.start()) {
      List<ByteBuffer> payloads = payloads();
      long kernelBefore = Math.max(0, UdpDrops.forPort(intake.port()));
      long start = System.nanoTime();
      try (DatagramChannel sender = DatagramChannel.open()) {
        sender.connect(new InetSocketAddress("127.0.0.1", intake.port()));
        double nanosPerMessage = 1e9 / rate;
        for (int i = 0; i < messages; i++) {
          long due = start + (long) (i * nanosPerMessage);
          long wait = due - System.nanoTime();
          if (wait > 20_000) {
            LockSupport.parkNanos(wait);
          }
          ByteBuffer payload = payloads.get(i % payloads.size()).duplicate();
          sender.write(payload);
        }
      }
      double sendSeconds = (System.nanoTime() - start) / 1e9;
      // Until every message is stored, or nothing moved for 5 s (the rest was lost).
      long stored = 0;
      long lastChange = System.nanoTime();
      long storedAt = System.nanoTime();
      while (System.nanoTime() - lastChange < 5_000_000_000L && stored < messages) {
        Thread.sleep(100);
        long now = count();
        if (now != stored) {
          stored = now;
          storedAt = System.nanoTime();
          lastChange = storedAt;
        }
      }
      long kernel = Math.max(0, UdpDrops.forPort(intake.port())) - kernelBefore;
      Run run =
          new Run(
              name,
              rate,
              messages,
              stored,
              kernel,
              intake.queueDrops(),
              sendSeconds,
              (storedAt - start) / 1e9);
      System.out.printf(
          Locale.ROOT,
          "%s at %,d/s: sent in %.2f s, %,d stored after %.2f s, lost %,d%n",
          name,
          rate,
          sendSeconds,
          stored,
          run.storeSeconds(),
          run.lost());
      return run;
    }
  }

  private long count() {
    return jdbc.queryForObject("select count(*) from telemetry_records", Long.class);
  }

  /** MAVLink-over-syslog messages as a drone sends them (README convention), ~200-280 bytes. */
  private static List<ByteBuffer> payloads() {
    Instant now = Instant.now();
    List<ByteBuffer> out = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      String time = now.plusMillis(i).toString();
      String text =
          switch (i % 4) {
            case 0 ->
                "<134>1 "
                    + time
                    + " drone-1 mavlink 812 GLOBAL_POSITION_INT [mavlink@32473 lat=\""
                    + String.format(Locale.ROOT, "%.7f", 47.3977419 + i * 1e-6)
                    + "\" lon=\"8.5455938\" alt=\"488.2\" relative_alt=\"12.5\" hdg=\"271.3\"]"
                    + " position";
            case 1 ->
                "<134>1 "
                    + time
                    + " drone-1 mavlink 812 HEARTBEAT [mavlink@32473"
                    + " base_mode=\"209\" system_status=\"4\" type=\"2\" autopilot=\"12\"] heartbeat";
            case 2 ->
                "<134>1 "
                    + time
                    + " drone-1 mavlink 812 GPS_RAW_INT [mavlink@32473"
                    + " fix_type=\"3\" satellites_visible=\""
                    + (8 + i % 6)
                    + "\" eph=\"121\"] gps";
            default ->
                "<30>" + "Dec  4 14:50:00 drone-1 healthd[77]: cpu=41% mem=63% temp=58C seq=" + i;
          };
      out.add(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  private Intake batched() {
    SyslogProperties p = SyslogProperties.onPorts(0, -1);
    SyslogIntake intake =
        new SyslogIntake(
            p,
            new TelemetryStore(
                jdbc,
                new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
                new ObjectMapper()),
            new EndpointDirectory(jdbc, p.endpointRefresh(), Clock.systemUTC()),
            List.of(),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    intake.start();
    return new Intake() {
      @Override
      public int port() {
        return intake.udpPort();
      }

      @Override
      public long queueDrops() {
        return intake.stats().dropped();
      }

      @Override
      public void close() {
        SyslogIntake.Stats stats = intake.stats();
        System.out.printf(
            Locale.ROOT,
            "  %,d batches, %.0f messages and %.1f ms each%n",
            stats.batches(),
            stats.stored() / (double) Math.max(1, stats.batches()),
            stats.writeMillis() / (double) Math.max(1, stats.batches()));
        intake.stop();
      }
    };
  }

  /** Receives, parses and INSERTs each datagram in turn: the intake written the obvious way. */
  private Intake naive() throws SocketException {
    DatagramSocket socket = new DatagramSocket(null);
    socket.setReceiveBufferSize(SyslogProperties.onPorts(0, 0).udpReceiveBuffer());
    socket.bind(new InetSocketAddress("127.0.0.1", 0));
    AtomicBoolean running = new AtomicBoolean(true);
    ObjectMapper json = new ObjectMapper();
    Thread receiver =
        Thread.ofPlatform()
            .name("naive-syslog")
            .start(
                () -> {
                  byte[] buffer = new byte[65536];
                  try (Connection c = dataSource.getConnection();
                      PreparedStatement insert =
                          c.prepareStatement(
                              "insert into telemetry_records (received_at, source_ip, device_id,"
                                  + " transport, format, facility, severity, hostname, app_name,"
                                  + " proc_id, msg_id, onboard_time, structured_data, message, raw)"
                                  + " values (?, ?::inet, (select device_id from vpn_endpoints"
                                  + " where ip_address = ?::inet and released_at is null),"
                                  + " 'udp', ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)")) {
                    while (running.get()) {
                      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                      try {
                        socket.receive(packet);
                      } catch (IOException closed) {
                        return;
                      }
                      Instant at = Instant.now();
                      String text =
                          new String(
                              packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
                      SyslogMessage m = SyslogParser.parse(text, at, ZoneOffset.UTC);
                      String ip = packet.getAddress().getHostAddress();
                      insert.setTimestamp(1, Timestamp.from(at));
                      insert.setString(2, ip);
                      insert.setString(3, ip);
                      insert.setString(4, m.format().column());
                      insert.setObject(5, m.facility(), Types.SMALLINT);
                      insert.setObject(6, m.severity(), Types.SMALLINT);
                      insert.setString(7, m.hostname());
                      insert.setString(8, m.appName());
                      insert.setString(9, m.procId());
                      insert.setString(10, m.msgId());
                      insert.setTimestamp(
                          11, m.timestamp() == null ? null : Timestamp.from(m.timestamp()));
                      insert.setString(12, json.writeValueAsString(m.structuredData()));
                      insert.setString(13, m.message());
                      insert.setString(14, m.raw());
                      insert.executeUpdate();
                    }
                  } catch (SQLException | IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
    return new Intake() {
      @Override
      public int port() {
        return socket.getLocalPort();
      }

      @Override
      public long queueDrops() {
        return 0;
      }

      @Override
      public void close() {
        running.set(false);
        socket.close();
        try {
          receiver.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  // ---- ping cycle --------------------------------------------------------------------------

  private int pingCycle(long tenant) throws Exception {
    List<Long> ids = new ArrayList<>(endpoints);
    List<String> ips = new ArrayList<>(endpoints);
    for (int i = 0; i < endpoints; i++) {
      String ip = "127.1." + (i / 250) + "." + (i % 250 + 1);
      ips.add(ip);
      // one live primary endpoint per device: a device per probed address
      long probed =
          jdbc.queryForObject(
              "insert into devices (tenant_id, name, device_type, created_by)"
                  + " values (?, ?, 'drone', 'bench') returning id",
              Long.class,
              tenant,
              "ping-" + i);
      ids.add(
          jdbc.queryForObject(
              "insert into vpn_endpoints (device_id, tenant_id, ip_address) values (?, ?, ?::inet)"
                  + " returning id",
              Long.class,
              probed,
              tenant,
              ip));
    }
    ConnectivityProperties properties =
        new ConnectivityProperties(
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            "icmp",
            22,
            5,
            3,
            Duration.ofMillis(250),
            500,
            probes,
            Duration.ofMinutes(5),
            List.of("127.0.0.0/8"),
            new ConnectivityProperties.Supervisor(false, Duration.ofMinutes(1), 60));
    ConnectivityActivitiesImpl activities =
        new ConnectivityActivitiesImpl(jdbc, properties, List.of());
    // Warm up the fork path and the query once.
    activities.probe(new ProbeRequest(ids.get(0), Duration.ofSeconds(1)));

    AtomicInteger minFree = new AtomicInteger(probes);
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (sampling.get()) {
                    int free = activities.bulkhead().getMetrics().getAvailableConcurrentCalls();
                    minFree.accumulateAndGet(free, Math::min);
                    LockSupport.parkNanos(200_000);
                  }
                });
    AtomicInteger answered = new AtomicInteger();
    long start = System.nanoTime();
    List<Thread> calls = new ArrayList<>(endpoints);
    for (long id : ids) {
      calls.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    ProbeResult r = activities.probe(new ProbeRequest(id, Duration.ofSeconds(1)));
                    if (r.success()) {
                      answered.incrementAndGet();
                    }
                  }));
    }
    for (Thread t : calls) {
      t.join();
    }
    double bulkheadSeconds = (System.nanoTime() - start) / 1e9;
    sampling.set(false);
    sampler.join();

    int sequentialAnswered = 0;
    start = System.nanoTime();
    for (String ip : ips) {
      if (Prober.icmp(ip, Duration.ofSeconds(1)).success()) {
        sequentialAnswered++;
      }
    }
    double sequentialSeconds = (System.nanoTime() - start) / 1e9;

    System.out.println();
    System.out.printf(
        Locale.ROOT, "ping cycle, %,d endpoints on 127.1.x.y, system ping (ICMP)%n", endpoints);
    System.out.println("| cycle | time | answered | pings in flight, max |");
    System.out.println("|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| probe activity, bulkhead %d | %.2f s | %,d | %d |%n",
        probes,
        bulkheadSeconds,
        answered.get(),
        probes - minFree.get());
    System.out.printf(
        Locale.ROOT,
        "| sequential loop (seed) | %.2f s | %,d | 1 |%n",
        sequentialSeconds,
        sequentialAnswered);
    System.out.printf(Locale.ROOT, "ratio %.1f%n", sequentialSeconds / bulkheadSeconds);
    if (answered.get() != endpoints || probes - minFree.get() > probes) {
      System.out.println("FAIL: not every loopback endpoint answered");
      return 1;
    }
    return 0;
  }
}
