package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.pass.PassRequest;
import io.opsflow.pass.PassSearchAttributes;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowStub;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Ground stations and pass reservations over HTTP with a {@code pass_operator} token: overlaps
 * refused naming the other pass (by the database too, under concurrency), windows checked, each
 * reservation starting its workflow, and imports answering line by line. No worker runs
 * PassWorkflowImpl here: a started workflow waits unexecuted, which reservations and lists do not
 * mind; updates of a pass's workflow are {@code PassOperationsIT}'s.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=pass-api-it"
    })
class PassApiIT {

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

  @LocalServerPort int port;
  @Autowired WorkflowClient client;

  private ApiClient operator() {
    return new ApiClient(port).as("it-pass");
  }

  /** A ground station of its own for each test, so tests never overlap each other's passes. */
  private long station() {
    String name = "gs-" + System.nanoTime() + "-" + STATIONS.incrementAndGet();
    String body =
        "{\"name\":\""
            + name
            + "\",\"host\":\"127.0.0.1\",\"port\":10025,\"latitude\":78.23,"
            + "\"longitude\":15.4,\"altitude\":500}";
    return operator().ok(operator().post("/api/v1/ground-stations", body), 201).path("id").asLong();
  }

  private static Instant at(int minutes) {
    return Instant.now()
        .plus(Duration.ofDays(2))
        .truncatedTo(ChronoUnit.HOURS)
        .plus(Duration.ofMinutes(minutes));
  }

  private static String pass(long station, Instant aos, Instant los, String graph) {
    return "{\"satellite\":\"SAT-1\",\"ground_station_id\":"
        + station
        + ",\"aos\":\""
        + aos
        + "\",\"los\":\""
        + los
        + "\",\"lead_time_seconds\":120"
        + (graph == null ? "" : ",\"procedure\":" + graph)
        + ",\"parameters\":{\"band\":\"S\"}}";
  }

  @Test
  void aReservedPassIsReadBackWithItsGraphAndCreator() {
    ApiClient api = operator();
    long gs = station();
    assertThat(api.ok(api.get("/api/v1/ground-stations/" + gs), 200).path("port").asInt())
        .isEqualTo(10025);
    JsonNode pass = api.ok(api.post("/api/v1/passes", pass(gs, at(0), at(10), GRAPH)), 201);
    assertThat(pass.path("status").asText()).isEqualTo("reserved");
    assertThat(pass.path("created_by").asText()).isEqualTo("it-pass");
    assertThat(pass.path("version").asInt()).isEqualTo(1);
    assertThat(pass.path("lead_time_seconds").asInt()).isEqualTo(120);
    assertThat(pass.path("parameters").path("band").asText()).isEqualTo("S");
    assertThat(pass.at("/procedure/nodes/0/parameters/verifier/type").asText()).isEqualTo("ack");
    long id = pass.path("id").asLong();
    assertThat(api.ok(api.get("/api/v1/passes/" + id), 200)).isEqualTo(pass);
    JsonNode listed =
        api.ok(api.get("/api/v1/passes?ground_station_id=" + gs + "&status=reserved"), 200);
    assertThat(listed).hasSize(1);
    assertThat(api.get("/api/v1/passes/999999").status()).isEqualTo(404);
  }

  @Test
  void anOverlappingPassIsRefusedNamingTheOtherWhileAdjacentWindowsAreAllowed() {
    ApiClient api = operator();
    long gs = station();
    long first =
        api.ok(api.post("/api/v1/passes", pass(gs, at(0), at(10), null)), 201).path("id").asLong();
    ApiClient.Answer overlap = api.post("/api/v1/passes", pass(gs, at(5), at(15), null));
    assertThat(overlap.status()).isEqualTo(409);
    assertThat(overlap.body().path("detail").asText()).contains("overlaps pass " + first);
    assertThat(overlap.body().path("conflicting_pass_id").asLong()).isEqualTo(first);
    // Inside, around: refused too; right after, right before: allowed.
    assertThat(api.post("/api/v1/passes", pass(gs, at(2), at(3), null)).status()).isEqualTo(409);
    assertThat(api.post("/api/v1/passes", pass(gs, at(-5), at(20), null)).status()).isEqualTo(409);
    api.ok(api.post("/api/v1/passes", pass(gs, at(10), at(20), null)), 201);
    api.ok(api.post("/api/v1/passes", pass(gs, at(-10), at(0), null)), 201);
    // Another ground station at the same time is another antenna.
    api.ok(api.post("/api/v1/passes", pass(station(), at(0), at(10), null)), 201);
  }

  @Test
  void aWindowInThePastOrInvertedIsA400NamingTheField() {
    ApiClient api = operator();
    long gs = station();
    Instant past = Instant.now().minus(Duration.ofHours(1));
    ApiClient.Answer inPast =
        api.post("/api/v1/passes", pass(gs, past, past.plusSeconds(600), null));
    assertThat(inPast.status()).isEqualTo(400);
    assertThat(inPast.body().path("field").asText()).isEqualTo("aos");
    ApiClient.Answer inverted = api.post("/api/v1/passes", pass(gs, at(10), at(0), null));
    assertThat(inverted.status()).isEqualTo(400);
    assertThat(inverted.body().path("field").asText()).isEqualTo("los");
    ApiClient.Answer unknown = api.post("/api/v1/passes", pass(999_999, at(0), at(10), null));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("field").asText()).isEqualTo("ground_station_id");
    ApiClient.Answer missing = api.post("/api/v1/passes", "{\"satellite\":\"SAT-1\"}");
    assertThat(missing.status()).isEqualTo(400);
  }

  @Test
  void aBadGraphIsA400NamingTheNode() {
    ApiClient api = operator();
    long gs = station();
    String cyclic =
        GRAPH.replace(
            "\"links\":[",
            "\"links\":[{\"from\":\"mode\",\"to\":\"ping\",\"condition\":\"always\"},");
    ApiClient.Answer cycle = api.post("/api/v1/passes", pass(gs, at(0), at(10), cyclic));
    assertThat(cycle.status()).isEqualTo(400);
    assertThat(cycle.body().path("field").asText()).isEqualTo("procedure.nodes[0]");
    assertThat(cycle.body().path("detail").asText()).contains("cycle: ping -> mode -> ping");
    String unknownType = GRAPH.replace("wait_telemetry", "fire_thrusters");
    ApiClient.Answer type = api.post("/api/v1/passes", pass(gs, at(0), at(10), unknownType));
    assertThat(type.status()).isEqualTo(400);
    assertThat(type.body().path("field").asText()).isEqualTo("procedure.nodes[1].type");
    assertThat(type.body().path("detail").asText()).contains("node 'mode'", "fire_thrusters");
    assertThat(type.body().at("/problems/0/node").asText()).isEqualTo("mode");
    String dangling = GRAPH.replace("\"to\":\"mode\"", "\"to\":\"ghost\"");
    ApiClient.Answer link = api.post("/api/v1/passes", pass(gs, at(0), at(10), dangling));
    assertThat(link.status()).isEqualTo(400);
    assertThat(link.body().path("field").asText()).isEqualTo("procedure.links[0].to");
  }

  @Test
  void reservingStartsThePassWorkflowWithTheRowAndItsGroundStation() {
    ApiClient api = operator();
    long gs = station();
    JsonNode pass = api.ok(api.post("/api/v1/passes", pass(gs, at(0), at(10), GRAPH)), 201);
    long id = pass.path("id").asLong();
    WorkflowStub stub = client.newUntypedWorkflowStub("pass-" + id);
    WorkflowExecutionDescription described = stub.describe();
    assertThat(described.getWorkflowType()).isEqualTo("PassWorkflow");
    assertThat(described.getTaskQueue()).isEqualTo("orchestration");
    assertThat(described.getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    assertThat(described.getTypedSearchAttributes().get(PassSearchAttributes.GROUND_STATION_ID))
        .isEqualTo(gs);
    assertThat(described.getTypedSearchAttributes().get(PassSearchAttributes.STATUS))
        .isEqualTo("reserved");
    var started =
        client
            .fetchHistory("pass-" + id)
            .getEvents()
            .get(0)
            .getWorkflowExecutionStartedEventAttributes();
    PassRequest request =
        client
            .getOptions()
            .getDataConverter()
            .fromPayloads(0, Optional.of(started.getInput()), PassRequest.class, PassRequest.class);
    assertThat(request.passId()).isEqualTo(id);
    assertThat(request.groundStationId()).isEqualTo(gs);
    assertThat(request.host()).isEqualTo("127.0.0.1");
    assertThat(request.port()).isEqualTo(10025);
    assertThat(request.aos()).isEqualTo(at(0));
    assertThat(request.leadTimeSeconds()).isEqualTo(120);
    assertThat(request.procedure().nodes()).hasSize(2);
    assertThat(request.parameters()).containsEntry("band", "S");
    assertThat(request.version()).isEqualTo(1);
    assertThat(request.settings()).isNull();
  }

  @Test
  void eachAcceptedImportLineStartsItsWorkflowAndARefusedOneNone() {
    ApiClient api = operator();
    long gs = station();
    String body = "[" + pass(gs, at(0), at(10), null) + "," + pass(gs, at(5), at(15), null) + "]";
    JsonNode lines = api.ok(api.post("/api/v1/passes/import", body), 200).path("lines");
    long accepted = lines.get(0).path("pass_id").asLong();
    assertThat(client.newUntypedWorkflowStub("pass-" + accepted).describe().getWorkflowType())
        .isEqualTo("PassWorkflow");
    assertThat(lines.get(1).path("outcome").asText()).isEqualTo("refused");
    assertThat(lines.get(1).path("pass_id").isNull()).isTrue();
    assertThat(api.ok(api.get("/api/v1/passes?ground_station_id=" + gs), 200)).hasSize(1);
  }

  @Test
  void liveOperationInputIsCheckedBeforeTheWorkflowSeesIt() {
    ApiClient api = operator();
    long id =
        api.ok(api.post("/api/v1/passes", pass(station(), at(0), at(10), GRAPH)), 201)
            .path("id")
            .asLong();
    String base = "/api/v1/passes/" + id;
    assertBadField(api.post(base + "/nodes/ping/decision", "{\"decision\":\"maybe\"}"), "decision");
    assertBadField(api.post(base + "/nodes/ping/decision", "{}"), "decision");
    assertBadField(api.post(base + "/nodes/ping/confirm", "{\"comment\":\"x\"}"), "confirmed");
    assertBadField(api.post(base + "/nodes/a%20b/skip", "{}"), "node_id");
    assertBadField(
        api.post(
            base + "/nodes",
            "{\"node\":{\"id\":\"x\",\"type\":\"teleport\"},\"links\":[{\"from\":\"ping\","
                + "\"to\":\"x\"}]}"),
        "node.type");
    assertBadField(
        api.post(
            base + "/nodes",
            "{\"node\":{\"id\":\"x\",\"type\":\"delay\",\"parameters\":{}},\"links\":[]}"),
        "node.parameters.duration_seconds");
    assertBadField(
        api.post(
            base + "/nodes",
            "{\"node\":{\"id\":\"x\",\"type\":\"delay\","
                + "\"parameters\":{\"duration_seconds\":1}},"
                + "\"links\":[{\"from\":\"ping\",\"to\":\"mode\"}]}"),
        "links[0]");
    assertBadField(
        api.post(
            base + "/nodes",
            "{\"node\":{\"id\":\"x\",\"type\":\"delay\","
                + "\"parameters\":{\"duration_seconds\":1}},"
                + "\"links\":[{\"from\":\"x\",\"to\":\"x\"}]}"),
        "node");
    assertBadField(api.patch(base + "/nodes/ping", "{\"apid\":5000}"), "apid");
    assertBadField(api.patch(base + "/nodes/ping", "{}"), "body");
    assertBadField(
        api.patch(base + "/nodes/ping", "{\"condition\":{\"parameter\":\"mode\",\"op\":\"~\"}}"),
        "condition.op");
    assertBadField(api.post(base + "/links", "{\"from\":\"ping\"}"), "to");
    assertBadField(
        api.post(base + "/links", "{\"from\":\"ping\",\"to\":\"mode\",\"condition\":\"often\"}"),
        "condition");
    assertBadField(api.delete(base + "?reason=" + "x".repeat(2001)), "reason");
    assertBadField(api.delete(base + "/links?from=ping"), "to");
    assertBadField(api.delete(base + "/links?from=ping&to=mode&condition=x"), "condition");
    // An unknown pass is a 404 before any workflow is asked.
    assertThat(api.post("/api/v1/passes/999999/pause", "{}").status()).isEqualTo(404);
    assertThat(api.post("/api/v1/passes/999999/nodes/ping/skip", "{}").status()).isEqualTo(404);
    assertThat(api.get("/api/v1/passes/999999/state").status()).isEqualTo(404);
    assertThat(api.get("/api/v1/passes/999999/actions").status()).isEqualTo(404);
    // Nothing reached the workflow, so nothing was logged as an action.
    assertThat(api.ok(api.get(base + "/actions"), 200).path("items")).isEmpty();
  }

  private static void assertBadField(ApiClient.Answer answer, String field) {
    assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
    assertThat(answer.body().path("field").asText()).as(answer.toString()).isEqualTo(field);
  }

  @Test
  void aJsonImportSavesTheGoodLinesAndSaysWhyTheOthersWereRefused() {
    ApiClient api = operator();
    long gs = station();
    long existing =
        api.ok(api.post("/api/v1/passes", pass(gs, at(100), at(110), null)), 201)
            .path("id")
            .asLong();
    String body =
        "["
            + pass(gs, at(0), at(10), GRAPH)
            + ","
            + pass(gs, at(5), at(15), null) // overlaps line 1
            + ","
            + pass(gs, at(20), at(10), null) // inverted
            + ","
            + pass(gs, at(105), at(120), null) // overlaps the existing pass
            + ",{\"satellite\":\"\"},"
            + pass(gs, at(20), at(30), null)
            + "]";
    JsonNode report = api.ok(api.post("/api/v1/passes/import", body), 200);
    assertThat(report.path("accepted").asInt()).isEqualTo(2);
    assertThat(report.path("refused").asInt()).isEqualTo(4);
    JsonNode lines = report.path("lines");
    long first = lines.get(0).path("pass_id").asLong();
    assertThat(lines.get(0).path("outcome").asText()).isEqualTo("accepted");
    assertThat(lines.get(1).path("reason").asText()).contains("overlaps pass " + first);
    assertThat(lines.get(1).path("conflicting_pass_id").asLong()).isEqualTo(first);
    assertThat(lines.get(2).path("field").asText()).isEqualTo("los");
    assertThat(lines.get(3).path("conflicting_pass_id").asLong()).isEqualTo(existing);
    assertThat(lines.get(4).path("outcome").asText()).isEqualTo("refused");
    assertThat(lines.get(5).path("outcome").asText()).isEqualTo("accepted");
    assertThat(api.ok(api.get("/api/v1/passes?ground_station_id=" + gs), 200)).hasSize(3);
  }

  @Test
  void aCsvImportReportsEveryLine() throws Exception {
    long gs = station();
    String graph = "\"" + GRAPH.replace("\n", " ").replace("\"", "\"\"") + "\"";
    String csv =
        "satellite,ground_station_id,aos,los,lead_time_seconds,procedure\n"
            + "SAT-2,"
            + gs
            + ","
            + at(0)
            + ","
            + at(10)
            + ",60,"
            + graph
            + "\n"
            + "SAT-3,"
            + gs
            + ","
            + at(5)
            + ","
            + at(8)
            + ",,\n"
            + "SAT-4,"
            + gs
            + ",yesterday,"
            + at(40)
            + ",,\n"
            + "SAT-5,"
            + gs
            + ","
            + at(20)
            + ","
            + at(30)
            + ",,\"{\"\"nodes\"\":[{\"\"id\"\":\"\"x\"\",\"\"type\"\":\"\"teleport\"\"}]}\"\n"
            + "\n"
            + "SAT-6,"
            + gs
            + ","
            + at(20)
            + ","
            + at(30)
            + ",,\n";
    ApiClient api = operator();
    HttpResponse<String> answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/passes/import"))
                    .header("Authorization", "Bearer " + api.token())
                    .header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofString(csv))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body());
    JsonNode lines = report.path("lines");
    assertThat(report.path("accepted").asInt()).isEqualTo(2);
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0).path("line").asInt()).isEqualTo(2);
    assertThat(lines.get(0).path("outcome").asText()).isEqualTo("accepted");
    assertThat(lines.get(1).path("reason").asText())
        .contains("overlaps pass " + lines.get(0).path("pass_id").asLong());
    assertThat(lines.get(2).path("field").asText()).isEqualTo("aos");
    assertThat(lines.get(3).path("field").asText()).isEqualTo("procedure.nodes[0].type");
    assertThat(lines.get(4).path("line").asInt()).isEqualTo(7);
    assertThat(lines.get(4).path("outcome").asText()).isEqualTo("accepted");
    JsonNode saved =
        api.ok(api.get("/api/v1/passes/" + lines.get(0).path("pass_id").asLong()), 200);
    assertThat(saved.path("procedure").path("nodes")).hasSize(2);
  }

  @Test
  void ofTenConcurrentReservationsOfOneWindowExactlyOneWins() throws Exception {
    long gs = station();
    ApiClient api = operator();
    api.token();
    int threads = 10;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ApiClient.Answer>> answers = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (int i = 0; i < threads; i++) {
        // Different but overlapping windows, all through the same minute.
        int shift = i;
        Callable<ApiClient.Answer> reserve =
            () -> {
              go.await();
              return api.post("/api/v1/passes", pass(gs, at(shift), at(20 + shift), null));
            };
        answers.add(pool.submit(reserve));
      }
      go.countDown();
      List<Integer> statuses = new ArrayList<>();
      long winner = -1;
      for (Future<ApiClient.Answer> f : answers) {
        ApiClient.Answer a = f.get();
        statuses.add(a.status());
        if (a.status() == 201) {
          winner = a.body().path("id").asLong();
        }
      }
      assertThat(statuses).containsOnly(201, 409);
      assertThat(statuses.stream().filter(s -> s == 201)).hasSize(1);
      for (Future<ApiClient.Answer> f : answers) {
        if (f.get().status() == 409) {
          assertThat(f.get().body().path("conflicting_pass_id").asLong()).isEqualTo(winner);
        }
      }
    }
    assertThat(api.ok(api.get("/api/v1/passes?ground_station_id=" + gs), 200)).hasSize(1);
  }

  @Test
  void aViewerReadsPassesButCannotReserveOrCancel() {
    long gs = station();
    long id =
        operator()
            .ok(operator().post("/api/v1/passes", pass(gs, at(0), at(10), null)), 201)
            .path("id")
            .asLong();
    ApiClient viewer = new ApiClient(port).as("it-viewer");
    assertThat(viewer.get("/api/v1/passes/" + id).status()).isEqualTo(200);
    assertThat(viewer.get("/api/v1/ground-stations").status()).isEqualTo(200);
    assertThat(viewer.post("/api/v1/passes", pass(gs, at(20), at(30), null)).status())
        .isEqualTo(403);
    assertThat(viewer.delete("/api/v1/passes/" + id).status()).isEqualTo(403);
    ApiClient venue = new ApiClient(port).as("it-venue");
    assertThat(venue.get("/api/v1/passes").status()).isEqualTo(403);
  }
}
