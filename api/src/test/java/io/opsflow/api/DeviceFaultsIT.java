package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.simulators.RouterOsSimulator;
import io.opsflow.simulators.ShellyPlugSimulator;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Devices fail: a plug answering errors, a slow plug, a router that is down. Each session still
 * ends at its time with its state recorded, the device's circuit breaker opens (visible in {@code
 * /actuator/prometheus} as {@code resilience4j_circuitbreaker_state}) and closes again once the
 * device answers, no call waits past the device timeout, and the enforcement the device missed is
 * done exactly once when it comes back.
 */
// Tests turn metrics export off by default: this one reads the breakers from /actuator/prometheus.
@AutoConfigureObservability
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=faults-it",
      "opsflow.sessions.warning-lead=20s",
      "opsflow.sessions.power-poll-interval=10s",
      "opsflow.devices.http-timeout=2s",
      "opsflow.devices.breaker.wait-in-open-state=3s",
      "opsflow.devices.router.username=admin",
      "opsflow.devices.router.password=secret"
    })
class DeviceFaultsIT {

  static final RouterOsSimulator router =
      Started.at(() -> RouterOsSimulator.start("admin", "secret"));

  @DynamicPropertySource
  static void devices(DynamicPropertyRegistry registry) {
    registry.add("opsflow.devices.router.url", () -> router.baseUrl().toString());
  }

  @AfterAll
  static void stopRouter() {
    router.close();
  }

  @LocalServerPort int port;
  ApiClient api;

  @BeforeEach
  void client() {
    api = new ApiClient(port);
  }

  /** The value of {@code resilience4j_circuitbreaker_state{name=<breaker>,state=<state>}}. */
  private double breaker(String name, String state) {
    String metrics = api.text("/actuator/prometheus");
    Matcher m =
        Pattern.compile("(?m)^resilience4j_circuitbreaker_state\\{([^}]*)\\} ([0-9.]+)$")
            .matcher(metrics);
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("name=\"" + name + "\"") && labels.contains("state=\"" + state + "\"")) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }

  private long console(String name, ShellyPlugSimulator plug, String mac, String ip) {
    return api.ok(
            api.post(
                "/api/v1/stations",
                "{\"name\":\""
                    + name
                    + "\",\"type\":\"CONSOLE\",\"plug_url\":\""
                    + plug.baseUrl()
                    + "\",\"console_mac\":\""
                    + mac
                    + "\",\"console_ip\":\""
                    + ip
                    + "\"}"),
            201)
        .path("station")
        .path("id")
        .asLong();
  }

  private long enforcedEvents(long session) {
    long enforced = 0;
    for (JsonNode e : api.get("/api/v1/sessions/" + session + "/events").body()) {
      if (e.path("type").asText().equals("station_enforced")) {
        enforced++;
      }
    }
    return enforced;
  }

  private static Instant waitUntil(Instant moment) throws InterruptedException {
    long millis = Duration.between(Instant.now(), moment).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
    return Instant.now();
  }

  @Test
  void
      aPlugAnsweringErrorsAndADownRouterOpenTheirCircuitsTheSessionStillEndsOnTimeAndEachIsEnforcedOnceWhenBack()
          throws Exception {
    try (ShellyPlugSimulator plug = ShellyPlugSimulator.start()) {
      String mac = "AA:BB:CC:00:0F:01";
      long user = api.user("faulty");
      JsonNode session = api.startSession(console("ps5-faults", plug, mac, "127.0.0.61"), user, 1);
      long id = session.path("id").asLong();
      Instant end = Instant.parse(session.path("scheduled_end_at").asText());
      assertThat(plug.isOn()).isTrue();
      assertThat(router.isMacBlocked(mac)).isFalse();
      // The start put the console's guard rule (a drop rule for its MAC) on the router.
      int dropRules = router.blockRuleAddCount(mac);

      // Shortly before the end, the plug starts answering 503 and the router goes away.
      waitUntil(end.minusSeconds(5));
      plug.setErrorStatus(503);
      router.setReachable(false);
      String plugBreaker = "plug:" + plug.baseUrl();
      String routerBreaker = "router:" + router.baseUrl();

      JsonNode expired =
          api.await(
              "/api/v1/sessions/" + id,
              s -> s.path("status").asText().equals("EXPIRED"),
              Duration.ofSeconds(90));
      Duration late = Duration.between(end, Instant.parse(expired.path("actual_end_at").asText()));
      System.out.printf("faulty devices: session ended %d ms after its end%n", late.toMillis());
      assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(2));

      // Retries fail: both breakers open, visible as meters; the devices saw nothing change.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> breaker(plugBreaker, "open") == 1 && breaker(routerBreaker, "open") == 1);
      assertThat(plug.isOn()).isTrue();
      assertThat(plug.httpOffCount()).isZero();
      assertThat(enforcedEvents(id)).isZero();

      // The devices come back: the next retry passes the half-open breaker and closes it; the
      // console is switched off and its MAC blocked, once each.
      plug.setErrorStatus(0);
      router.setReachable(true);
      await().atMost(Duration.ofSeconds(60)).until(() -> !plug.isOn() && router.isMacBlocked(mac));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> breaker(plugBreaker, "closed") == 1 && breaker(routerBreaker, "closed") == 1);
      await().atMost(Duration.ofSeconds(30)).until(() -> enforcedEvents(id) == 1);
      Thread.sleep(3_000);
      assertThat(plug.httpOffCount()).isEqualTo(1);
      assertThat(router.blockRuleAddCount(mac)).isEqualTo(dropRules + 1);
      assertThat(enforcedEvents(id)).isEqualTo(1);
      assertThat(api.get("/api/v1/sessions/" + id).body().path("status").asText())
          .isEqualTo("EXPIRED");
    }
  }

  @Test
  void aSlowPlugNeverHoldsACallPastTheDeviceTimeoutAndTheSessionEndsOnTime() throws Exception {
    try (ShellyPlugSimulator plug = ShellyPlugSimulator.start()) {
      String mac = "AA:BB:CC:00:0F:02";
      long user = api.user("slow");
      JsonNode session = api.startSession(console("ps5-slow", plug, mac, "127.0.0.62"), user, 1);
      long id = session.path("id").asLong();
      Instant end = Instant.parse(session.path("scheduled_end_at").asText());
      int dropRules = router.blockRuleAddCount(mac);

      // The plug takes 6 s to answer anything; the client gives up after 2 s (http-timeout).
      waitUntil(end.minusSeconds(5));
      plug.setDelay(Duration.ofSeconds(6));
      JsonNode expired =
          api.await(
              "/api/v1/sessions/" + id,
              s -> s.path("status").asText().equals("EXPIRED"),
              Duration.ofSeconds(90));
      Duration late = Duration.between(end, Instant.parse(expired.path("actual_end_at").asText()));
      assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(2));
      // Every attempt is cut at the timeout: the breaker counts them as failures and opens.
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> breaker("plug:" + plug.baseUrl(), "open") == 1);

      // Answering promptly again, it is switched off and the breaker closes.
      plug.setDelay(Duration.ZERO);
      await().atMost(Duration.ofSeconds(60)).until(() -> !plug.isOn());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> breaker("plug:" + plug.baseUrl(), "closed") == 1);
      await().atMost(Duration.ofSeconds(30)).until(() -> enforcedEvents(id) == 1);
      assertThat(router.blockRuleAddCount(mac)).isEqualTo(dropRules + 1);
    }
  }
}
