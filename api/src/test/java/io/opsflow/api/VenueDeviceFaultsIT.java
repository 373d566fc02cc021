package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.simulators.CardGatewaySimulator;
import io.opsflow.simulators.PcAgentSimulator;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The card gateway fails: down, slow, answering errors. A session never starts on a payment the
 * gateway did not confirm, ends in a recorded state or waits in AWAITING_PAYMENT and proceeds once
 * the gateway is back; the card is charged at most once (counted in the gateway's ledger); the
 * breaker {@code gateway} opens and closes in {@code /actuator/prometheus}; no call the customer
 * waits on is held past its bound.
 *
 * <p>PC agents fail: disconnected at the end, hung (connected but silent), answering errors. Each
 * session still ends on time with its state recorded; the end the agent missed is applied exactly
 * once when it is back (counted in the agent), recorded as one {@code agent_enforced} event, and
 * the re-sends and agent errors are counted in {@code /actuator/prometheus}.
 */
@AutoConfigureObservability
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=venue-faults-it",
      "opsflow.sessions.payment-timeout=40s",
      "opsflow.sessions.logoff-grace=1s",
      "opsflow.sessions.warning-lead=20s",
      "opsflow.sessions.agent-heartbeat-timeout=4s",
      "opsflow.sessions.agent-sweep-interval=1s",
      "opsflow.devices.http-timeout=2s",
      "opsflow.devices.breaker.wait-in-open-state=3s",
      "opsflow.payments.gateway.timeout=2s",
      "opsflow.payments.gateway.secret-key=sk_test_faults"
    })
@TestMethodOrder(MethodOrderer.MethodName.class)
class VenueDeviceFaultsIT {

  static final String BREAKER = "gateway";
  static final CardGatewaySimulator gateway =
      Started.at(() -> CardGatewaySimulator.start("sk_test_faults"));

  @DynamicPropertySource
  static void devices(DynamicPropertyRegistry registry) {
    registry.add("opsflow.payments.gateway.base-url", () -> gateway.baseUrl().toString());
  }

  @AfterAll
  static void stopGateway() {
    gateway.close();
  }

  @LocalServerPort int port;
  ApiClient api;

  @BeforeEach
  void client() {
    api = new ApiClient(port);
  }

  @AfterEach
  void healthyGateway() {
    gateway.setReachable(true);
    gateway.setErrorStatus(0);
    gateway.setDelay(Duration.ZERO);
  }

  private long pc(String name) {
    return api.ok(api.post("/api/v1/stations", "{\"name\":\"" + name + "\",\"type\":\"PC\"}"), 201)
        .path("station")
        .path("id")
        .asLong();
  }

  private ApiClient.Answer startByCard(long station, long user) {
    return api.post(
        "/api/v1/sessions/start",
        "{\"station_id\":"
            + station
            + ",\"duration\":5,\"user_id\":"
            + user
            + ",\"payment_method\":\"CARD\",\"amount\":4.00}");
  }

  private static String intentOf(JsonNode session) {
    String secret = session.path("client_secret").asText();
    return secret.substring(0, secret.indexOf("_secret_"));
  }

  private JsonNode session(long id) {
    return api.get("/api/v1/sessions/" + id).body();
  }

  private double breaker(String state) {
    return BreakerMetrics.state(api, BREAKER, state);
  }

  private long charges() {
    return gateway.intents().stream().filter(i -> i.status().equals("succeeded")).count();
  }

  @Test
  void a_downGatewayFailsTheStartWithinItsBoundChargingNothingAndItsBreakerOpensAndCloses() {
    long user = api.user("card-down");
    long station = pc("pc-card-down");
    int intents = gateway.intentCount();
    gateway.setReachable(false);

    Instant asked = Instant.now();
    ApiClient.Answer refused = startByCard(station, user);
    Duration held = Duration.between(asked, Instant.now());
    System.out.printf(
        "gateway down: start answered %d after %d ms%n", refused.status(), held.toMillis());
    assertThat(refused.status()).isEqualTo(402);
    assertThat(held).isLessThan(Duration.ofSeconds(40));
    // Recorded: the row says FAILED with the reason; nothing was created at the gateway.
    JsonNode failed = api.get("/api/v1/sessions?station_id=" + station).body().get(0);
    assertThat(failed.path("status").asText()).isEqualTo("FAILED");
    assertThat(failed.path("end_reason").asText()).contains("Payment required");
    assertThat(gateway.intentCount()).isEqualTo(intents);
    // The failed attempts opened the breaker; the API saw it.
    assertThat(breaker("open")).isEqualTo(1.0);

    // Back: the next start passes the half-open breaker, which closes; it is paid once.
    gateway.setReachable(true);
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    JsonNode pending = api.ok(startByCard(station, user), 202);
    assertThat(pending.path("status").asText()).isEqualTo("AWAITING_PAYMENT");
    assertThat(breaker("closed")).isEqualTo(1.0);
    gateway.confirm(intentOf(pending), "pm_card_visa");
    JsonNode active =
        api.ok(
            api.post("/api/v1/payments/" + pending.path("payment_id").asLong() + "/confirm", ""),
            201);
    assertThat(active.path("status").asText()).isEqualTo("ACTIVE");
    assertThat(gateway.intentCount()).isEqualTo(intents + 1);
    assertThat(gateway.intent(intentOf(pending)).status()).isEqualTo("succeeded");
    api.ok(api.delete("/api/v1/sessions/" + active.path("id").asLong()), 200);
  }

  @Test
  void b_aSlowGatewayIsCutAtItsTimeoutAndTheRetriedStartReusesTheOneIntent() throws Exception {
    long user = api.user("card-slow");
    long station = pc("pc-card-slow");
    int intents = gateway.intentCount();
    // Every request waits 6 s; the client gives up after 2 s (opsflow.payments.gateway.timeout).
    gateway.setDelay(Duration.ofSeconds(6));
    Instant asked = Instant.now();
    CompletableFuture<ApiClient.Answer> start =
        CompletableFuture.supplyAsync(() -> startByCard(station, user));
    // Three attempts cut at 2 s each open the breaker.
    await().atMost(Duration.ofSeconds(30)).until(() -> breaker("open") == 1.0);
    gateway.setDelay(Duration.ZERO);
    ApiClient.Answer answer = start.get();
    Duration held = Duration.between(asked, Instant.now());
    System.out.printf(
        "gateway slow: start answered %d after %d ms%n", answer.status(), held.toMillis());
    JsonNode pending = api.ok(answer, 202);
    assertThat(pending.path("status").asText()).isEqualTo("AWAITING_PAYMENT");
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker("closed") == 1.0);
    // The slow attempts the client abandoned were still served by the gateway: the idempotency
    // key made each of them, and the retry that got through, the same one intent.
    await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> true);
    assertThat(gateway.intentCount()).isEqualTo(intents + 1);
    long posts =
        gateway.requests().stream().filter(r -> r.equals("POST /v1/payment_intents")).count();
    System.out.printf("gateway slow: %d create requests, 1 intent%n", posts);
    assertThat(posts).isGreaterThan(1);
    // Stopped before it was paid: the one intent is cancelled, nothing was charged.
    api.ok(api.delete("/api/v1/sessions/" + pending.path("id").asLong()), 200);
    assertThat(gateway.intent(intentOf(pending)).status()).isEqualTo("canceled");
  }

  @Test
  void c_aGatewayAnsweringErrorsOnConfirmKeepsThePaymentPendingAndTheSessionStartsOnceBack() {
    long user = api.user("card-errors");
    long station = pc("pc-card-errors");
    JsonNode pending = api.ok(startByCard(station, user), 202);
    long id = pending.path("id").asLong();
    String intent = intentOf(pending);
    long charged = charges();
    // The customer pays at the terminal; then the gateway answers 503 to us.
    gateway.confirm(intent, "pm_card_visa");
    gateway.setErrorStatus(503);

    Instant asked = Instant.now();
    ApiClient.Answer unavailable =
        api.post("/api/v1/payments/" + pending.path("payment_id").asLong() + "/confirm", "");
    Duration held = Duration.between(asked, Instant.now());
    System.out.printf(
        "gateway 503: confirm answered %d after %d ms%n", unavailable.status(), held.toMillis());
    assertThat(unavailable.status()).isEqualTo(503);
    assertThat(unavailable.body().path("detail").asText()).contains("still pending");
    assertThat(held).isLessThan(Duration.ofSeconds(30));
    assertThat(session(id).path("status").asText()).isEqualTo("AWAITING_PAYMENT");
    assertThat(breaker("open")).isEqualTo(1.0);

    gateway.setErrorStatus(0);
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    JsonNode active =
        api.ok(
            api.post("/api/v1/payments/" + pending.path("payment_id").asLong() + "/confirm", ""),
            201);
    assertThat(active.path("status").asText()).isEqualTo("ACTIVE");
    assertThat(breaker("closed")).isEqualTo(1.0);
    assertThat(charges()).isEqualTo(charged + 1);
    assertThat(gateway.intent(intent).status()).isEqualTo("succeeded");
    assertThat(gateway.refunds()).isEmpty();
    api.ok(api.delete("/api/v1/sessions/" + id), 200);
  }

  @Test
  void
      d_aGatewayDownWhenThePaymentTimesOutIsAskedOnceBackAPaidIntentStartsAndAnUnpaidOneIsCancelled() {
    long user = api.user("card-timeout");
    JsonNode paid = api.ok(startByCard(pc("pc-card-paid"), user), 202);
    JsonNode unpaid = api.ok(startByCard(pc("pc-card-unpaid"), user), 202);
    Instant created = Instant.now();
    // One customer pays at the terminal, but their confirm never reaches the API; the other walks
    // away. The gateway goes down before the payment timeout (40 s).
    gateway.confirm(intentOf(paid), "pm_card_visa");
    gateway.setReachable(false);
    await().pollDelay(Duration.ofSeconds(50)).atMost(Duration.ofSeconds(51)).until(() -> true);
    // Past the timeout both still wait: the gateway cannot say whether they paid.
    assertThat(session(paid.path("id").asLong()).path("status").asText())
        .isEqualTo("AWAITING_PAYMENT");
    assertThat(session(unpaid.path("id").asLong()).path("status").asText())
        .isEqualTo("AWAITING_PAYMENT");
    assertThat(breaker("open")).isEqualTo(1.0);

    gateway.setReachable(true);
    Instant back = Instant.now();
    JsonNode active =
        api.await(
            "/api/v1/sessions/" + paid.path("id").asLong(),
            s -> s.path("status").asText().equals("ACTIVE"),
            Duration.ofSeconds(60));
    JsonNode failed =
        api.await(
            "/api/v1/sessions/" + unpaid.path("id").asLong(),
            s -> s.path("status").asText().equals("FAILED"),
            Duration.ofSeconds(60));
    System.out.printf(
        "gateway down at payment timeout: resolved %d ms after it was back (%d ms after start)%n",
        Duration.between(back, Instant.now()).toMillis(),
        Duration.between(created, Instant.now()).toMillis());
    assertThat(active.path("started_at").isNull()).isFalse();
    assertThat(failed.path("end_reason").asText()).contains("not confirmed in time");
    assertThat(gateway.intent(intentOf(paid)).status()).isEqualTo("succeeded");
    assertThat(gateway.intent(intentOf(unpaid)).status()).isEqualTo("canceled");
    assertThat(gateway.refunds()).isEmpty();
    await().atMost(Duration.ofSeconds(10)).until(() -> breaker("closed") == 1.0);
    api.ok(api.delete("/api/v1/sessions/" + active.path("id").asLong()), 200);
  }

  private JsonNode pcWithToken(String name) {
    JsonNode created =
        api.ok(api.post("/api/v1/stations", "{\"name\":\"" + name + "\",\"type\":\"PC\"}"), 201);
    return created;
  }

  private PcAgentSimulator agent(JsonNode created) {
    long station = created.path("station").path("id").asLong();
    PcAgentSimulator agent =
        PcAgentSimulator.connect(
            URI.create("ws://127.0.0.1:" + port + "/ws/agent/" + station),
            created.path("agent_token").asText(),
            PcAgentSimulator.Options.defaults()
                .withHeartbeatInterval(Duration.ofSeconds(1))
                .withReconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)));
    assertThat(agent.awaitConnected(Duration.ofSeconds(10))).isTrue();
    return agent;
  }

  private JsonNode startCash(JsonNode created, long user) {
    return api.ok(
        api.post(
            "/api/v1/sessions/start",
            "{\"station_id\":"
                + created.path("station").path("id").asLong()
                + ",\"duration\":1,\"user_id\":"
                + user
                + ",\"payment_method\":\"CASH\"}"),
        201);
  }

  private long events(long session, String type) {
    long n = 0;
    for (JsonNode e : api.get("/api/v1/sessions/" + session + "/events").body()) {
      if (e.path("type").asText().equals(type)) {
        n++;
      }
    }
    return n;
  }

  private static long receivedOf(PcAgentSimulator agent, String type) {
    return agent.received().stream().filter(m -> m.path("type").asText().equals(type)).count();
  }

  private Duration late(JsonNode session) {
    JsonNode row =
        api.await(
            "/api/v1/sessions/" + session.path("id").asLong(),
            r -> r.path("status").asText().equals("EXPIRED"),
            Duration.ofSeconds(90));
    return Duration.between(
        Instant.parse(row.path("scheduled_end_at").asText()),
        Instant.parse(row.path("actual_end_at").asText()));
  }

  @Test
  void e_disconnectedHungAndFailingAgentsEndOnTimeAndEachEndIsAppliedOnceWhenTheyAreBack()
      throws Exception {
    long user = api.user("agents");
    JsonNode awayPc = pcWithToken("pc-agent-away");
    JsonNode hungPc = pcWithToken("pc-agent-hung");
    JsonNode failingPc = pcWithToken("pc-agent-failing");
    try (PcAgentSimulator away = agent(awayPc);
        PcAgentSimulator hung = agent(hungPc);
        PcAgentSimulator failing = agent(failingPc)) {
      JsonNode awaySession = startCash(awayPc, user);
      JsonNode hungSession = startCash(hungPc, user);
      JsonNode failingSession = startCash(failingPc, user);
      for (PcAgentSimulator a : List.of(away, hung, failing)) {
        a.awaitMessage("session_start", Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(20)).until(() -> !a.isLocked());
      }
      Instant end = Instant.parse(failingSession.path("scheduled_end_at").asText());
      await()
          .pollDelay(Duration.between(Instant.now(), end.minusSeconds(8)))
          .atMost(Duration.ofSeconds(60))
          .until(() -> true);
      // Before the end: one agent drops off, one freezes, one can no longer lock its screen.
      away.disconnect();
      hung.setHung(true);
      failing.setEnforcementFailure("lock screen failed: access denied");

      for (JsonNode s : List.of(awaySession, hungSession, failingSession)) {
        Duration late = late(s);
        System.out.printf(
            "agent fault: session %d ended %d ms after its end%n",
            s.path("id").asLong(), late.toMillis());
        assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(2));
      }

      // The failing agent answered the end with an error: recorded once, counted, re-sent on its
      // heartbeats (it still names the session) while it keeps failing.
      long failingId = failingSession.path("id").asLong();
      await().atMost(Duration.ofSeconds(10)).until(() -> events(failingId, "agent_error") == 1);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  BreakerMetrics.sum(
                          api, "opsflow_agent_enforcements_resent_total", "via=\"heartbeat\"")
                      >= 1);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  BreakerMetrics.sum(
                          api, "opsflow_agent_errors_total", "error_of=\"session_expired\"")
                      >= 2);
      assertThat(failing.isLocked()).isFalse();
      assertThat(failing.enforcements()).isZero();
      assertThat(events(failingId, "agent_error")).isEqualTo(1);

      // Fixed: the next re-send is applied, once; the end is recorded as confirmed.
      failing.setEnforcementFailure(null);
      await().atMost(Duration.ofSeconds(15)).until(() -> failing.enforcements() == 1);
      await().atMost(Duration.ofSeconds(10)).until(failing::isLoggedOff);
      await().atMost(Duration.ofSeconds(20)).until(() -> events(failingId, "agent_enforced") == 1);

      // The hung agent resumes: it asks what it missed and logs off once.
      hung.setHung(false);
      await().atMost(Duration.ofSeconds(20)).until(() -> hung.enforcements() == 1);
      await().atMost(Duration.ofSeconds(10)).until(hung::isLoggedOff);
      long hungId = hungSession.path("id").asLong();
      await().atMost(Duration.ofSeconds(20)).until(() -> events(hungId, "agent_enforced") == 1);

      // The disconnected agent comes back: told once; a second reconnect repeats nothing.
      away.reconnect();
      await().atMost(Duration.ofSeconds(15)).until(() -> away.enforcements() == 1);
      long awayId = awaySession.path("id").asLong();
      await().atMost(Duration.ofSeconds(20)).until(() -> events(awayId, "agent_enforced") == 1);
      for (PcAgentSimulator a : List.of(away, hung, failing)) {
        a.disconnect();
        assertThat(a.reconnect()).isTrue();
      }
      await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
      for (PcAgentSimulator a : List.of(away, hung, failing)) {
        assertThat(a.enforcements()).isEqualTo(1);
        assertThat(a.isLocked()).isTrue();
      }
      assertThat(receivedOf(away, "session_expired")).isEqualTo(1);
      for (long id : List.of(awayId, hungId, failingId)) {
        assertThat(events(id, "agent_enforced")).isEqualTo(1);
        assertThat(session(id).path("status").asText()).isEqualTo("EXPIRED");
      }
      System.out.printf(
          "agent faults: re-sent on sync %.0f, on heartbeat %.0f, agent errors %.0f%n",
          BreakerMetrics.sum(api, "opsflow_agent_enforcements_resent_total", "via=\"sync\""),
          BreakerMetrics.sum(api, "opsflow_agent_enforcements_resent_total", "via=\"heartbeat\""),
          BreakerMetrics.sum(api, "opsflow_agent_errors_total"));
      assertThat(BreakerMetrics.sum(api, "opsflow_agent_enforcements_resent_total", "via=\"sync\""))
          .isGreaterThanOrEqualTo(1);
    }
  }
}
