package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavModeFlag;
import io.dronefleet.mavlink.minimal.MavType;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.flight.Flight;
import io.opsflow.flight.FlightClassifier;
import io.opsflow.flight.FlightClassifierConfig;
import io.opsflow.flight.FlightHistory;
import io.opsflow.flight.FlightHistoryWorkflow;
import io.opsflow.simulators.flight.MavlinkTelemetry;
import io.opsflow.simulators.flight.TelemetryPoints;
import io.opsflow.simulators.flight.TlogForwarder;
import io.opsflow.simulators.flight.TlogReader;
import io.opsflow.simulators.flight.TlogRecord;
import io.temporal.client.WorkflowClient;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The real VTOL log end to end on the all-in-one app: replayed by the drone-side forwarder over TCP
 * syslog from the device's endpoint address (127.x), stored by the intake, whose first record
 * starts {@code flight-history-<id>}; the workflow pulls, classifies and stores; the API answers.
 * Expected values come from the decoded log itself: the armed periods of the autopilot's HEARTBEAT,
 * the silences between forwarded messages, and the same log decoded and classified without syslog,
 * Temporal or the database.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=flight-history-api-it",
      "opsflow.flight.retention.archive-margin=PT15S",
      "opsflow.flight.retention.keep-hot=PT2S",
      "opsflow.flight.metrics-refresh=PT1S"
    })
class FlightHistoryApiIT {

  private static final FlightClassifierConfig CONFIG = FlightClassifierConfig.defaults();
  private static Path tlog;
  private static List<TlogRecord> records;
  private static List<TlogRecord> forwarded;
  private static FlightHistory direct;

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired SyslogIntake intake;
  @Autowired WorkflowClient client;
  @Autowired io.micrometer.core.instrument.MeterRegistry meters;

  @BeforeAll
  static void decode() throws Exception {
    tlog = vtolTlog();
    records = TlogReader.readAll(tlog);
    forwarded =
        records.stream().filter(r -> MavlinkTelemetry.FORWARDED.contains(r.name())).toList();
    FlightClassifier classifier = new FlightClassifier(CONFIG);
    classifier.accept(TelemetryPoints.fromTlog(tlog));
    direct = classifier.history();
  }

  static Path vtolTlog() {
    String configured = System.getenv("OPSFLOW_FLIGHT_DATA");
    Path dir =
        configured != null
            ? Path.of(configured)
            : Path.of("").toAbsolutePath().getParent().resolve("testdata").resolve("flight");
    Path file = dir.resolve("vtol.tlog");
    assertThat(Files.isReadable(file))
        .as("vtol.tlog in %s (set OPSFLOW_FLIGHT_DATA)", dir)
        .isTrue();
    return file;
  }

  private long drone(String ip) {
    long tenant =
        jdbc.queryForObject(
            "insert into tenants (name, mesh_cidr) values (?, '127.0.0.0/8') returning id",
            Long.class,
            "flight-" + System.nanoTime());
    long drone =
        jdbc.queryForObject(
            "insert into devices (tenant_id, name, device_type, role, created_by)"
                + " values (?, 'vtol-1', 'drone', 'primary', 'it') returning id",
            Long.class,
            tenant);
    jdbc.update(
        "insert into vpn_endpoints (device_id, tenant_id, ip_address, role)"
            + " values (?, ?, ?::inet, 'primary')",
        drone,
        tenant,
        ip);
    return drone;
  }

  private static JsonNode await(
      String what, Duration timeout, Supplier<JsonNode> read, Predicate<JsonNode> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = read.get();
    while (!done.test(last)) {
      assertThat(System.nanoTime()).as("waiting for %s, last: %s", what, last).isLessThan(deadline);
      Thread.sleep(500);
      last = read.get();
    }
    return last;
  }

  private long count(String sql, long device) {
    return jdbc.queryForObject(sql, Long.class, device);
  }

  @Test
  void theRealLogReplayedThroughSyslogBecomesItsFlightsAndIncidents() throws Exception {
    String ip = "127.0.12." + ThreadLocalRandom.current().nextInt(2, 250);
    long drone = drone(ip);
    ApiClient viewer = new ApiClient(port).as("it-viewer");
    ApiClient admin = new ApiClient(port).as("it-admin");
    assertThat(viewer.get("/api/v1/devices/" + drone + "/flights").status()).isEqualTo(200);

    TlogForwarder.Result sent;
    try (TlogForwarder forwarder =
        TlogForwarder.open(
            URI.create("tcp://127.0.0.1:" + intake.tcpPort()),
            InetAddress.getByName(ip),
            "vtol-1",
            0)) {
      sent = forwarder.replay(tlog, Long.MAX_VALUE);
    }
    assertThat(sent.sent()).isEqualTo(forwarded.size());

    // The first record started the history (no operator involved); starting again is a no-op.
    await(
        "every message stored by the intake",
        Duration.ofMinutes(1),
        () -> viewer.ok(viewer.get("/api/v1/devices/" + drone + "/flights"), 200),
        f ->
            count("select count(*) from telemetry_records where device_id = ?", drone)
                == sent.sent());
    long lastId = count("select max(id) from telemetry_records where device_id = ?", drone);
    FlightHistoryWorkflow history =
        client.newWorkflowStub(
            FlightHistoryWorkflow.class, FlightHistoryWorkflow.workflowId(drone));
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (history.view().cursor() < lastId) {
      assertThat(System.nanoTime())
          .as("the history's cursor reaches %d", lastId)
          .isLessThan(deadline);
      Thread.sleep(500);
    }
    assertThat(history.view().points()).isEqualTo(sent.sent());
    assertThat(count("select count(*) from telemetry_records where device_id = ?", drone))
        .isEqualTo(sent.sent());
    JsonNode again =
        admin.ok(admin.post("/api/v1/devices/" + drone + "/flight-history", null), 200);
    assertThat(again.path("workflow_id").asText())
        .isEqualTo(FlightHistoryWorkflow.workflowId(drone));
    assertThat(again.path("started").asBoolean()).isFalse();
    assertThat(viewer.post("/api/v1/devices/" + drone + "/flight-history", null).status())
        .isEqualTo(403);

    List<Flight> expected = direct.flights();
    assertThat(expected).isNotEmpty();
    JsonNode flights =
        await(
            "the flights of the log",
            Duration.ofSeconds(60),
            () -> viewer.ok(viewer.get("/api/v1/devices/" + drone + "/flights"), 200),
            f ->
                f.size() == expected.size()
                    && !f.get(0).path("landed_at").isNull()
                    && !f.get(0).path("landed_at").isMissingNode());
    List<Instant[]> armed = armedPeriods();
    for (JsonNode f : flights) {
      int number = f.path("number").asInt();
      Flight want = expected.get(number - 1);
      Instant takeoff = Instant.parse(f.path("takeoff_at").asText());
      Instant landed = Instant.parse(f.path("landed_at").asText());
      assertThat(Duration.between(want.takeoffAt(), takeoff).abs())
          .isLessThan(Duration.ofMillis(1));
      assertThat(Duration.between(want.landedAt(), landed).abs()).isLessThan(Duration.ofMillis(1));
      // inside an armed period of the autopilot's heartbeats (to one heartbeat, 1 s)
      assertThat(armed)
          .anySatisfy(
              a -> {
                assertThat(takeoff).isAfterOrEqualTo(a[0]);
                if (a[1] != null) {
                  assertThat(landed).isBeforeOrEqualTo(a[1].plusSeconds(1));
                }
              });
      assertThat(f.path("max_altitude_m").asDouble())
          .isEqualTo(want.summary().maxAltitudeAboveHomeMetres());
    }

    // Link drops: the silences of at least the threshold between forwarded messages in flight.
    List<Instant[]> silences = new ArrayList<>();
    for (int i = 1; i < forwarded.size(); i++) {
      Instant before = forwarded.get(i - 1).time();
      Instant after = forwarded.get(i).time();
      if (Duration.between(before, after).compareTo(CONFIG.linkDrop()) >= 0
          && inFlight(flights, before)) {
        silences.add(new Instant[] {before, after});
      }
    }
    assertThat(silences).as("the log has link drops in flight").isNotEmpty();
    JsonNode incidents =
        await(
            "the incidents",
            Duration.ofSeconds(30),
            () -> viewer.ok(viewer.get("/api/v1/devices/" + drone + "/incidents?limit=1000"), 200),
            i -> i.size() == direct.incidents().size());
    List<JsonNode> drops = new ArrayList<>();
    incidents.forEach(
        i -> {
          if (i.path("kind").asText().equals("LINK_DROP")) {
            drops.add(i);
          }
        });
    drops.sort((a, b) -> a.path("started_at").asText().compareTo(b.path("started_at").asText()));
    assertThat(drops).hasSize(silences.size());
    for (int i = 0; i < drops.size(); i++) {
      assertThat(Instant.parse(drops.get(i).path("started_at").asText()))
          .isEqualTo(silences.get(i)[0]);
      assertThat(Instant.parse(drops.get(i).path("ended_at").asText()))
          .isEqualTo(silences.get(i)[1]);
      assertThat(drops.get(i).path("flight_number").isNumber()).isTrue();
    }

    // One flight with its incidents; the metrics; what happened at the first link drop.
    JsonNode one =
        viewer.ok(
            viewer.get(
                "/api/v1/devices/" + drone + "/flights/" + drops.getFirst().path("flight_number")),
            200);
    assertThat(one.path("incidents").findValuesAsText("kind")).contains("LINK_DROP");
    JsonNode metrics =
        viewer.ok(viewer.get("/api/v1/devices/" + drone + "/flight-metrics?limit=1000"), 200);
    long messages = 0;
    for (JsonNode b : metrics) {
      messages += b.path("messages").asLong();
    }
    assertThat(messages).isEqualTo(sent.sent());
    Instant t = silences.getFirst()[0];
    long inWindow =
        forwarded.stream()
            .filter(r -> !r.time().isBefore(t.minusSeconds(10)))
            .filter(r -> !r.time().isAfter(t.plusSeconds(10)))
            .count();
    String atT = "/api/v1/devices/" + drone + "/at?t=" + t + "&window=PT10S";
    JsonNode at = viewer.ok(viewer.get(atT), 200);
    String trackOf = "/api/v1/devices/" + drone + "/flights/" + flights.get(0).path("number");
    JsonNode hotTrack = viewer.ok(viewer.get(trackOf + "/track"), 200);
    assertThat(hotTrack.path("telemetry_source").asText()).isIn("hot", "archive");
    assertThat(hotTrack.path("points").size()).isPositive();
    assertThat(at.path("flight").path("number").asInt())
        .isEqualTo(drops.getFirst().path("flight_number").asInt());
    assertThat(at.path("incidents").findValuesAsText("kind")).contains("LINK_DROP");
    assertThat(at.path("telemetry_source").asText()).isIn("hot", "archive");
    assertThat(at.path("telemetry")).hasSize((int) inWindow);

    // Retention: every flight archived (15 s past its landing, or after 15 s of silence), pruned
    // from hot storage 2 s later; each raw copy made once: hot rows + pruned rows = sent.
    await(
        "every flight archived and pruned",
        Duration.ofMinutes(2),
        () -> viewer.ok(viewer.get("/api/v1/devices/" + drone + "/flights"), 200),
        f ->
            count(
                    "select count(*) from flight_telemetry_archives where device_id = ?"
                        + " and pruned_at is not null",
                    drone)
                == expected.size());
    assertThat(
            count("select count(*) from flight_telemetry where device_id = ?", drone)
                + count(
                    "select coalesce(sum(records), 0) from flight_telemetry_archives"
                        + " where device_id = ?",
                    drone))
        .isEqualTo(sent.sent());
    JsonNode archived = viewer.ok(viewer.get(atT), 200);
    assertThat(archived.path("telemetry_source").asText()).isEqualTo("archive");
    assertThat(archived.path("telemetry")).hasSize((int) inWindow);
    assertThat(archived.path("telemetry")).isEqualTo(at.path("telemetry"));
    // A flight's track reads the archive the same way once its raw copies are pruned.
    JsonNode archivedTrack = viewer.ok(viewer.get(trackOf + "/track"), 200);
    assertThat(archivedTrack.path("telemetry_source").asText()).isEqualTo("archive");
    assertThat(archivedTrack.path("points")).isEqualTo(hotTrack.path("points"));

    // Micrometer (exported on /actuator/prometheus in the app): the newest window's link
    // metrics and the flight count, tagged with the device
    String device = Long.toString(drone);
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (meters.find("opsflow.flight.flights").tag("device", device).gauge() == null) {
      assertThat(System.nanoTime()).as("flight gauges registered").isLessThan(until);
      Thread.sleep(200);
    }
    assertThat(meters.find("opsflow.flight.flights").tag("device", device).gauge().value())
        .isEqualTo(expected.size());
    JsonNode newest = metrics.get(0);
    assertThat(meters.find("opsflow.flight.link.stability").tag("device", device).gauge().value())
        .isEqualTo(newest.path("stability").asDouble());
    assertThat(
            meters
                .find("opsflow.flight.link.messages.per.second")
                .tag("device", device)
                .gauge()
                .value())
        .isEqualTo(newest.path("messages_per_second").asDouble());
    System.out.printf(
        "vtol.tlog through syslog: %d messages, %d flights, %d incidents (%d link drops)%n",
        sent.sent(), flights.size(), incidents.size(), drops.size());
    ApiClient.Answer badT = viewer.get("/api/v1/devices/" + drone + "/at?t=yesterday");
    assertThat(badT.status()).isEqualTo(400);
    assertThat(badT.body().path("field").asText()).isEqualTo("t");
    ApiClient.Answer badWindow =
        viewer.get("/api/v1/devices/" + drone + "/at?t=" + t + "&window=2min");
    assertThat(badWindow.status()).isEqualTo(400);
    assertThat(badWindow.body().path("field").asText()).isEqualTo("window");
    assertThat(viewer.get("/api/v1/devices/" + drone + "/flights/999").status()).isEqualTo(404);
    assertThat(viewer.get("/api/v1/devices/999999999/flights").status()).isEqualTo(404);
  }

  private static boolean inFlight(JsonNode flights, Instant t) {
    for (JsonNode f : flights) {
      Instant takeoff = Instant.parse(f.path("takeoff_at").asText());
      Instant landed = Instant.parse(f.path("landed_at").asText());
      if (!t.isBefore(takeoff) && t.isBefore(landed)) {
        return true;
      }
    }
    return false;
  }

  /** The autopilot's armed periods from HEARTBEAT base_mode; end null when the log ends armed. */
  private static List<Instant[]> armedPeriods() {
    List<Instant[]> periods = new ArrayList<>();
    boolean armed = false;
    Instant since = null;
    for (TlogRecord r : records) {
      if (!(r.payload() instanceof Heartbeat h)
          || h.autopilot().entry() == MavAutopilot.MAV_AUTOPILOT_INVALID
          || h.type().entry() == MavType.MAV_TYPE_GCS) {
        continue;
      }
      boolean now = h.baseMode().flagsEnabled(MavModeFlag.MAV_MODE_FLAG_SAFETY_ARMED);
      if (now && !armed) {
        since = r.time();
      } else if (!now && armed) {
        periods.add(new Instant[] {since, r.time()});
      }
      armed = now;
    }
    if (armed) {
      periods.add(new Instant[] {since, null});
    }
    return periods;
  }
}
