package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.simulators.GroundStationSimulator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Passes driven through their workflow over HTTP, as an operator does: reschedule and cancel of a
 * reserved pass (overlaps, stale versions), then a pass that runs a few seconds after it is
 * reserved (lead time 1 s) with {@code operator_confirm} and {@code delay} nodes only, so no ground
 * station has to answer: pause and resume, a dynamic node, an override, refusals answered 409 and
 * kept in the action log with their reason, stop and restart inside the window, the confirmation
 * that lets it finish, and what stays served once it ended.
 *
 * <p>Needs PassWorkflowImpl on the orchestration queue and the pass activities registered
 * (application.yml); without them the updates wait for a worker that never comes.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=pass-operations-it"
    })
class PassOperationsIT {

  private static final AtomicInteger STATIONS = new AtomicInteger();
  private static final String GRAPH =
      """
      {"nodes":[
        {"id":"ping","type":"send_telecommand",
         "parameters":{"apid":100,"command":"PING","verifier":{"type":"ack"},"timeout_seconds":10}},
        {"id":"mode","type":"wait_telemetry",
         "parameters":{"condition":{"parameter":"mode","op":"eq","value":2},"timeout_seconds":30}}],
       "links":[{"from":"ping","to":"mode","condition":"on_success"}]}
      """;

  /** Asks the operator first, then waits a second: nothing needs the ground station. */
  private static final String CONFIRM_THEN_WAIT =
      """
      {"nodes":[
        {"id":"go","type":"operator_confirm",
         "parameters":{"prompt":"Antenna pointed?","timeout_seconds":300}},
        {"id":"wait","type":"delay","parameters":{"duration_seconds":1}}],
       "links":[{"from":"go","to":"wait"}]}
      """;

  /** Runs the CCSDS TM/TC link every ground station of this test points to, on loopback. */
  private static GroundStationSimulator simulator;

  /** A telecommand that sets the spacecraft mode to 2, verified by its ack, then by telemetry. */
  private static final String SET_MODE_THEN_WAIT =
      """
      {"nodes":[
        {"id":"mode2","type":"send_telecommand",
         "parameters":{"apid":100,"command":"SET_MODE","payload_hex":"02",
                       "verifier":{"type":"ack"},"timeout_seconds":10}},
        {"id":"in-mode","type":"wait_telemetry",
         "parameters":{"condition":{"parameter":"mode","op":"eq","value":2},"timeout_seconds":30}}],
       "links":[{"from":"mode2","to":"in-mode","condition":"on_success"}]}
      """;

  @BeforeAll
  static void startGroundStation() throws java.io.IOException {
    simulator = GroundStationSimulator.start();
  }

  @AfterAll
  static void stopGroundStation() {
    simulator.close();
  }

  @LocalServerPort int port;

  private ApiClient operator() {
    return new ApiClient(port).as("it-pass");
  }

  private long station() {
    String name = "gs-ops-" + System.nanoTime() + "-" + STATIONS.incrementAndGet();
    String body =
        "{\"name\":\""
            + name
            + "\",\"host\":\"127.0.0.1\",\"port\":"
            + simulator.port()
            + ",\"latitude\":78.23,"
            + "\"longitude\":15.4,\"altitude\":500}";
    return operator().ok(operator().post("/api/v1/ground-stations", body), 201).path("id").asLong();
  }

  private static Instant at(int minutes) {
    return Instant.now()
        .plus(Duration.ofDays(2))
        .truncatedTo(ChronoUnit.HOURS)
        .plus(Duration.ofMinutes(minutes));
  }

  private static String pass(long station, Instant aos, Instant los, int lead, String graph) {
    return "{\"satellite\":\"SAT-1\",\"ground_station_id\":"
        + station
        + ",\"aos\":\""
        + aos
        + "\",\"los\":\""
        + los
        + "\",\"lead_time_seconds\":"
        + lead
        + (graph == null ? "" : ",\"procedure\":" + graph)
        + ",\"parameters\":{\"band\":\"S\"}}";
  }

  /** A pass whose window opens a few seconds from now, so it runs during the test. */
  private long soon(String graph) {
    Instant aos = Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.SECONDS);
    return operator()
        .ok(
            operator().post("/api/v1/passes", pass(station(), aos, aos.plusSeconds(600), 1, graph)),
            201)
        .path("id")
        .asLong();
  }

  private JsonNode awaitState(long id, java.util.function.Predicate<JsonNode> condition) {
    return operator().await("/api/v1/passes/" + id + "/state", condition, Duration.ofSeconds(90));
  }

  private static JsonNode node(JsonNode state, String nodeId) {
    for (JsonNode n : state.path("nodes")) {
      if (n.path("node_id").asText().equals(nodeId)) {
        return n;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static List<JsonNode> items(JsonNode page) {
    return StreamSupport.stream(page.path("items").spliterator(), false).toList();
  }

  @Test
  void aReservedPassIsRescheduledAndACancelledOneFreesItsWindow() {
    ApiClient api = operator();
    long gs = station();
    long id =
        api.ok(api.post("/api/v1/passes", pass(gs, at(0), at(10), 120, GRAPH)), 201)
            .path("id")
            .asLong();
    long other =
        api.ok(api.post("/api/v1/passes", pass(gs, at(30), at(40), 120, null)), 201)
            .path("id")
            .asLong();
    JsonNode moved =
        api.ok(
            api.put(
                "/api/v1/passes/" + id,
                "{\"aos\":\"" + at(5) + "\",\"los\":\"" + at(20) + "\",\"version\":1}"),
            200);
    assertThat(moved.path("aos").asText()).isEqualTo(at(5).toString());
    assertThat(moved.path("version").asInt()).isEqualTo(2);
    assertThat(moved.path("procedure").path("nodes")).hasSize(2);
    assertThat(api.ok(api.get("/api/v1/passes/" + id), 200).path("aos").asText())
        .isEqualTo(at(5).toString());
    // A stale version, an overlap with the other pass, an inverted window.
    ApiClient.Answer stale =
        api.put("/api/v1/passes/" + id, "{\"lead_time_seconds\":60,\"version\":1}");
    assertThat(stale.status()).isEqualTo(409);
    ApiClient.Answer overlap = api.put("/api/v1/passes/" + id, "{\"los\":\"" + at(35) + "\"}");
    assertThat(overlap.status()).isEqualTo(409);
    assertThat(overlap.body().path("detail").asText()).contains("overlaps pass " + other);
    assertThat(overlap.body().path("conflicting_pass_id").asLong()).isEqualTo(other);
    assertThat(api.put("/api/v1/passes/" + id, "{\"los\":\"" + at(1) + "\"}").status())
        .isEqualTo(400);
    JsonNode emptied =
        api.ok(api.put("/api/v1/passes/" + id, "{\"procedure\":{\"nodes\":[]}}"), 200);
    assertThat(emptied.path("procedure").path("nodes")).isEmpty();

    JsonNode cancelled = api.ok(api.delete("/api/v1/passes/" + other + "?reason=weather"), 200);
    assertThat(cancelled.path("status").asText()).isEqualTo("cancelled");
    api.await(
        "/api/v1/passes/" + other,
        p -> p.path("status").asText().equals("cancelled"),
        Duration.ofSeconds(30));
    // Cancelling again answers the cancelled pass; changing it is refused.
    assertThat(api.ok(api.delete("/api/v1/passes/" + other), 200).path("status").asText())
        .isEqualTo("cancelled");
    ApiClient.Answer late = api.put("/api/v1/passes/" + other, "{\"lead_time_seconds\":60}");
    assertThat(late.status()).isEqualTo(409);
    // The freed window can be reserved again.
    api.ok(api.post("/api/v1/passes", pass(gs, at(30), at(40), 120, null)), 201);
    assertThat(api.delete("/api/v1/passes/999999").status()).isEqualTo(404);

    // Every reschedule is in the log: the accepted ones by the workflow, the refusals by the API.
    List<JsonNode> log = items(api.ok(api.get("/api/v1/passes/" + id + "/actions"), 200));
    assertThat(log).extracting(a -> a.path("kind").asText()).containsOnly("reschedule");
    assertThat(log).extracting(a -> a.path("operator").asText()).containsOnly("it-pass");
    assertThat(log.stream().filter(a -> a.path("outcome").asText().equals("accepted"))).hasSize(2);
    assertThat(log.stream().filter(a -> a.path("outcome").asText().equals("rejected")))
        .hasSize(2)
        .allSatisfy(a -> assertThat(a.path("rejection_reason").asText()).isNotBlank());
    List<JsonNode> otherLog = items(api.ok(api.get("/api/v1/passes/" + other + "/actions"), 200));
    assertThat(otherLog)
        .extracting(a -> a.path("kind").asText() + "/" + a.path("outcome").asText())
        .containsExactly("cancel/accepted", "reschedule/rejected");
  }

  @Test
  void anOperatorSteersARunningPassAndEveryRefusalIsExplainedAndKept() throws Exception {
    ApiClient api = operator();
    long id = soon(CONFIRM_THEN_WAIT);
    String base = "/api/v1/passes/" + id;
    ApiClient.SseStream stream = api.sse(base + "/stream", null);
    JsonNode asking =
        awaitState(id, s -> node(s, "go").path("status").asText().equals("awaiting_confirmation"));
    assertThat(asking.path("source").asText()).isEqualTo("workflow");
    assertThat(asking.path("status").asText()).isEqualTo("executing");

    // Pause and resume.
    assertThat(api.ok(api.post(base + "/pause", "{}"), 200).path("paused").asBoolean()).isTrue();
    assertThat(api.ok(api.post(base + "/resume", "{}"), 200).path("paused").asBoolean()).isFalse();
    // A dynamic node after "go", and an override of "wait" before it runs.
    JsonNode added =
        api.ok(
            api.post(
                base + "/nodes",
                "{\"node\":{\"id\":\"extra\",\"type\":\"delay\","
                    + "\"parameters\":{\"duration_seconds\":1}},"
                    + "\"links\":[{\"from\":\"go\",\"to\":\"extra\"}]}"),
            200);
    assertThat(added.path("procedure").path("nodes")).hasSize(3);
    JsonNode overridden = api.ok(api.patch(base + "/nodes/wait", "{\"duration_seconds\":2}"), 200);
    assertThat(
            StreamSupport.stream(overridden.at("/procedure/nodes").spliterator(), false)
                .filter(n -> n.path("id").asText().equals("wait"))
                .findFirst()
                .orElseThrow()
                .at("/parameters/duration_seconds")
                .asInt())
        .isEqualTo(2);

    // Refusals: an unknown node, a decision for a node that awaits a confirmation, a cycle.
    ApiClient.Answer ghost = api.post(base + "/nodes/ghost/skip", "{}");
    assertThat(ghost.status()).isEqualTo(409);
    assertThat(ghost.body().path("detail").asText()).contains("ghost");
    ApiClient.Answer decision = api.post(base + "/nodes/go/decision", "{\"decision\":\"retry\"}");
    assertThat(decision.status()).isEqualTo(409);
    ApiClient.Answer cycle = api.post(base + "/links", "{\"from\":\"wait\",\"to\":\"go\"}");
    assertThat(cycle.status()).isEqualTo(409);
    // Bad input never reaches the workflow: 400 naming the field.
    assertThat(api.post(base + "/nodes/go/decision", "{\"decision\":\"maybe\"}").status())
        .isEqualTo(400);

    // Stop and restart inside the window: the procedure runs again from its start.
    JsonNode stopped = api.ok(api.post(base + "/stop", "{}"), 200);
    assertThat(stopped.path("phase").asText()).isEqualTo("stopped");
    JsonNode restarted = api.ok(api.post(base + "/restart", "{}"), 200);
    assertThat(restarted.path("run").asInt()).isEqualTo(2);
    awaitState(id, s -> node(s, "go").path("status").asText().equals("awaiting_confirmation"));

    // The confirmation lets it finish.
    api.ok(
        api.post(base + "/nodes/go/confirm", "{\"confirmed\":true,\"comment\":\"pointed\"}"), 200);
    // The final status is written as postprocessing starts; the report is there once it is done.
    api.await(
        base,
        p -> p.path("status").asText().equals("success") && p.path("phase").asText().equals("done"),
        Duration.ofSeconds(90));
    assertThat(stream.ended().get(30, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(stream.events()).isNotEmpty();
    assertThat(stream.events().getLast().name()).isEqualTo("end");

    // The log: accepted operations recorded by the workflow, refusals by the API with the reason.
    List<JsonNode> log = items(api.ok(api.get(base + "/actions?limit=1000"), 200));
    assertThat(log)
        .filteredOn(a -> a.path("outcome").asText().equals("accepted"))
        .extracting(a -> a.path("kind").asText())
        .contains("pause", "resume", "addNode", "override", "stop", "restart", "confirm");
    assertThat(log)
        .filteredOn(a -> a.path("outcome").asText().equals("rejected"))
        .extracting(a -> a.path("kind").asText())
        .containsExactly("skip", "decide", "addLink");
    assertThat(log)
        .filteredOn(a -> a.path("kind").asText().equals("skip"))
        .first()
        .satisfies(
            a -> {
              assertThat(a.path("node_id").asText()).isEqualTo("ghost");
              assertThat(a.path("rejection_reason").asText()).contains("ghost");
            });

    // Everything stays served after the pass: events, the report, the stored state.
    assertThat(items(api.ok(api.get(base + "/events"), 200))).isNotEmpty();
    assertThat(api.ok(api.get(base + "/report"), 200).path("report").isObject()).isTrue();
    JsonNode after = api.ok(api.get(base + "/state"), 200);
    assertThat(after.path("status").asText()).isEqualTo("success");
    // Nothing more may be done to it.
    assertThat(api.post(base + "/pause", "{}").status()).isEqualTo(409);
    assertThat(api.delete(base).status()).isEqualTo(409);
  }

  @Test
  void aPassWithAnEmptyProcedureRunsToSuccessAndCancellingARunningOneTearsItDown() {
    ApiClient api = operator();
    long empty = soon(null);
    api.await(
        "/api/v1/passes/" + empty,
        p -> p.path("status").asText().equals("success"),
        Duration.ofSeconds(90));
    long running = soon(CONFIRM_THEN_WAIT);
    awaitState(running, s -> node(s, "go").path("status").asText().equals("awaiting_confirmation"));
    JsonNode cancelled = api.ok(api.delete("/api/v1/passes/" + running + "?reason=abort"), 200);
    assertThat(cancelled.path("status").asText()).isIn("cancelled", "executing");
    api.await(
        "/api/v1/passes/" + running,
        p -> p.path("status").asText().equals("cancelled"),
        Duration.ofSeconds(60));
    JsonNode state = api.ok(api.get("/api/v1/passes/" + running + "/state"), 200);
    assertThat(state.path("source").asText()).isEqualTo("database");
  }

  @Test
  void aTelecommandIsSentOnceVerifiedAndEveryPacketIsStoredAndStreamed() throws Exception {
    ApiClient api = operator();
    int tcBefore = simulator.tcReceived();
    long id = soon(SET_MODE_THEN_WAIT);
    String base = "/api/v1/passes/" + id;
    // The final status is written as postprocessing starts; the report is there once it is done.
    api.await(
        base,
        p -> p.path("status").asText().equals("success") && p.path("phase").asText().equals("done"),
        Duration.ofSeconds(90));
    assertThat(simulator.tcReceived() - tcBefore).isEqualTo(1);
    assertThat(simulator.mode()).isEqualTo(2);

    List<JsonNode> tcs = items(api.ok(api.get(base + "/packets?direction=tc"), 200));
    assertThat(tcs).hasSize(1);
    assertThat(tcs.get(0).path("apid").asInt()).isEqualTo(100);
    List<JsonNode> acks = items(api.ok(api.get(base + "/packets?direction=tm&apid=1"), 200));
    assertThat(acks).isNotEmpty();
    assertThat(items(api.ok(api.get(base + "/packets?direction=tm&apid=100"), 200))).isNotEmpty();

    JsonNode report = api.ok(api.get(base + "/report"), 200).path("report");
    assertThat(report.path("telecommands").asLong()).isEqualTo(1);
    assertThat(report.path("telemetry").asLong()).isPositive();

    // The stream replays the pass from the start, in id order, and ends: the pass is over.
    java.net.http.HttpResponse<String> stream =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + base + "/stream"))
                    .header("Authorization", "Bearer " + api.token())
                    .timeout(Duration.ofSeconds(60))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.body())
        .containsPattern("event: ?packet")
        .containsPattern("event: ?pass-event");
    long[] ids =
        stream
            .body()
            .lines()
            .filter(l -> l.startsWith("id:"))
            .mapToLong(l -> Long.parseLong(l.substring(3).trim()))
            .toArray();
    assertThat(ids).isSorted().doesNotHaveDuplicates();
  }
}
