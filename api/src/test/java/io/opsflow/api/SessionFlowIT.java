package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.api.events.EventHub;
import io.opsflow.session.SessionSearchAttributes;
import io.opsflow.simulators.CardGatewaySimulator;
import io.opsflow.simulators.PcAgentSimulator;
import io.opsflow.simulators.RouterOsSimulator;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.temporal.client.WorkflowClient;
import io.temporal.common.SearchAttributes;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The session flow end to end, the way an operator and the venue's devices drive it: HTTP to the
 * app on its embedded default (Temporal test server, embedded PostgreSQL), a PC agent over
 * WebSocket, a Shelly plug, a RouterOS router and a card gateway over real sockets.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=flow-it",
      "opsflow.sessions.logoff-grace=2s",
      "opsflow.sessions.warning-lead=20s",
      "opsflow.sessions.power-poll-interval=10s",
      "opsflow.sessions.agent-heartbeat-timeout=5s",
      "opsflow.sessions.agent-sweep-interval=1s",
      "opsflow.devices.router.username=admin",
      "opsflow.devices.router.password=secret",
      "opsflow.payments.gateway.secret-key=sk_test_it"
    })
class SessionFlowIT {

  static final ShellyPlugSimulator plug = Started.at(() -> ShellyPlugSimulator.start());
  static final RouterOsSimulator router =
      Started.at(() -> RouterOsSimulator.start("admin", "secret"));
  static final CardGatewaySimulator gateway =
      Started.at(() -> CardGatewaySimulator.start("sk_test_it"));

  @DynamicPropertySource
  static void devices(DynamicPropertyRegistry registry) {
    registry.add("opsflow.devices.router.url", () -> router.baseUrl().toString());
    registry.add("opsflow.payments.gateway.base-url", () -> gateway.baseUrl().toString());
  }

  @AfterAll
  static void stopSimulators() {
    plug.close();
    router.close();
    gateway.close();
  }

  @LocalServerPort int port;
  @Autowired EventHub hub;
  @Autowired WorkflowClient client;
  ApiClient api;

  @BeforeEach
  void client() {
    api = new ApiClient(port);
  }

  @Test
  void pcAndConsoleSessionsRunFromStartToExpiry() {
    List<JsonNode> events = api.subscribe("");
    await().atMost(Duration.ofSeconds(20)).until(() -> hub.subscriberCount() > 0);
    long user =
        api.ok(api.post("/api/v1/users", "{\"name\":\"ana\",\"balance\":20.00}"), 201)
            .path("id")
            .asLong();
    JsonNode pc = createStation("{\"name\":\"pc-flow-1\",\"type\":\"PC\",\"hourly_rate\":6.00}");
    JsonNode pc2 = createStation("{\"name\":\"pc-flow-2\",\"type\":\"PC\"}");
    String mac = "AA:BB:CC:00:00:01";
    JsonNode console =
        createStation(
            "{\"name\":\"ps5-flow\",\"type\":\"CONSOLE\",\"plug_url\":\""
                + plug.baseUrl()
                + "\",\"console_mac\":\""
                + mac
                + "\",\"console_ip\":\"127.0.0.50\"}");
    assertThat(console.path("agent_token").isNull()).isTrue();

    PcAgentSimulator agent = connect(pc);
    PcAgentSimulator away = connect(pc2);
    api.await(
        "/api/v1/stations/" + id(pc),
        s ->
            s.path("status").asText().equals("ONLINE")
                && s.path("agent_version").asText().equals("1.4.2"),
        Duration.ofSeconds(10));
    assertThat(agent.awaitMessage("heartbeat_ack", Duration.ofSeconds(5))).isNotNull();

    JsonNode s1 = start(id(pc), user, "BALANCE");
    JsonNode s2 = start(id(pc2), user, "CASH");
    JsonNode s3 = start(id(console), user, "CASH");
    assertThat(s1.path("status").asText()).isEqualTo("ACTIVE");
    assertThat(s1.path("amount").decimalValue()).isEqualByComparingTo("0.10");
    assertThat(api.get("/api/v1/users/" + user).body().path("balance").decimalValue())
        .isEqualByComparingTo(new BigDecimal("19.90"));

    // The PC starts its countdown; the console gets power with the plug's own fail-safe timer
    // (60 s + 120 s margin) and its network opened with a timed allow entry.
    JsonNode sessionStart = agent.awaitMessage("session_start", Duration.ofSeconds(10));
    assertThat(sessionStart.path("session_id").asLong()).isEqualTo(id(s1));
    assertThat(sessionStart.path("duration_seconds").asLong()).isEqualTo(60);
    await().atMost(Duration.ofSeconds(20)).until(() -> !agent.isLocked());
    assertThat(plug.isOn()).isTrue();
    assertThat(plug.lastTimerSeconds()).isEqualTo(180);
    assertThat(router.isMacBlocked(mac)).isFalse();
    assertThat(router.hasAddressListEntry("opsflow-allowed", "127.0.0.50")).isTrue();

    // The second PC's agent drops off mid-session and comes back only after the end.
    away.awaitMessage("session_start", Duration.ofSeconds(10));
    away.disconnect();
    api.await(
        "/api/v1/stations/" + id(pc2),
        s -> s.path("status").asText().equals("OFFLINE"),
        Duration.ofSeconds(15));

    JsonNode expired = agent.awaitMessage("session_expired", Duration.ofSeconds(90));
    assertThat(expired.path("action").asText()).isEqualTo("logoff");
    assertThat(expired.path("grace_seconds").asLong()).isEqualTo(2);
    assertThat(agent.isLocked()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(agent::isLoggedOff);

    for (JsonNode s : List.of(s1, s2, s3)) {
      JsonNode row =
          api.await(
              "/api/v1/sessions/" + id(s),
              r -> r.path("status").asText().equals("EXPIRED"),
              Duration.ofSeconds(30));
      Duration late =
          Duration.between(
              Instant.parse(row.path("scheduled_end_at").asText()),
              Instant.parse(row.path("actual_end_at").asText()));
      assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(2));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> !plug.isOn() && router.isMacBlocked(mac));
    assertThat(plug.httpOffCount()).isEqualTo(1);
    // Power was logged during the console session (every 10 s in this test).
    JsonNode power = api.get("/api/v1/sessions/" + id(s3) + "/power").body();
    assertThat(power.size()).isBetween(4, 6);
    assertThat(power.get(0).path("relay_on").asBoolean()).isTrue();
    assertThat(router.hasAddressListEntry("opsflow-allowed", "127.0.0.50")).isFalse();

    away.reconnect();
    JsonNode told = away.awaitMessage("session_expired", Duration.ofSeconds(15));
    assertThat(told.path("session_id").asLong()).isEqualTo(id(s2));
    await().atMost(Duration.ofSeconds(10)).until(away::isLoggedOff);

    assertThat(api.put("/api/v1/sessions/" + id(s1) + "/extend", "{\"additional_minutes\":30}"))
        .satisfies(
            a -> {
              assertThat(a.status()).isEqualTo(400);
              assertThat(a.body().path("detail").asText())
                  .isEqualTo("Cannot extend inactive session");
            });
    assertThat(api.delete("/api/v1/sessions/" + id(s3)))
        .satisfies(
            a -> {
              assertThat(a.status()).isEqualTo(400);
              assertThat(a.body().path("detail").asText()).isEqualTo("Session already ended");
            });

    // The admin stream saw the stations and sessions change.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(events)
                    .extracting(e -> e.path("type").asText() + ":" + e.path("session_id").asText())
                    .contains(
                        "session_started:" + id(s1),
                        "session_expired:" + id(s1),
                        "session_expired:" + id(s3),
                        "station_enforced:" + id(s3)));
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.path("type").asText()).isEqualTo("station_status");
              assertThat(e.path("station_id").asLong()).isEqualTo(id(pc2));
              assertThat(e.path("data").path("status").asText()).isEqualTo("OFFLINE");
            });
    agent.close();
    away.close();
  }

  @Test
  void extendMovesTheEndAndStopLocksWithoutLogoff() {
    long user = api.ok(api.post("/api/v1/users", "{\"name\":\"bo\"}"), 201).path("id").asLong();
    JsonNode pc = createStation("{\"name\":\"pc-flow-3\",\"type\":\"PC\"}");
    PcAgentSimulator agent = connect(pc);
    JsonNode s = start(id(pc), user, "CASH");
    Instant end = Instant.parse(s.path("scheduled_end_at").asText());
    agent.awaitMessage("session_start", Duration.ofSeconds(10));

    JsonNode extended =
        api.ok(
            api.put("/api/v1/sessions/" + id(s) + "/extend", "{\"additional_minutes\":30}"), 200);
    assertThat(Instant.parse(extended.path("scheduled_end_at").asText()))
        .isEqualTo(end.plus(Duration.ofMinutes(30)));
    assertThat(extended.path("extended_minutes").asInt()).isEqualTo(30);
    assertThat(
            agent
                .awaitMessage("session_extend", Duration.ofSeconds(10))
                .path("additional_seconds")
                .asLong())
        .isEqualTo(1800);

    JsonNode stopped = api.ok(api.delete("/api/v1/sessions/" + id(s)), 200);
    assertThat(stopped.path("status").asText()).isEqualTo("STOPPED");
    JsonNode stop = agent.awaitMessage("session_stop", Duration.ofSeconds(10));
    assertThat(stop.path("action").asText()).isEqualTo("lock");
    await().atMost(Duration.ofSeconds(20)).until(agent::isLocked);
    assertThat(agent.isLoggedOff()).isFalse();
    assertThat(api.delete("/api/v1/sessions/" + id(s)).status()).isEqualTo(400);
    // Engineers find it in the Temporal UI by station and status.
    SearchAttributes attributes =
        client.newUntypedWorkflowStub("session-" + id(s)).describe().getTypedSearchAttributes();
    assertThat(attributes.get(SessionSearchAttributes.STATION_ID)).isEqualTo(id(pc));
    assertThat(attributes.get(SessionSearchAttributes.STATUS)).isEqualTo("STOPPED");
    agent.close();
  }

  @Test
  void insufficientBalanceIsRefusedAndStartsNothing() {
    long user =
        api.ok(api.post("/api/v1/users", "{\"name\":\"cy\",\"balance\":0.05}"), 201)
            .path("id")
            .asLong();
    JsonNode pc = createStation("{\"name\":\"pc-flow-4\",\"type\":\"PC\"}");
    ApiClient.Answer answer =
        api.post(
            "/api/v1/sessions/start",
            "{\"station_id\":"
                + id(pc)
                + ",\"duration\":60,\"user_id\":"
                + user
                + ",\"payment_method\":\"BALANCE\"}");
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body().path("detail").asText()).isEqualTo("Insufficient balance");
    JsonNode sessions = api.get("/api/v1/sessions?station_id=" + id(pc)).body();
    assertThat(sessions).hasSize(1);
    assertThat(sessions.get(0).path("status").asText()).isEqualTo("FAILED");
    assertThat(api.get("/api/v1/users/" + user).body().path("balance").decimalValue())
        .isEqualByComparingTo("0.05");
    // The station is free again.
    assertThat(start(id(pc), user, "CASH").path("status").asText()).isEqualTo("ACTIVE");
  }

  @Test
  void cardPaymentStartsAfterConfirmAndADeclinedCardIs402() {
    long user = api.ok(api.post("/api/v1/users", "{\"name\":\"di\"}"), 201).path("id").asLong();
    JsonNode pc = createStation("{\"name\":\"pc-flow-5\",\"type\":\"PC\"}");
    JsonNode pending =
        api.ok(
            api.post(
                "/api/v1/sessions/start",
                "{\"station_id\":"
                    + id(pc)
                    + ",\"duration\":30,\"user_id\":"
                    + user
                    + ",\"payment_method\":\"CARD\",\"amount\":10.00}"),
            202);
    assertThat(pending.path("status").asText()).isEqualTo("AWAITING_PAYMENT");
    String secret = pending.path("client_secret").asText();
    String intentId = secret.substring(0, secret.indexOf("_secret_"));
    assertThat(gateway.intent(intentId).amount()).isEqualTo(1000);
    gateway.confirm(intentId, "pm_card_visa");
    JsonNode active =
        api.ok(
            api.post("/api/v1/payments/" + pending.path("payment_id").asLong() + "/confirm", ""),
            201);
    assertThat(active.path("status").asText()).isEqualTo("ACTIVE");

    JsonNode pc2 = createStation("{\"name\":\"pc-flow-6\",\"type\":\"PC\"}");
    JsonNode declined =
        api.ok(
            api.post(
                "/api/v1/sessions/start",
                "{\"station_id\":"
                    + id(pc2)
                    + ",\"duration\":30,\"user_id\":"
                    + user
                    + ",\"payment_method\":\"CARD\"}"),
            202);
    String secret2 = declined.path("client_secret").asText();
    gateway.confirm(secret2.substring(0, secret2.indexOf("_secret_")), "pm_card_chargeDeclined");
    ApiClient.Answer refused =
        api.post("/api/v1/payments/" + declined.path("payment_id").asLong() + "/confirm", "");
    assertThat(refused.status()).isEqualTo(402);
    assertThat(api.get("/api/v1/sessions/" + id(declined)).body().path("status").asText())
        .isEqualTo("FAILED");
  }

  @Test
  void badInputGetsA4xxNamingTheField() {
    ApiClient.Answer missing =
        api.post("/api/v1/sessions/start", "{\"station_id\":1,\"user_id\":1}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.body().path("field").asText()).isEqualTo("duration");
    ApiClient.Answer wrongType =
        api.post("/api/v1/sessions/start", "{\"station_id\":\"one\",\"duration\":5,\"user_id\":1}");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.body().path("field").asText()).isEqualTo("station_id");
    assertThat(api.post("/api/v1/sessions/start", "{not json").status()).isEqualTo(400);
    ApiClient.Answer unknownStation =
        api.post("/api/v1/sessions/start", "{\"station_id\":999999,\"duration\":5,\"user_id\":1}");
    assertThat(unknownStation.status()).isEqualTo(404);
    assertThat(unknownStation.body().path("detail").asText()).contains("station_id");
    ApiClient.Answer extend = api.put("/api/v1/sessions/1/extend", "{\"additional_minutes\":0}");
    assertThat(extend.status()).isEqualTo(400);
    assertThat(extend.body().path("field").asText()).isEqualTo("additional_minutes");
    ApiClient.Answer mac =
        api.post(
            "/api/v1/stations",
            "{\"name\":\"bad-mac\",\"type\":\"CONSOLE\",\"console_mac\":\"nope\"}");
    assertThat(mac.status()).isEqualTo(400);
    assertThat(mac.body().path("field").asText()).isEqualTo("console_mac");
  }

  @Test
  void agentsWithoutAValidTokenAreTurnedAway() {
    JsonNode pc = createStation("{\"name\":\"pc-flow-7\",\"type\":\"PC\"}");
    PcAgentSimulator.Options once = PcAgentSimulator.Options.defaults().withAutoReconnect(false);
    PcAgentSimulator wrong = PcAgentSimulator.connect(wsUrl(id(pc)), "agt_wrong", once);
    await().atMost(Duration.ofSeconds(10)).until(() -> wrong.lastHandshakeStatus() != null);
    assertThat(wrong.lastHandshakeStatus()).isEqualTo(401);
    wrong.close();
    PcAgentSimulator unknown =
        PcAgentSimulator.connect(wsUrl(987654), pc.path("agent_token").asText(), once);
    await().atMost(Duration.ofSeconds(10)).until(() -> unknown.lastHandshakeStatus() != null);
    assertThat(unknown.lastHandshakeStatus()).isEqualTo(404);
    unknown.close();

    // Maintenance is reported by the agent and shown to operators; starting a session is refused.
    PcAgentSimulator agent = connect(pc);
    agent.sendStatusChange("MAINTENANCE");
    api.await(
        "/api/v1/stations/" + id(pc),
        s -> s.path("status").asText().equals("MAINTENANCE"),
        Duration.ofSeconds(10));
    long user = api.ok(api.post("/api/v1/users", "{\"name\":\"ed\"}"), 201).path("id").asLong();
    assertThat(
            api.post(
                    "/api/v1/sessions/start",
                    "{\"station_id\":" + id(pc) + ",\"duration\":5,\"user_id\":" + user + "}")
                .status())
        .isEqualTo(409);
    agent.sendStatusChange("ONLINE");
    api.await(
        "/api/v1/stations/" + id(pc),
        s -> s.path("status").asText().equals("ONLINE"),
        Duration.ofSeconds(10));
    agent.close();
  }

  @Test
  void aRotatedOrRevokedAgentTokenStopsWorkingAtOnce() {
    JsonNode pc = createStation("{\"name\":\"pc-flow-9\",\"type\":\"PC\"}");
    PcAgentSimulator.Options once = PcAgentSimulator.Options.defaults().withAutoReconnect(false);
    PcAgentSimulator first =
        PcAgentSimulator.connect(wsUrl(id(pc)), pc.path("agent_token").asText(), once);
    assertThat(first.awaitConnected(Duration.ofSeconds(10))).isTrue();

    // Rotation: the connected agent is dropped, its old token refused, the new one accepted.
    String rotated =
        api.ok(api.post("/api/v1/stations/" + id(pc) + "/agent-token", null), 201)
            .path("agent_token")
            .asText();
    await().atMost(Duration.ofSeconds(10)).until(() -> !first.isConnected());
    PcAgentSimulator old =
        PcAgentSimulator.connect(wsUrl(id(pc)), pc.path("agent_token").asText(), once);
    await().atMost(Duration.ofSeconds(10)).until(() -> old.lastHandshakeStatus() != null);
    assertThat(old.lastHandshakeStatus()).isEqualTo(401);
    PcAgentSimulator renewed = PcAgentSimulator.connect(wsUrl(id(pc)), rotated, once);
    assertThat(renewed.awaitConnected(Duration.ofSeconds(10))).isTrue();

    // Revocation: no token works until a new one is issued; only PCs have one.
    assertThat(api.delete("/api/v1/stations/" + id(pc) + "/agent-token").status()).isEqualTo(204);
    await().atMost(Duration.ofSeconds(10)).until(() -> !renewed.isConnected());
    PcAgentSimulator revoked = PcAgentSimulator.connect(wsUrl(id(pc)), rotated, once);
    await().atMost(Duration.ofSeconds(10)).until(() -> revoked.lastHandshakeStatus() != null);
    assertThat(revoked.lastHandshakeStatus()).isEqualTo(401);
    assertThat(
            api.as("it-viewer").post("/api/v1/stations/" + id(pc) + "/agent-token", null).status())
        .isEqualTo(403);
    List.of(first, old, renewed, revoked).forEach(PcAgentSimulator::close);
  }

  @Test
  void anAgentThatStopsHeartbeatingGoesOffline() {
    JsonNode pc = createStation("{\"name\":\"pc-flow-8\",\"type\":\"PC\"}");
    PcAgentSimulator silent =
        PcAgentSimulator.connect(
            wsUrl(id(pc)),
            pc.path("agent_token").asText(),
            PcAgentSimulator.Options.defaults()
                .withHeartbeatInterval(Duration.ofHours(1))
                .withAutoReconnect(false));
    assertThat(silent.awaitConnected(Duration.ofSeconds(10))).isTrue();
    api.await(
        "/api/v1/stations/" + id(pc),
        s -> s.path("status").asText().equals("ONLINE"),
        Duration.ofSeconds(10));
    // The socket stays open but no heartbeat comes: OFFLINE after the 5 s timeout of this test.
    api.await(
        "/api/v1/stations/" + id(pc),
        s -> s.path("status").asText().equals("OFFLINE") && !s.path("agent_connected").asBoolean(),
        Duration.ofSeconds(20));
    silent.close();
  }

  private JsonNode createStation(String json) {
    JsonNode created = api.ok(api.post("/api/v1/stations", json), 201);
    JsonNode station = created.path("station");
    ((com.fasterxml.jackson.databind.node.ObjectNode) station)
        .set("agent_token", created.path("agent_token"));
    return station;
  }

  private JsonNode start(long stationId, long userId, String method) {
    return api.ok(
        api.post(
            "/api/v1/sessions/start",
            "{\"station_id\":"
                + stationId
                + ",\"duration\":1,\"user_id\":"
                + userId
                + ",\"payment_method\":\""
                + method
                + "\"}"),
        201);
  }

  private PcAgentSimulator connect(JsonNode station) {
    PcAgentSimulator agent =
        PcAgentSimulator.connect(
            wsUrl(id(station)),
            station.path("agent_token").asText(),
            PcAgentSimulator.Options.defaults()
                .withHeartbeatInterval(Duration.ofSeconds(1))
                .withReconnectBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)));
    assertThat(agent.awaitConnected(Duration.ofSeconds(10))).isTrue();
    return agent;
  }

  private URI wsUrl(long stationId) {
    return URI.create("ws://127.0.0.1:" + port + "/ws/agent/" + stationId);
  }

  private static long id(JsonNode node) {
    return node.path("id").asLong();
  }
}
