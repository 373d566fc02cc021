package io.opsflow.workers.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.device.telemetry.EndpointDirectory;
import io.opsflow.device.telemetry.FirstContactRecorder;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.device.telemetry.SyslogProperties;
import io.opsflow.device.telemetry.TelemetryStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The intake on real sockets against PostgreSQL, fed by util-linux {@code logger} and by plain
 * sockets where logger cannot do it (another source address, a flood).
 */
class SyslogIntakeIT {

  private static FleetDatabase db;
  private final ObjectMapper json = new ObjectMapper();
  private SyslogIntake intake;
  private long tenant;
  private long drone;

  @BeforeAll
  static void database() {
    db = new FleetDatabase();
  }

  @AfterAll
  static void stopDatabase() {
    db.close();
  }

  @BeforeEach
  void setUp() {
    db.empty();
    tenant = db.tenant("alpha");
    drone = db.device(tenant, "drone-1", "drone", "primary");
    db.endpoint(drone, "127.0.0.1");
  }

  @AfterEach
  void tearDown() {
    if (intake != null) {
      intake.stop();
    }
  }

  private SyslogIntake start(int queueCapacity) {
    SyslogProperties defaults = SyslogProperties.onPorts(0, 0);
    SyslogProperties p =
        new SyslogProperties(
            true,
            "127.0.0.1",
            0,
            0,
            queueCapacity,
            defaults.batchSize(),
            defaults.flushInterval(),
            defaults.udpReceiveBuffer(),
            defaults.maxMessageLength(),
            Duration.ofSeconds(30),
            ZoneId.of("UTC"),
            -1);
    intake =
        new SyslogIntake(
            p,
            new TelemetryStore(db.jdbc, db.tx, json),
            new EndpointDirectory(db.jdbc, p.endpointRefresh(), Clock.systemUTC()),
            List.of(new FirstContactRecorder(db.jdbc)),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    intake.start();
    return intake;
  }

  private static void logger(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("logger"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private int records() {
    return db.jdbc.queryForObject("select count(*) from telemetry_records", Integer.class);
  }

  @Test
  void mavlinkPositionOverUdpRfc5424BecomesTheDevicesGpsFix() throws Exception {
    start(1000);
    Instant before = Instant.now();

    logger(
        "--server",
        "127.0.0.1",
        "--port",
        String.valueOf(intake.udpPort()),
        "--udp",
        "--rfc5424",
        "-t",
        "mavlink",
        "--msgid",
        "GLOBAL_POSITION_INT",
        "--sd-id",
        "mavlink@32473",
        "--sd-param",
        "lat=\"47.3977419\"",
        "--sd-param",
        "lon=\"8.5455938\"",
        "--sd-param",
        "alt=\"488.2\"",
        "--sd-param",
        "relative_alt=\"12.5\"",
        "position fix");
    await("the record", () -> records() == 1);

    Map<String, Object> row = db.jdbc.queryForMap("select * from telemetry_records");
    assertThat(row.get("device_id")).isEqualTo(drone);
    assertThat(row.get("transport")).isEqualTo("udp");
    assertThat(row.get("format")).isEqualTo("rfc5424");
    assertThat(row.get("app_name")).isEqualTo("mavlink");
    assertThat(row.get("msg_id")).isEqualTo("GLOBAL_POSITION_INT");
    assertThat(row.get("message")).isEqualTo("position fix");
    assertThat(row.get("source_ip").toString()).isEqualTo("127.0.0.1");
    assertThat(row.get("onboard_time")).isNotNull();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, String>> sd =
        json.readValue(row.get("structured_data").toString(), Map.class);
    assertThat(sd.get("mavlink@32473"))
        .containsEntry("lat", "47.3977419")
        .containsEntry("lon", "8.5455938")
        .containsEntry("relative_alt", "12.5");
    assertThat((String) row.get("raw")).contains("[mavlink@32473 lat=\"47.3977419\"");

    Map<String, Object> state =
        db.jdbc.queryForMap("select * from device_latest_state where device_id = ?", drone);
    assertThat(state.get("latitude")).isEqualTo(47.3977419);
    assertThat(state.get("longitude")).isEqualTo(8.5455938);
    assertThat(state.get("altitude_m")).isEqualTo(488.2);
    assertThat(state.get("relative_altitude_m")).isEqualTo(12.5);
    assertThat(state.get("gps_record_id")).isEqualTo(row.get("id"));
    assertThat(((java.sql.Timestamp) state.get("last_telemetry_at")).toInstant())
        .isAfterOrEqualTo(before.minusSeconds(1));
    Map<String, Object> contact =
        db.jdbc.queryForMap("select * from device_first_contacts where device_id = ?", drone);
    assertThat(contact.get("via")).isEqualTo("telemetry");
    assertThat(contact.get("record_id")).isEqualTo(row.get("id"));
  }

  @Test
  void systemStatusKeepsTheNewestMessageOfEachNameAndGpsRawAddsTheFixQuality() throws Exception {
    start(1000);
    String port = String.valueOf(intake.tcpPort());
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        port,
        "--tcp",
        "--octet-count",
        "--rfc5424",
        "-t",
        "mavlink",
        "--msgid",
        "HEARTBEAT",
        "--sd-id",
        "mavlink@32473",
        "--sd-param",
        "base_mode=\"81\"",
        "--sd-param",
        "system_status=\"4\"",
        "hb");
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        port,
        "--tcp",
        "--octet-count",
        "--rfc5424",
        "-t",
        "mavlink",
        "--msgid",
        "STATUSTEXT",
        "--sd-id",
        "mavlink@32473",
        "--sd-param",
        "severity=\"4\"",
        "--sd-param",
        "text=\"Low battery \\\"B1\\\"\"",
        "st");
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        port,
        "--tcp",
        "--rfc5424",
        "-t",
        "mavlink",
        "--msgid",
        "GPS_RAW_INT",
        "--sd-id",
        "mavlink@32473",
        "--sd-param",
        "fix_type=\"3\"",
        "--sd-param",
        "satellites_visible=\"11\"",
        "gps");
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        port,
        "--tcp",
        "--octet-count",
        "--rfc5424",
        "-t",
        "mavlink",
        "--msgid",
        "HEARTBEAT",
        "--sd-id",
        "mavlink@32473",
        "--sd-param",
        "base_mode=\"209\"",
        "--sd-param",
        "system_status=\"4\"",
        "armed");
    await("four records", () -> records() == 4);

    assertThat(
            db.jdbc.queryForList("select distinct transport from telemetry_records", String.class))
        .containsExactly("tcp");
    Map<String, Object> state =
        db.jdbc.queryForMap("select * from device_latest_state where device_id = ?", drone);
    assertThat(state.get("fix_type")).isEqualTo(3);
    assertThat(state.get("satellites_visible")).isEqualTo(11);
    assertThat(state.get("latitude")).isNull();
    @SuppressWarnings("unchecked")
    Map<String, Map<String, String>> system =
        json.readValue(state.get("system_status").toString(), Map.class);
    assertThat(system.get("HEARTBEAT")).containsEntry("base_mode", "209");
    assertThat(system.get("STATUSTEXT")).containsEntry("text", "Low battery \"B1\"");
    long last = db.jdbc.queryForObject("select max(id) from telemetry_records", Long.class);
    assertThat(state.get("last_record_id")).isEqualTo(last);
  }

  @Test
  void rfc3164OverTcpNewlineFramingAndOverUdp() throws Exception {
    start(1000);
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        String.valueOf(intake.tcpPort()),
        "--tcp",
        "--rfc3164",
        "-t",
        "healthd",
        "-i",
        "cpu=41% mem=63%");
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        String.valueOf(intake.udpPort()),
        "--udp",
        "--rfc3164",
        "-t",
        "healthd",
        "temp=58C");
    await("two records", () -> records() == 2);

    List<Map<String, Object>> rows =
        db.jdbc.queryForList("select * from telemetry_records order by transport");
    assertThat(rows).extracting(r -> r.get("format")).containsOnly("rfc3164");
    assertThat(rows).extracting(r -> r.get("transport")).containsExactly("tcp", "udp");
    assertThat(rows).extracting(r -> r.get("app_name")).containsOnly("healthd");
    assertThat(rows)
        .extracting(r -> r.get("message"))
        .containsExactly("cpu=41% mem=63%", "temp=58C");
    assertThat(rows.get(0).get("proc_id")).isNotNull();
    assertThat(rows).extracting(r -> r.get("device_id")).containsOnly(drone);
    Instant onboard = ((java.sql.Timestamp) rows.get(0).get("onboard_time")).toInstant();
    assertThat(Duration.between(onboard, Instant.now()).abs()).isLessThan(Duration.ofMinutes(5));
  }

  @Test
  void malformedAndUnknownSourcesAreKeptAndNewEndpointsAreMappedWithoutRestart() throws Exception {
    start(1000);
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", intake.udpPort());
    try (DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0))) {
      send(other, target, "not syslog at all \u0000 \u00e9");
      await("the unknown record", () -> records() == 1);
      Map<String, Object> row = db.jdbc.queryForMap("select * from telemetry_records");
      assertThat(row.get("device_id")).isNull();
      assertThat(row.get("format")).isEqualTo("unparsed");
      assertThat(row.get("raw")).isEqualTo("not syslog at all \uFFFD \u00e9");
      assertThat(row.get("source_ip").toString()).isEqualTo("127.0.0.3");

      long fts = db.device(tenant, "fts-1", "fts", "fts");
      db.endpoint(fts, "127.0.0.3");
      Thread.sleep(1100); // an address just found unknown is looked up again after a second
      send(other, target, "<14>1 - fts-1 fts - - - armed");
      await("the mapped record", () -> records() == 2);
      assertThat(
              db.jdbc.queryForObject(
                  "select device_id from telemetry_records where format = 'rfc5424'", Long.class))
          .isEqualTo(fts);
    }
  }

  @Test
  void tcpPushesBackWhileTheDatabaseIsBlockedAndLosesNothing() throws Exception {
    start(10);
    int total = 20_000;
    String padding = "x".repeat(900);
    AtomicInteger sent = new AtomicInteger();
    Thread sender;
    var blocked = db.dataSource.getConnection();
    try {
      blocked.setAutoCommit(false);
      blocked.createStatement().execute("lock table telemetry_records in exclusive mode");
      sender =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (Socket s = new Socket("127.0.0.1", intake.tcpPort())) {
                      OutputStream out = s.getOutputStream();
                      for (int i = 0; i < total; i++) {
                        byte[] msg =
                            ("<14>1 - drone-1 flood - - - " + i + " " + padding)
                                .getBytes(StandardCharsets.UTF_8);
                        out.write((msg.length + " ").getBytes(StandardCharsets.US_ASCII));
                        out.write(msg);
                        sent.incrementAndGet();
                      }
                    } catch (IOException e) {
                      throw new IllegalStateException(e);
                    }
                  });
      Thread.sleep(3000);
      // The sender is held back by TCP, not dropped: it has not got everything out.
      assertThat(sent.get()).isLessThan(total);
      assertThat(intake.stats().queued()).isEqualTo(10);
    } finally {
      blocked.rollback();
      blocked.close();
    }
    sender.join(60_000);
    await("every record", () -> records() == total);
    assertThat(intake.stats().dropped()).isZero();
    assertThat(
            db.jdbc.queryForObject(
                "select count(distinct split_part(message, ' ', 1)) from telemetry_records",
                Integer.class))
        .isEqualTo(total);
  }

  @Test
  void udpDatagramsThatFindTheQueueFullAreCountedNotSilentlyLost() throws Exception {
    start(10);
    int total = 2000;
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", intake.udpPort());
    var blocked = db.dataSource.getConnection();
    try (DatagramSocket socket = new DatagramSocket()) {
      blocked.setAutoCommit(false);
      blocked.createStatement().execute("lock table telemetry_records in exclusive mode");
      for (int i = 0; i < total; i++) {
        send(socket, target, "<14>1 - drone-1 flood - - - " + i);
      }
      await("every datagram taken or counted", () -> intake.stats().received() + kernel() >= total);
    } finally {
      blocked.rollback();
      blocked.close();
    }
    await("the queue written", () -> intake.stats().queued() == 0 && records() > 0);
    Thread.sleep(200);
    SyslogIntake.Stats stats = intake.stats();
    assertThat(stats.dropped()).isPositive();
    assertThat(records() + stats.dropped() + kernel()).isEqualTo(total);
  }

  private long kernel() {
    return Math.max(0, intake.stats().kernelDrops());
  }

  private static void send(DatagramSocket socket, InetSocketAddress to, String text)
      throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(bytes, bytes.length, to));
  }

  static InetAddress loopback(String ip) throws IOException {
    return InetAddress.getByName(ip);
  }
}
