package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a pass recorded, served from PostgreSQL alone (seed 000's PRS): rows written here as the
 * pass's activities write them, then read over HTTP the way an operator's console does: events and
 * packets filtered and paged by cursor, bad filters named, the report and time correlation once
 * written, the SSE stream in id order resuming from Last-Event-ID and ending with the pass, the
 * action log, the state of an ended pass, and who may read.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=pass-reporting-it"
    })
class PassReportingIT {

  private static final AtomicInteger STATIONS = new AtomicInteger();
  private static final Instant AOS = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  private ApiClient viewer() {
    return new ApiClient(port).as("it-viewer");
  }

  /** A pass in the given status on a ground station of its own, as its workflow left it. */
  private long pass(String status) {
    long gs =
        jdbc.queryForObject(
            "insert into ground_stations (name, host, port, latitude, longitude)"
                + " values (?, '127.0.0.1', 10025, 78.2, 15.4) returning id",
            Long.class,
            "gs-rep-" + System.nanoTime() + "-" + STATIONS.incrementAndGet());
    return jdbc.queryForObject(
        "insert into passes (satellite, ground_station_id, aos, los, lead_time_seconds,"
            + " procedure, created_by, status, phase)"
            + " values ('SAT-R', ?, ?, ?, 0, ?::jsonb, 'it-pass', ?, 'procedure') returning id",
        Long.class,
        gs,
        Timestamp.from(AOS),
        Timestamp.from(AOS.plus(Duration.ofMinutes(10))),
        "{\"nodes\":[{\"id\":\"ping\",\"type\":\"delay\",\"parameters\":{\"duration_seconds\":1}}],"
            + "\"links\":[]}",
        status);
  }

  private long event(long pass, String key, int second, String type, String node) {
    return jdbc.queryForObject(
        "insert into pass_events (pass_id, event_key, at, type, node_id, operator, detail)"
            + " values (?, ?, ?, ?, ?, ?, ?::jsonb) returning id",
        Long.class,
        pass,
        key,
        Timestamp.from(AOS.plusSeconds(second)),
        type,
        node,
        type.equals("operator") ? "it-pass" : null,
        "{\"run\":1,\"outcome\":\"succeeded\"}");
  }

  /** A space packet: primary header (version 0, APID, flags 3, count, length) and 4 data bytes. */
  private long packet(long pass, String direction, int apid, int count, int second) {
    int first = (direction.equals("tc") ? 0x1000 : 0) | 0x0800 | apid;
    byte[] raw = {
      (byte) (first >> 8),
      (byte) first,
      (byte) (0xC0 | (count >> 8)),
      (byte) count,
      0,
      3,
      1,
      2,
      3,
      4
    };
    return jdbc.queryForObject(
        "insert into pass_packets (pass_id, direction, apid, sequence_flags, sequence_count,"
            + " data_length, ground_time, onboard_time, raw, decoded, run_key, node_id)"
            + " values (?, ?, ?, 3, ?, 3, ?, ?, ?, ?::jsonb, ?, ?) returning id",
        Long.class,
        pass,
        direction,
        apid,
        count,
        Timestamp.from(AOS.plusSeconds(second)),
        direction.equals("tm") ? Timestamp.from(AOS.plusSeconds(second).minusMillis(1500)) : null,
        raw,
        direction.equals("tm") ? "{\"battery_voltage\":7.4,\"mode\":2}" : "{\"command\":\"PING\"}",
        direction.equals("tc") ? "ping/1/1/" + count : null,
        direction.equals("tc") ? "ping" : null);
  }

  @Test
  void eventsAreFilteredByTypeNodeAndTimeAndPagedByCursorOldestFirst() {
    long pass = pass("executing");
    long e1 = event(pass, "phase-1", 0, "phase", null);
    long e2 = event(pass, "node-ping-1-start", 1, "action_started", "ping");
    packet(pass, "tc", 100, 1, 1); // packets share the id sequence, never the event pages
    long e3 = event(pass, "node-ping-1-end", 2, "action_ended", "ping");
    long e4 = event(pass, "node-mode-1-start", 3, "action_started", "mode");
    long e5 = event(pass, "op-1", 4, "operator", "mode");
    ApiClient api = viewer();
    String base = "/api/v1/passes/" + pass + "/events";

    JsonNode first = api.ok(api.get(base + "?limit=2"), 200);
    assertThat(ids(first)).containsExactly(e1, e2);
    assertThat(first.path("has_more").asBoolean()).isTrue();
    assertThat(first.path("next_after").asLong()).isEqualTo(e2);
    JsonNode second = api.ok(api.get(base + "?limit=2&after=" + e2), 200);
    assertThat(ids(second)).containsExactly(e3, e4);
    JsonNode last = api.ok(api.get(base + "?limit=2&after=" + e4), 200);
    assertThat(ids(last)).containsExactly(e5);
    assertThat(last.path("has_more").asBoolean()).isFalse();
    JsonNode empty = api.ok(api.get(base + "?after=" + e5), 200);
    assertThat(ids(empty)).isEmpty();
    assertThat(empty.path("next_after").asLong()).as("polling goes on from here").isEqualTo(e5);

    JsonNode started = api.ok(api.get(base + "?type=action_started"), 200);
    assertThat(ids(started)).containsExactly(e2, e4);
    assertThat(ids(api.ok(api.get(base + "?node_id=ping"), 200))).containsExactly(e2, e3);
    String from = AOS.plusSeconds(2).toString();
    String to = AOS.plusSeconds(4).toString();
    assertThat(ids(api.ok(api.get(base + "?from=" + from + "&to=" + to), 200)))
        .containsExactly(e3, e4);
    JsonNode op = api.ok(api.get(base + "?type=operator"), 200).path("items").get(0);
    assertThat(op.path("operator").asText()).isEqualTo("it-pass");
    assertThat(op.path("node_id").asText()).isEqualTo("mode");
    assertThat(op.path("at").asText()).isEqualTo(AOS.plusSeconds(4).toString());
    assertThat(op.path("detail").path("outcome").asText()).isEqualTo("succeeded");
  }

  @Test
  void packetsAreFilteredByDirectionApidAndGroundTimeWithTheirHeaderRawBytesAndTimes() {
    long pass = pass("executing");
    long tc = packet(pass, "tc", 100, 1, 1);
    long tm1 = packet(pass, "tm", 100, 7, 2);
    event(pass, "between", 2, "link", null);
    long tm2 = packet(pass, "tm", 101, 8, 3);
    long tm3 = packet(pass, "tm", 100, 9, 5);
    ApiClient api = viewer();
    String base = "/api/v1/passes/" + pass + "/packets";

    assertThat(ids(api.ok(api.get(base), 200))).containsExactly(tc, tm1, tm2, tm3);
    assertThat(ids(api.ok(api.get(base + "?direction=tm"), 200))).containsExactly(tm1, tm2, tm3);
    assertThat(ids(api.ok(api.get(base + "?direction=tm&apid=100"), 200)))
        .containsExactly(tm1, tm3);
    assertThat(
            ids(
                api.ok(
                    api.get(base + "?from=" + AOS.plusSeconds(2) + "&to=" + AOS.plusSeconds(5)),
                    200)))
        .containsExactly(tm1, tm2);
    JsonNode page = api.ok(api.get(base + "?direction=tm&limit=1&after=" + tm1), 200);
    assertThat(ids(page)).containsExactly(tm2);
    assertThat(page.path("has_more").asBoolean()).isTrue();

    JsonNode p = api.ok(api.get(base + "?apid=100&direction=tm&limit=1"), 200).path("items").get(0);
    assertThat(p.path("apid").asInt()).isEqualTo(100);
    assertThat(p.path("sequence_flags").asInt()).isEqualTo(3);
    assertThat(p.path("sequence_count").asInt()).isEqualTo(7);
    assertThat(p.path("data_length").asInt()).isEqualTo(3);
    assertThat(p.path("raw").asText()).isEqualTo("0864c007000301020304");
    assertThat(HexFormat.of().parseHex(p.path("raw").asText())).hasSize(10);
    assertThat(p.path("ground_time").asText()).isEqualTo(AOS.plusSeconds(2).toString());
    assertThat(p.path("onboard_time").asText())
        .isEqualTo(AOS.plusSeconds(2).minusMillis(1500).toString());
    assertThat(p.path("decoded").path("battery_voltage").asDouble()).isEqualTo(7.4);
    JsonNode sent = api.ok(api.get(base + "?direction=tc"), 200).path("items").get(0);
    assertThat(sent.path("raw").asText()).startsWith("1864c001");
    assertThat(sent.path("onboard_time").isNull()).isTrue();
    assertThat(sent.path("node_id").asText()).isEqualTo("ping");
  }

  @Test
  void badFiltersAre400NamingTheField() {
    long pass = pass("executing");
    ApiClient api = viewer();
    String events = "/api/v1/passes/" + pass + "/events";
    String packets = "/api/v1/passes/" + pass + "/packets";
    assertField(api.get(events + "?type=DROP%20TABLE"), "type");
    assertField(api.get(events + "?node_id=a%20b"), "node_id");
    assertField(api.get(events + "?limit=0"), "limit");
    assertField(api.get(events + "?limit=1001"), "limit");
    assertField(api.get(events + "?after=-1"), "after");
    assertField(api.get(events + "?from=yesterday"), "from");
    assertField(
        api.get(events + "?from=" + AOS.plusSeconds(5) + "&to=" + AOS.plusSeconds(1)), "to");
    assertField(api.get(packets + "?direction=up"), "direction");
    assertField(api.get(packets + "?apid=2048"), "apid");
    assertField(api.get(packets + "?apid=x"), "apid");
    assertField(api.get("/api/v1/passes/" + pass + "/actions?limit=-3"), "limit");
    assertThat(api.get("/api/v1/passes/999999/events").status()).isEqualTo(404);
    assertThat(api.get("/api/v1/passes/999999/packets").status()).isEqualTo(404);
  }

  @Test
  void theReportAndTimeCorrelationAre404UntilWrittenThenServed() {
    long pass = pass("executing");
    ApiClient api = viewer();
    ApiClient.Answer noReport = api.get("/api/v1/passes/" + pass + "/report");
    assertThat(noReport.status()).isEqualTo(404);
    assertThat(noReport.body().path("detail").asText()).contains("no report yet");
    assertThat(api.get("/api/v1/passes/" + pass + "/time-correlation").status()).isEqualTo(404);

    jdbc.update(
        "insert into pass_time_correlations (pass_id, samples, epoch, offset_seconds, drift_ppm,"
            + " residual_rms_seconds) values (?, 42, ?, 1.5, -3.25, 0.002)",
        pass,
        Timestamp.from(AOS));
    jdbc.update(
        "insert into pass_reports (pass_id, generated_at, report) values (?, ?, ?::jsonb)",
        pass,
        Timestamp.from(AOS.plusSeconds(600)),
        "{\"pass_id\":"
            + pass
            + ",\"status\":\"success\",\"telecommands\":1,\"telemetry\":3,"
            + "\"telemetry_by_apid\":{\"100\":2,\"101\":1},"
            + "\"sequence_gaps\":[{\"apid\":100,\"after\":7,\"before\":9,\"missing\":1}]}");
    JsonNode tc = api.ok(api.get("/api/v1/passes/" + pass + "/time-correlation"), 200);
    assertThat(tc.path("samples").asInt()).isEqualTo(42);
    assertThat(tc.path("offset_seconds").asDouble()).isEqualTo(1.5);
    assertThat(tc.path("drift_ppm").asDouble()).isEqualTo(-3.25);
    assertThat(tc.path("epoch").asText()).isEqualTo(AOS.toString());
    JsonNode report = api.ok(api.get("/api/v1/passes/" + pass + "/report"), 200);
    assertThat(report.path("generated_at").asText()).isEqualTo(AOS.plusSeconds(600).toString());
    assertThat(report.at("/report/telemetry_by_apid/100").asInt()).isEqualTo(2);
    assertThat(report.at("/report/sequence_gaps/0/missing").asInt()).isEqualTo(1);
  }

  @Test
  void theStreamSendsEventsAndPacketsInIdOrderResumesAfterLastEventIdAndEndsWithThePass()
      throws Exception {
    long pass = pass("executing");
    long a = event(pass, "s-1", 0, "phase", null);
    long b = packet(pass, "tc", 100, 1, 1);
    long c = packet(pass, "tm", 100, 2, 2);
    ApiClient api = viewer();
    String path = "/api/v1/passes/" + pass + "/stream";
    ApiClient.SseStream live = api.sse(path, null);
    await(() -> live.events().size() >= 3, "the first three records");
    long d = event(pass, "s-2", 3, "action_ended", "ping");
    long e = packet(pass, "tm", 101, 3, 4);
    await(() -> live.events().size() >= 5, "the records written while following");
    assertThat(live.ended()).isNotDone();
    jdbc.update("update passes set status = 'success', phase = 'done' where id = ?", pass);
    assertThat(live.ended().get(10, TimeUnit.SECONDS)).isEqualTo(200);

    List<ApiClient.SseEvent> got = live.events();
    assertThat(got.subList(0, 5).stream().map(s -> Long.parseLong(s.id())).toList())
        .containsExactly(a, b, c, d, e);
    assertThat(got.subList(0, 5).stream().map(ApiClient.SseEvent::name).toList())
        .containsExactly("pass-event", "packet", "packet", "pass-event", "packet");
    assertThat(JSON.readTree(got.get(1).data()).path("direction").asText()).isEqualTo("tc");
    assertThat(JSON.readTree(got.get(3).data()).path("type").asText()).isEqualTo("action_ended");
    assertThat(got).hasSize(6);
    assertThat(got.get(5).name()).isEqualTo("end");
    assertThat(JSON.readTree(got.get(5).data()).path("status").asText()).isEqualTo("success");

    // A client that lost the line after b reconnects with its last id: c, d, e and the end.
    ApiClient.SseStream resumed = api.sse(path, Long.toString(b));
    assertThat(resumed.ended().get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(resumed.events().stream().map(ApiClient.SseEvent::id).toList())
        .containsExactly(Long.toString(c), Long.toString(d), Long.toString(e), null);
    // ?after= does the same for a client that cannot set headers.
    ApiClient.SseStream after = api.sse(path + "?after=" + d, null);
    assertThat(after.ended().get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(after.events().get(0).id()).isEqualTo(Long.toString(e));
  }

  @Test
  void aStreamOfAnUnknownPassIs404AndABadLastEventIdIs400() throws Exception {
    long pass = pass("executing");
    String token = viewer().token();
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> unknown =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/passes/999999/stream"))
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/passes/" + pass + "/stream"))
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token)
                .header("Last-Event-ID", "yesterday")
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("Last-Event-ID");
  }

  @Test
  void theActionLogListsAcceptedAndRejectedActionsAndAnEndedPassHasItsStoredState() {
    long pass = pass("success");
    jdbc.update(
        "insert into scheduled_pass_actions (pass_id, operator, kind, node_id, payload, outcome,"
            + " action_key) values (?, 'alice', 'skip', 'ping', '{\"branch\":false}', 'accepted',"
            + " 'skip-1')",
        pass);
    jdbc.update(
        "insert into scheduled_pass_actions (pass_id, operator, kind, node_id, payload, outcome,"
            + " rejection_reason, action_key) values (?, 'bob', 'rerun', 'ping', '{}', 'rejected',"
            + " 'node ''ping'' is running', 'rerun-1')",
        pass);
    jdbc.update(
        "insert into pass_reports (pass_id, generated_at, report) values (?, now(), ?::jsonb)",
        pass,
        "{\"nodes\":[{\"node_id\":\"ping\",\"status\":\"skipped\",\"skip_requested\":true,"
            + "\"runs\":0}]}");
    ApiClient api = viewer();
    JsonNode actions = api.ok(api.get("/api/v1/passes/" + pass + "/actions"), 200);
    assertThat(actions.path("items")).hasSize(2);
    assertThat(actions.at("/items/0/outcome").asText()).isEqualTo("accepted");
    assertThat(actions.at("/items/0/operator").asText()).isEqualTo("alice");
    assertThat(actions.at("/items/0/payload/branch").asBoolean()).isFalse();
    assertThat(actions.at("/items/1/outcome").asText()).isEqualTo("rejected");
    assertThat(actions.at("/items/1/rejection_reason").asText())
        .isEqualTo("node 'ping' is running");

    JsonNode state = api.ok(api.get("/api/v1/passes/" + pass + "/state"), 200);
    assertThat(state.path("source").asText()).isEqualTo("database");
    assertThat(state.path("status").asText()).isEqualTo("success");
    assertThat(state.at("/nodes/0/node_id").asText()).isEqualTo("ping");
    assertThat(state.at("/nodes/0/status").asText()).isEqualTo("skipped");
    assertThat(state.at("/procedure/nodes/0/id").asText()).isEqualTo("ping");
  }

  @Test
  void aViewerAndAPassOperatorReadWhileNoTokenIs401AndAnotherFlowsRoleIs403() {
    long pass = pass("executing");
    event(pass, "r-1", 0, "phase", null);
    List<String> reads =
        List.of(
            "/events",
            "/packets",
            "/actions",
            "/state",
            "/report",
            "/time-correlation",
            "/events?type=phase");
    ApiClient anonymous = new ApiClient(port).anonymous();
    ApiClient venue = new ApiClient(port).as("it-venue");
    ApiClient operator = new ApiClient(port).as("it-pass");
    for (String read : reads) {
      String path = "/api/v1/passes/" + pass + read;
      assertThat(anonymous.get(path).status()).as(path).isEqualTo(401);
      assertThat(venue.get(path).status()).as(path).isEqualTo(403);
      assertThat(viewer().get(path).status()).as(path).isNotIn(401, 403);
      assertThat(operator.get(path).status()).as(path).isNotIn(401, 403);
    }
    // A viewer reads but never operates.
    assertThat(viewer().post("/api/v1/passes/" + pass + "/pause", "{}").status()).isEqualTo(403);
    assertThat(viewer().delete("/api/v1/passes/" + pass + "/nodes/ping").status()).isEqualTo(403);
  }

  private static void assertField(ApiClient.Answer answer, String field) {
    assertThat(answer.status()).as(answer.toString()).isEqualTo(400);
    assertThat(answer.body().path("field").asText()).as(answer.toString()).isEqualTo(field);
  }

  private static List<Long> ids(JsonNode page) {
    return java.util.stream.StreamSupport.stream(page.path("items").spliterator(), false)
        .map(n -> n.path("id").asLong())
        .toList();
  }

  private static void await(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never got " + what);
      }
      Thread.sleep(50);
    }
  }
}
