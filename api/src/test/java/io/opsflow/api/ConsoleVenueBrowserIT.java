package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.simulators.CardGatewaySimulator;
import io.opsflow.simulators.ShellyPlugSimulator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The venue page in a real headless Chromium (the browser of {@link ConsolePage}) where the main
 * console test does not go: a card payment waits in "Payments pending" until the operator confirms
 * it (the card having been confirmed at the gateway simulator, as the customer's terminal does),
 * and the page's event stream is broken at the TCP level (a relay between the browser and the app
 * closes every connection and refuses new ones for a while): the events recorded meanwhile reach
 * the page after it reconnects with Last-Event-ID, each once.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=console-venue-it",
      "opsflow.payments.gateway.secret-key=sk_test_console",
      "opsflow.security.embedded.users.venue-op.secret=venue-op-password",
      "opsflow.security.embedded.users.venue-op.roles=venue_operator"
    })
class ConsoleVenueBrowserIT {

  private static final ShellyPlugSimulator plug = Started.at(() -> ShellyPlugSimulator.start());
  private static final CardGatewaySimulator gateway =
      Started.at(() -> CardGatewaySimulator.start("sk_test_console"));

  @DynamicPropertySource
  static void devices(DynamicPropertyRegistry registry) {
    registry.add("opsflow.payments.gateway.base-url", () -> gateway.baseUrl().toString());
  }

  @LocalServerPort int port;

  private ConsolePage page;
  private WebDriver browser;

  @AfterAll
  static void stopDevices() {
    plug.close();
    gateway.close();
  }

  @AfterEach
  void closeBrowser() {
    if (page != null) {
      page.close();
    }
  }

  private void logIn(String origin) {
    page = new ConsolePage(origin, "failed-venue-");
    browser = page.browser();
    page.logIn("venue-op", "venue-op-password");
  }

  private String state(long station) {
    return browser
        .findElement(By.cssSelector(".card[data-station-id=\"" + station + "\"]"))
        .getDomAttribute("data-state");
  }

  @Test
  void aCardPaymentWaitsInPaymentsPendingUntilTheOperatorConfirmsIt() {
    ApiClient admin = new ApiClient(port);
    long user = admin.user("cara-card");
    long station = admin.console("ps5-card", plug.baseUrl());
    logIn("http://127.0.0.1:" + port);
    page.open("venue");
    page.until(d -> d.findElement(By.id("venue-live")).getText().equals("live"));
    page.choose("start-user-" + station, Long.toString(user));
    page.choose("start-method-" + station, "CARD");
    page.type("start-minutes-" + station, "20");
    page.type("start-amount-" + station, "12.50");
    page.click(By.id("start-" + station));

    // Waiting for its payment: the card says so and the session is listed with its payment.
    page.until(d -> state(station).equals("payment"));
    // The list is redrawn live: the row is read whole inside the wait (a redraw between finding
    // and reading it makes the element stale, and the wait then reads the new one).
    String[] pending =
        page.until(
            d -> {
              WebElement tr =
                  d.findElement(By.cssSelector("#payments-pending tbody tr[data-payment-id]"));
              return new String[] {
                tr.getDomAttribute("data-session-id"),
                tr.getDomAttribute("data-payment-id"),
                tr.getText()
              };
            });
    long session = Long.parseLong(pending[0]);
    long payment = Long.parseLong(pending[1]);
    assertThat(pending[2]).contains("#" + session).contains("payment #" + payment);
    JsonNode row = admin.ok(admin.get("/api/v1/sessions/" + session), 200);
    assertThat(row.path("status").asText()).isEqualTo("AWAITING_PAYMENT");
    assertThat(row.path("station_id").asLong()).isEqualTo(station);
    // The intent at the gateway is this session's, for 12.50; the customer's card confirms it.
    CardGatewaySimulator.Intent intent =
        gateway.intents().stream()
            .filter(i -> Long.toString(session).equals(i.metadata().get("session_id")))
            .findFirst()
            .orElseThrow();
    assertThat(intent.amount()).isEqualTo(1250);
    assertThat(intent.metadata()).containsEntry("payment_id", Long.toString(payment));
    page.shot("venue-payment-pending");
    gateway.confirm(intent.id(), "pm_card_visa");

    page.click(By.id("confirm-" + payment));
    page.until(d -> state(station).equals("active"));
    page.until(d -> d.findElements(By.cssSelector("#payments-pending tbody tr")).isEmpty());
    page.until(d -> d.findElement(By.id("payments")).getText().equals("None."));
    assertThat(admin.ok(admin.get("/api/v1/sessions/" + session), 200).path("status").asText())
        .isEqualTo("ACTIVE");
    // A running session like any other: the operator stops it.
    page.click(By.id("stop-" + station));
    page.until(d -> state(station).equals("free"));
  }

  private List<Long> shownEvents() {
    return browser.findElements(By.cssSelector("#live-events tbody tr")).stream()
        .map(r -> Long.parseLong(r.getDomAttribute("data-event-id")))
        .toList();
  }

  @Test
  void eventsRecordedWhileTheStreamIsBrokenArriveAfterTheReconnectEachOnce() throws Exception {
    ApiClient admin = new ApiClient(port);
    long user = admin.user("sam-stream");
    long station = admin.console("ps5-stream", plug.baseUrl());
    try (CuttableProxy proxy = CuttableProxy.to(port)) {
      logIn("http://127.0.0.1:" + proxy.port());
      page.open("venue");
      page.until(d -> d.findElement(By.id("venue-live")).getText().equals("live"));
      page.until(
          d -> d.findElement(By.cssSelector(".card[data-station-id=\"" + station + "\"] form")));
      // A first event the page receives live: the stream now has an id to resume from.
      long started = admin.startSession(station, user, 30).path("id").asLong();
      page.until(d -> state(station).equals("active"));
      page.until(d -> !shownEvents().isEmpty());
      long mark = admin.ok(admin.get("/api/v1/events?limit=1"), 200).get(0).path("id").asLong();
      page.until(d -> shownEvents().contains(mark));

      // The connection breaks and stays broken: every relayed connection closed, new ones refused.
      proxy.refuse(true);
      proxy.cut();
      page.until(d -> d.findElement(By.id("venue-live")).getText().equals("reconnecting…"));
      int refusedBefore = proxy.accepted();
      // Meanwhile the session is extended and stopped: its events are recorded, none delivered.
      admin.ok(
          admin.put("/api/v1/sessions/" + started + "/extend", "{\"additional_minutes\":5}"), 200);
      admin.ok(admin.delete("/api/v1/sessions/" + started), 200);
      admin.await(
          "/api/v1/sessions/" + started,
          s -> s.path("status").asText().equals("STOPPED"),
          Duration.ofSeconds(30));
      // The page keeps trying (refused) while the events are written.
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (proxy.accepted() < refusedBefore + 2) {
        assertThat(System.nanoTime()).as("the page retries").isLessThan(deadline);
        Thread.sleep(100);
      }
      List<Long> missed = new ArrayList<>();
      for (JsonNode e : admin.ok(admin.get("/api/v1/events?limit=1000"), 200)) {
        if (e.path("id").asLong() > mark) {
          missed.add(e.path("id").asLong());
        }
      }
      assertThat(missed).as("events recorded while disconnected").hasSizeGreaterThanOrEqualTo(2);
      assertThat(shownEvents()).doesNotContainAnyElementsOf(missed);

      // Back: the stream resumes after the last event the page had, and replays what it missed.
      proxy.refuse(false);
      page.until(d -> d.findElement(By.id("venue-live")).getText().equals("live"));
      page.until(d -> shownEvents().containsAll(missed));
      page.until(d -> state(station).equals("free"));
      List<Long> shown = shownEvents();
      Map<Long, Long> times =
          shown.stream().collect(Collectors.groupingBy(id -> id, Collectors.counting()));
      assertThat(times.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey))
          .as("events shown more than once")
          .isEmpty();
      // In the order they were recorded (the feed lists newest first).
      List<Long> replayed = shown.stream().filter(missed::contains).toList().reversed();
      assertThat(replayed).isEqualTo(missed.stream().sorted().toList());
      assertThat(shown).contains(mark);
      page.shot("venue-reconnected");
    }
  }
}
