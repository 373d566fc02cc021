package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.simulators.GroundStationSimulator;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The ground station fails: down at the pass's start (back within the window, or not), the link
 * dropped mid-pass, slow to answer, answering with rejections. Each pass ends in a recorded state
 * with the reason in the API and in its report (with what the link went through), no telecommand
 * reaches the station twice (counted by the simulator), no action outlives its timeout, and the
 * link events are exported as {@code opsflow_pass_link_events{ground_station,event}} in {@code
 * /actuator/prometheus}.
 *
 * <p>Each pass runs in a real executor JVM launched by the app's local backend; the ground station
 * is the simulator on loopback (one link at a time, so the passes run one after the other).
 */
@AutoConfigureObservability
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=ground-station-faults-it",
      "opsflow.passes.link-metrics-refresh=1s"
    })
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GroundStationFaultsIT {

  private static final AtomicInteger STATIONS = new AtomicInteger();

  /** Two pings with a pause between them: the link can drop in the pause. */
  private static final String PING_PAUSE_PING =
      """
      {"nodes":[
        {"id":"ping1","type":"send_telecommand",
         "parameters":{"apid":100,"command":"PING","verifier":{"type":"ack"},"timeout_seconds":10}},
        {"id":"pause","type":"delay","parameters":{"duration_seconds":6}},
        {"id":"ping2","type":"send_telecommand",
         "parameters":{"apid":100,"command":"PING","verifier":{"type":"ack"},"timeout_seconds":10}}],
       "links":[{"from":"ping1","to":"pause","condition":"on_success"},
                {"from":"pause","to":"ping2"}]}
      """;

  /** One telecommand verified by its acknowledgement within 3 s. */
  private static final String ONE_PING =
      """
      {"nodes":[
        {"id":"ping","type":"send_telecommand",
         "parameters":{"apid":100,"command":"PING","verifier":{"type":"ack"},"timeout_seconds":3}}],
       "links":[]}
      """;

  private static GroundStationSimulator simulator;

  @BeforeAll
  static void startGroundStation() throws IOException {
    simulator = GroundStationSimulator.start();
  }

  @AfterAll
  static void stopGroundStation() {
    simulator.close();
  }

  @AfterEach
  void healthy() {
    simulator.setResponseDelay(Duration.ZERO);
    simulator.rejectWhen(p -> false);
  }

  @LocalServerPort int port;

  private ApiClient operator() {
    return new ApiClient(port).as("it-pass");
  }

  private long station(int stationPort) {
    String body =
        "{\"name\":\"gs-faults-"
            + System.nanoTime()
            + "-"
            + STATIONS.incrementAndGet()
            + "\",\"host\":\"127.0.0.1\",\"port\":"
            + stationPort
            + ",\"latitude\":78.23,\"longitude\":15.4,\"altitude\":500}";
    return operator().ok(operator().post("/api/v1/ground-stations", body), 201).path("id").asLong();
  }

  /** A pass on {@code station} whose window opens 4 s from now; returns its id and AOS. */
  private long pass(long station, String graph, Instant[] aosOut) {
    return pass(station, graph, aosOut, 600);
  }

  /** {@link #pass(long, String, Instant[])} with a window of {@code seconds}. */
  private long pass(long station, String graph, Instant[] aosOut, int seconds) {
    Instant aos = Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.SECONDS);
    aosOut[0] = aos;
    String body =
        "{\"satellite\":\"SAT-1\",\"ground_station_id\":"
            + station
            + ",\"aos\":\""
            + aos
            + "\",\"los\":\""
            + aos.plusSeconds(seconds)
            + "\",\"lead_time_seconds\":1,\"procedure\":"
            + graph
            + ",\"parameters\":{\"band\":\"S\"}}";
    return operator().ok(operator().post("/api/v1/passes", body), 201).path("id").asLong();
  }

  private JsonNode awaitDone(long id) {
    return operator()
        .await(
            "/api/v1/passes/" + id,
            p -> p.path("phase").asText().equals("done"),
            Duration.ofSeconds(120));
  }

  private JsonNode report(long id) {
    return operator()
        .await(
            "/api/v1/passes/" + id + "/report",
            r -> r.path("report").isObject(),
            Duration.ofSeconds(30))
        .path("report");
  }

  private static JsonNode node(JsonNode state, String nodeId) {
    for (JsonNode n : state.path("nodes")) {
      if (n.path("node_id").asText().equals(nodeId)) {
        return n;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  /** A port of 127.0.0.1 nothing listens on: a station that is not there refuses connections. */
  private static int deadPort() throws IOException {
    GroundStationSimulator gone = GroundStationSimulator.start();
    int dead = gone.port();
    gone.close();
    return dead;
  }

  @Test
  void aStationDownAtAosIsTriedAgainAndThePassRunsOnceItIsUp() throws Exception {
    int stationPort = deadPort();
    Instant[] aos = new Instant[1];
    long id = pass(station(stationPort), PING_PAUSE_PING, aos);
    // The station comes up 8 s into the window, on its address.
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), aos[0].plusSeconds(8)).toMillis()));
    try (GroundStationSimulator late =
        GroundStationSimulator.start(stationPort, GroundStationSimulator.Options.defaults())) {
      Instant up = Instant.now();

      JsonNode done = awaitDone(id);

      JsonNode report = report(id);
      System.out.printf(
          "ground station down at AOS, up %d ms after: pass %s, link events %s%n",
          Duration.between(aos[0], up).toMillis(),
          done.path("status").asText(),
          report.path("link_events"));
      assertThat(done.path("status").asText()).isEqualTo("success");
      assertThat(late.tcReceived()).isEqualTo(2);
      assertThat(report.path("telecommands").asLong()).isEqualTo(2);
      assertThat(report.path("link_events").path("down").asLong()).isPositive();
      assertThat(report.path("failure_reason").isNull()).isTrue();
    }
  }

  @Test
  void aStationDownThroughTheWindowFailsThePassAtLosWithItsReasonAndSendsNothing()
      throws IOException {
    Instant[] aos = new Instant[1];
    long id = pass(station(deadPort()), PING_PAUSE_PING, aos, 20);

    JsonNode done = awaitDone(id);
    Instant los = aos[0].plusSeconds(20);
    Duration afterLos = Duration.between(los, Instant.now());
    System.out.printf(
        "ground station down through a 20 s window: pass %s %d ms after LOS: %s%n",
        done.path("status").asText(), afterLos.toMillis(), done.path("failure_reason").asText());
    assertThat(done.path("status").asText()).isEqualTo("failure");
    assertThat(done.path("failure_reason").asText())
        .startsWith("the ground-station link could not be opened: ");
    JsonNode report = report(id);
    assertThat(report.path("status").asText()).isEqualTo("failure");
    assertThat(report.path("failure_reason").asText())
        .isEqualTo(done.path("failure_reason").asText());
    // Tried through the window (backoff at most 10 s), not given up at the first refusal.
    assertThat(report.path("link_events").path("down").asLong()).isGreaterThan(1);
    assertThat(report.path("telecommands").asLong()).isZero();
  }

  @Test
  void aLinkDroppedMidPassIsReconnectedEachTelecommandIsSentOnceAndTheDropIsCounted() {
    int tcBefore = simulator.tcReceived();
    int linksBefore = simulator.linksAccepted();
    Instant[] aos = new Instant[1];
    long station = station(simulator.port());
    long id = pass(station, PING_PAUSE_PING, aos);
    // The first ping is acknowledged; during the pause the station loses the link.
    operator()
        .await(
            "/api/v1/passes/" + id + "/state",
            s -> node(s, "pause").path("status").asText().equals("running"),
            Duration.ofSeconds(90));
    simulator.dropLink();

    JsonNode done = awaitDone(id);
    assertThat(done.path("status").asText()).isEqualTo("success");
    assertThat(simulator.tcReceived() - tcBefore).isEqualTo(2);
    assertThat(simulator.linksAccepted() - linksBefore).isEqualTo(2);
    JsonNode report = report(id);
    System.out.printf("link dropped mid-pass: link events %s%n", report.path("link_events"));
    assertThat(report.path("telecommands").asLong()).isEqualTo(2);
    assertThat(report.path("link_events").path("dropped").asLong()).isEqualTo(1);
    assertThat(report.path("link_events").path("reconnected").asLong()).isEqualTo(1);
    assertThat(report.path("failure_reason").isNull()).isTrue();
    // Exported for the station (metrics are for viewers, not pass operators).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                BreakerMetrics.sum(
                        new ApiClient(port),
                        "opsflow_pass_link_events",
                        "ground_station=\"" + station + "\"",
                        "event=\"dropped\"")
                    == 1);
  }

  /** Waits until the one node failed and awaits the operator's decision; the operator stops. */
  private JsonNode failedThenStopped(long id, String outcome) {
    JsonNode state =
        operator()
            .await(
                "/api/v1/passes/" + id + "/state",
                s -> node(s, "ping").path("status").asText().equals("awaiting_decision"),
                Duration.ofSeconds(90));
    assertThat(node(state, "ping").path("detail").asText()).startsWith(outcome);
    operator()
        .ok(
            operator()
                .post("/api/v1/passes/" + id + "/nodes/ping/decision", "{\"decision\":\"stop\"}"),
            200);
    return state;
  }

  @Test
  void aSlowStationTimesTheTelecommandOutOnceAndARejectingStationFailsItOnce() {
    // Acknowledgements come 8 s after their TC; the verifier gives up after 3 s.
    simulator.setResponseDelay(Duration.ofSeconds(8));
    int tcBefore = simulator.tcReceived();
    Instant[] aos = new Instant[1];
    long slow = pass(station(simulator.port()), ONE_PING, aos);
    // The failed action waits for the operator (retry, go or stop); it does not resend by itself.
    JsonNode state = failedThenStopped(slow, "timed_out");
    JsonNode done = awaitDone(slow);
    System.out.printf(
        "slow ground station: node %s; pass %s: %s%n",
        node(state, "ping").path("detail").asText(),
        done.path("status").asText(),
        done.path("failure_reason").asText());
    assertThat(done.path("status").asText()).isEqualTo("failure");
    assertThat(done.path("failure_reason").asText()).isNotBlank();
    assertThat(simulator.tcReceived() - tcBefore).isEqualTo(1);
    JsonNode slowReport = report(slow);
    assertThat(slowReport.path("verifiers").path("timed_out").asLong()).isEqualTo(1);
    assertThat(slowReport.path("failure_reason").asText())
        .isEqualTo(done.path("failure_reason").asText());

    // Answering, but refusing every TC.
    simulator.setResponseDelay(Duration.ZERO);
    simulator.rejectWhen(p -> true);
    int rejectedBefore = simulator.tcRejected();
    long rejected = pass(station(simulator.port()), ONE_PING, aos);
    failedThenStopped(rejected, "rejected");
    JsonNode refused = awaitDone(rejected);
    System.out.printf(
        "rejecting ground station: pass %s: %s%n",
        refused.path("status").asText(), refused.path("failure_reason").asText());
    assertThat(refused.path("status").asText()).isEqualTo("failure");
    assertThat(simulator.tcRejected() - rejectedBefore).isEqualTo(1);
    assertThat(simulator.tcReceived() - tcBefore).isEqualTo(2);
    assertThat(report(rejected).path("failure_reason").asText())
        .isEqualTo(refused.path("failure_reason").asText());
  }
}
