package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.flight.FlightClassifier;
import io.opsflow.flight.FlightClassifierConfig;
import io.opsflow.flight.FlightHistory;
import io.opsflow.simulators.flight.TelemetryPoints;
import io.opsflow.simulators.flight.TlogForwarder;
import io.opsflow.simulators.flight.TlogReader;
import io.opsflow.simulators.flight.TlogRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The fleet page's flights section in a real headless Chromium: the real VTOL log ({@code
 * testdata/flight/vtol.tlog}) is replayed by the drone-side forwarder over TCP syslog from the
 * device's 127.x endpoint address, the device's flight history classifies it, and a PKI admin opens
 * the device: its flights with the figures the API answers, a flight's summary and its track drawn
 * on the canvas, its incidents, and what happened at a moment inside the flight.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=console-flights-it",
      "opsflow.security.embedded.users.flight-admin.secret=flight-admin-password",
      "opsflow.security.embedded.users.flight-admin.roles=pki_admin"
    })
class ConsoleFlightsBrowserIT {

  private static Path tlog;
  private static FlightHistory direct;

  @LocalServerPort int port;
  @Autowired SyslogIntake intake;
  @Autowired JdbcTemplate jdbc;

  private ConsolePage page;
  private WebDriver browser;

  @BeforeAll
  static void decode() throws IOException {
    tlog = FlightHistoryApiIT.vtolTlog();
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    classifier.accept(TelemetryPoints.fromTlog(tlog));
    direct = classifier.history();
  }

  @AfterEach
  void closeBrowser() {
    if (page != null) {
      page.close();
    }
  }

  private long drone(String ip) {
    long tenant =
        jdbc.queryForObject(
            "insert into tenants (name, mesh_cidr) values (?, '127.0.0.0/8') returning id",
            Long.class,
            "flights-" + System.nanoTime());
    long drone =
        jdbc.queryForObject(
            "insert into devices (tenant_id, name, device_type, role, created_by)"
                + " values (?, 'vtol-console', 'drone', 'primary', 'it') returning id",
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
      String what,
      Duration timeout,
      java.util.function.Supplier<JsonNode> read,
      Predicate<JsonNode> done)
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

  private void logIn(String user, String password) {
    page = new ConsolePage("http://127.0.0.1:" + port, "failed-flights-");
    browser = page.browser();
    page.logIn(user, password);
  }

  /** What the page's Number.prototype.toFixed writes: the exact binary value, ties upwards. */
  private static String fixed(double value, int digits) {
    return new BigDecimal(value).setScale(digits, RoundingMode.HALF_UP).toPlainString();
  }

  /** The page's clock(): m:ss, or h:mm:ss from an hour. */
  private static String clock(double seconds) {
    long s = (long) Math.floor(seconds);
    long h = s / 3600;
    long m = (s % 3600) / 60;
    return h > 0 ? "%d:%02d:%02d".formatted(h, m, s % 60) : "%d:%02d".formatted(m, s % 60);
  }

  /** The page's dateTime(): UTC to the second, "2026-12-04 10:00:00Z". */
  private static String dateTime(String iso) {
    return Instant.parse(iso).truncatedTo(ChronoUnit.SECONDS).toString().replace('T', ' ');
  }

  private static String battery(JsonNode f) {
    List<String> parts = new ArrayList<>();
    if (f.path("battery_used_mah").isNumber()) {
      parts.add(fixed(f.path("battery_used_mah").asDouble(), 0) + " mAh");
    }
    if (f.path("battery_used_percent").isNumber()) {
      parts.add(fixed(f.path("battery_used_percent").asDouble(), 0) + " %");
    }
    return parts.isEmpty() ? "–" : String.join(" · ", parts);
  }

  @Test
  void anOperatorReadsTheFlightsOfARealLogItsTrackIncidentsAndWhatHappenedAtAMoment()
      throws Exception {
    String ip = "127.0.13." + ThreadLocalRandom.current().nextInt(2, 250);
    long drone = drone(ip);
    try (TlogForwarder forwarder =
        TlogForwarder.open(
            URI.create("tcp://127.0.0.1:" + intake.tcpPort()),
            InetAddress.getByName(ip),
            "vtol-console",
            0)) {
      assertThat(forwarder.replay(tlog, Long.MAX_VALUE).sent()).isPositive();
    }
    ApiClient viewer = new ApiClient(port).as("it-viewer");
    String base = "/api/v1/devices/" + drone;
    int expectedFlights = direct.flights().size();
    assertThat(expectedFlights).isPositive();
    JsonNode flights =
        await(
            "the flights of the log, landed",
            Duration.ofMinutes(3),
            () -> viewer.ok(viewer.get(base + "/flights"), 200),
            f ->
                f.size() == expectedFlights
                    && f.findValues("landed_at").stream().noneMatch(JsonNode::isNull));
    JsonNode incidents =
        await(
            "the incidents of the log",
            Duration.ofMinutes(1),
            () -> viewer.ok(viewer.get(base + "/incidents?limit=1000"), 200),
            i -> i.size() == direct.incidents().size());
    // The flight the page will open: the one with the most incidents.
    JsonNode flight = flights.get(0);
    int most = -1;
    for (JsonNode f : flights) {
      int n = f.path("number").asInt();
      int count = 0;
      for (JsonNode i : incidents) {
        count += i.path("flight_number").asInt(-1) == n ? 1 : 0;
      }
      if (count > most) {
        most = count;
        flight = f;
      }
    }
    int number = flight.path("number").asInt();
    JsonNode track = viewer.ok(viewer.get(base + "/flights/" + number + "/track"), 200);
    // The track: every GLOBAL_POSITION_INT of the log from takeoff to landing, in time order.
    Instant from = Instant.parse(flight.path("takeoff_at").asText());
    Instant to = Instant.parse(flight.path("landed_at").asText());
    List<Instant> fixes =
        TlogReader.readAll(tlog).stream()
            .filter(r -> r.name().equals("GLOBAL_POSITION_INT"))
            .map(TlogRecord::time)
            .filter(time -> !time.isBefore(from) && !time.isAfter(to))
            .sorted()
            .toList();
    assertThat(fixes).as("positions in flight %d", number).hasSizeGreaterThan(10);
    assertThat(track.path("points").findValuesAsText("t").stream().map(Instant::parse).toList())
        .isEqualTo(fixes);
    assertThat(viewer.get(base + "/flights/999/track").status()).isEqualTo(404);

    logIn("flight-admin", "flight-admin-password");
    page.open("fleet/" + drone);
    page.until(
        d ->
            d.findElements(By.cssSelector("#flight-list tr[data-flight-number]")).size()
                == expectedFlights);
    assertThat(
            browser
                .findElement(By.cssSelector("#device-flights a.temporal"))
                .getDomAttribute("href"))
        .endsWith("/workflows/flight-history-" + drone);
    for (JsonNode f : flights) {
      String row = "#flight-list tr[data-flight-number=\"" + f.path("number").asInt() + "\"] ";
      assertThat(page.text(row + "td.start")).isEqualTo(dateTime(f.path("takeoff_at").asText()));
      assertThat(page.text(row + "td.duration")).isEqualTo(clock(f.path("duration_s").asDouble()));
      assertThat(page.text(row + "td.altitude"))
          .isEqualTo(fixed(f.path("max_altitude_m").asDouble(), 1) + " m");
      assertThat(page.text(row + "td.distance"))
          .isEqualTo(fixed(f.path("distance_m").asDouble(), 0) + " m");
      assertThat(page.text(row + "td.battery")).isEqualTo(battery(f));
    }
    // The device's incidents, as the API lists them (newest first).
    page.until(
        d -> d.findElements(By.cssSelector("#incident-list tbody tr")).size() == incidents.size());
    List<WebElement> rows = browser.findElements(By.cssSelector("#incident-list tbody tr"));
    for (int i = 0; i < incidents.size(); i++) {
      JsonNode want = incidents.get(i);
      WebElement row = rows.get(i);
      assertThat(row.getDomAttribute("data-incident-id")).isEqualTo(want.path("id").asText());
      assertThat(row.findElement(By.cssSelector("td.kind")).getText())
          .isEqualTo(want.path("kind").asText());
      assertThat(row.findElement(By.cssSelector("td.severity")).getText())
          .isEqualTo(want.path("severity").asText());
      assertThat(row.findElement(By.cssSelector("td.started")).getText())
          .isEqualTo(dateTime(want.path("started_at").asText()));
      assertThat(row.findElement(By.cssSelector("td.summary")).getText())
          .isEqualTo(want.path("summary").asText());
    }

    // A flight: its summary, its incidents, its track drawn.
    page.click(
        By.cssSelector("#flight-list tr[data-flight-number=\"" + number + "\"] a[href*=flights]"));
    page.until(d -> d.getCurrentUrl().endsWith("#/fleet/" + drone + "/flights/" + number));
    page.until(
        d ->
            Integer.toString(track.path("points").size())
                .equals(d.findElement(By.id("flight-track")).getDomAttribute("data-points")));
    String summary = page.text("#flight-summary");
    assertThat(summary)
        .contains("Takeoff\n" + dateTime(flight.path("takeoff_at").asText()))
        .contains("Landed\n" + dateTime(flight.path("landed_at").asText()))
        .contains("Max ground speed\n" + fixed(flight.path("max_ground_speed_ms").asDouble(), 1))
        .contains("Max distance from home\n" + fixed(flight.path("max_from_home_m").asDouble(), 0));
    JsonNode first = track.path("points").get(0);
    assertThat(browser.findElement(By.id("flight-track")).getDomAttribute("aria-label"))
        .contains(
            track.path("points").size()
                + " fixes from "
                + fixed(first.path("lat").asDouble(), 5)
                + ", "
                + fixed(first.path("lon").asDouble(), 5));
    // The track's colour (#1f5fbf) on the canvas: the line was drawn, not only the background.
    long trackPixels =
        ((Number)
                ((JavascriptExecutor) browser)
                    .executeScript(
                        """
                        const c = document.getElementById('flight-track');
                        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                        let n = 0;
                        for (let i = 0; i < d.length; i += 4) {
                          if (Math.abs(d[i] - 31) < 12 && Math.abs(d[i + 1] - 95) < 12
                              && Math.abs(d[i + 2] - 191) < 12) n++;
                        }
                        return n;"""))
            .longValue();
    assertThat(trackPixels).as("pixels of the track line").isGreaterThan(200);
    JsonNode one = viewer.ok(viewer.get(base + "/flights/" + number), 200);
    if (one.path("incidents").isEmpty()) {
      page.until(d -> d.findElement(By.id("flight-detail")).getText().contains("No incident"));
    } else {
      page.until(
          d ->
              d.findElements(By.cssSelector("#flight-incidents tbody tr")).size()
                  == one.path("incidents").size());
    }

    // What happened at a moment inside the flight: the first incident in it, else mid-flight.
    Instant takeoff = Instant.parse(flight.path("takeoff_at").asText());
    Instant t =
        one.path("incidents").isEmpty()
            ? takeoff.plusMillis((long) (flight.path("duration_s").asDouble() * 500))
            : Instant.parse(one.path("incidents").get(0).path("started_at").asText());
    t = t.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    JsonNode at = viewer.ok(viewer.get(base + "/at?t=" + t + "&window=PT10S"), 200);
    assertThat(at.path("flight").path("number").asInt()).isEqualTo(number);
    ((JavascriptExecutor) browser)
        .executeScript(
            "document.getElementById('at-t').value = arguments[0];"
                + "document.getElementById('at-window').value = '10';",
            t.toString().substring(0, 19));
    page.click("at-ask");
    page.until(
        d ->
            Integer.toString(number)
                .equals(d.findElement(By.id("at-state")).getDomAttribute("data-flight-number")));
    WebElement meta = browser.findElement(By.id("at-telemetry-meta"));
    assertThat(meta.getDomAttribute("data-count"))
        .isEqualTo(Integer.toString(at.path("telemetry").size()));
    assertThat(meta.getDomAttribute("data-source")).isEqualTo(at.path("telemetry_source").asText());
    assertThat(at.path("telemetry").size()).isPositive();
    assertThat(page.text("#at-state"))
        .contains("At " + dateTime(t.toString()) + " ± PT10S: in flight");
    if (at.path("incidents").isEmpty()) {
      assertThat(browser.findElements(By.id("at-no-incident"))).hasSize(1);
    } else {
      assertThat(browser.findElements(By.cssSelector("#at-incidents tbody tr")))
          .hasSize(at.path("incidents").size());
    }
    assertThat(browser.findElements(By.cssSelector("#at-telemetry tr[data-msg-id]")))
        .extracting(r -> r.getDomAttribute("data-msg-id"))
        .contains("GLOBAL_POSITION_INT");
    ((JavascriptExecutor) browser)
        .executeScript("document.getElementById('flight-h').scrollIntoView()");
    page.shot("fleet-flight");
    ((JavascriptExecutor) browser)
        .executeScript("document.getElementById('at-h').scrollIntoView()");
    page.shot("fleet-flight-at");

    // No time: the API's refusal, next to the field it names.
    ((JavascriptExecutor) browser).executeScript("document.getElementById('at-t').value = '';");
    browser.findElement(By.id("at-ask")).click();
    page.until(d -> d.findElement(By.cssSelector("#at-form .error")).getText().startsWith("t:"));
    assertThat(browser.findElement(By.id("at-t")).getDomAttribute("aria-invalid"))
        .isEqualTo("true");
  }
}
