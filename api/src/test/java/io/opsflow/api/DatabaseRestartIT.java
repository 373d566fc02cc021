package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opsflow.api.CampaignProcesses.Role;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL restarted twice under a bounded load loop on loopback; nothing accepted is lost.
 *
 * <p>The deployment of {@link CampaignProcesses} (Temporal dev server, a lasting PostgreSQL
 * cluster, the API and the orchestration, devices and CI runner worker pools, each its own process)
 * takes a paced load: a fixed number of clients per flow send the flow's start route (session start
 * on its own console, pass create, build start, device create) and a few reads, each flow at most
 * {@code requests} times, spread over {@code seconds}. During the loop PostgreSQL is restarted
 * twice at seeded points, with seeded pauses: once with a fast shutdown ({@code pg_ctl stop -m
 * fast}, then started again: {@code pg_ctl restart -m fast}), once with SIGKILL of the postmaster,
 * then started again (crash recovery).
 *
 * <p>Then: every start the API accepted (201) has its rows and its workflow reaches its state
 * (session ACTIVE and running, pass reserved and running, build SUCCEEDED, device online); every
 * refused request was answered 503 with {@code Retry-After} and a JSON {@code detail} naming the
 * database, within {@link #REFUSAL_BOUND} (no 500, no hang), and no request took more than {@link
 * #BOUND}; no start is stored twice (rows per natural key: a console's sessions, a satellite name's
 * passes, a build's jobs, a device's certificates, licenses and addresses) and no refused start was
 * stored anyway; activities that met the outage were retried and completed (history events with
 * attempt > 1, counted per flow); no process logged an uncaught exception or ran out of memory. A
 * table per flow is printed.
 *
 * <p>Whether a start of the loop is inside an activity at the instant PostgreSQL goes away is
 * timing; one activity per outage is made certain to be (a {@link Probe}): an operator's reschedule
 * whose replan waits on a row lock the test holds when the server stops. It must answer 200 once
 * PostgreSQL is back, with the pass rescheduled and the replan completed on a later attempt.
 *
 * <p>Short form in {@code mvn verify} (45 s, 40 starts per flow); the longer form: {@code
 * -Dopsflow.dbrestart.seconds=90 -Dopsflow.dbrestart.requests=150 -Dopsflow.dbrestart.clients=6}
 * and any {@code -Dopsflow.dbrestart.seed}.
 */
class DatabaseRestartIT {

  static final long SEED = Long.getLong("opsflow.dbrestart.seed", 20261204L);
  static final int SECONDS = Integer.getInteger("opsflow.dbrestart.seconds", 45);
  static final int REQUESTS = Integer.getInteger("opsflow.dbrestart.requests", 40);
  static final int CLIENTS = Integer.getInteger("opsflow.dbrestart.clients", 4);

  /**
   * Whether a session start that the session workflow gave up because of the outage fails the test
   * (by default it does). This run found that the workflow's local row writes were never retried
   * (the SDK does not retry a local activity without a maximum of attempts or a schedule-to-close
   * timeout), so a restart answered 409 "Station is not available"; they are retried now, the
   * reservation for up to {@code SessionWorkflowImpl.RESERVE_TIMEOUT}. {@code
   * -Dopsflow.dbrestart.strictSessions=false} only counts such starts, for outages made longer than
   * that on purpose.
   */
  static final boolean STRICT_SESSIONS =
      Boolean.parseBoolean(System.getProperty("opsflow.dbrestart.strictSessions", "true"));

  /**
   * Longest a refusal may take: the API waits for a connection at most 5 s ({@code
   * spring.datasource.hikari.connection-timeout}); a request may wait so twice (a read, then the
   * transaction) with margin for a loaded machine.
   */
  static final Duration REFUSAL_BOUND = Duration.ofSeconds(15);

  /**
   * Longest any request may take: a start accepted while PostgreSQL restarts waits for its first
   * activities (retried through the outage) up to the API's own 60 s call timeout, then reads its
   * row back for up to {@code ReadBack.PATIENCE} (20 s); a little margin for a loaded machine.
   */
  static final Duration BOUND = Duration.ofSeconds(90);

  static final Duration SETTLE = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  // Kept when the test fails: every process's log is in it.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path temp;

  /** One request of the loop: when it was sent and answered (nanoTime), and how. */
  record Outcome(
      String flow,
      int index,
      long sent,
      long answered,
      int status,
      String body,
      String retryAfter) {

    boolean accepted() {
      return status >= 200 && status < 300;
    }

    boolean refusedClearly() {
      return status == 503
          && retryAfter != null
          && body != null
          && body.contains("\"detail\"")
          && body.toLowerCase(Locale.ROOT).contains("database");
    }

    long millis() {
      return (answered - sent) / 1_000_000;
    }

    /** A session start the workflow gave up because the database was away (see STRICT_SESSIONS). */
    boolean sessionGaveUp() {
      return flow.equals("sessions")
          && body != null
          && ((status == 409 && body.contains("Station is not available:"))
              || (status == 503 && body.contains("Station could not be started:")))
          && (body.contains("TIMEOUT_TYPE")
              || body.contains("FATAL")
              || body.contains("I/O error")
              || body.contains("onnection"));
    }

    /** Accepted, clearly refused, or (unless strict) a known session give-up. */
    boolean expected() {
      return accepted() || refusedClearly() || (!STRICT_SESSIONS && sessionGaveUp());
    }
  }

  /** Session rows left by starts the workflow gave up (see STRICT_SESSIONS). */
  private long sessionRowsLeftByGiveUps;

  /** A window with PostgreSQL down: from the stop or kill until it accepted connections again. */
  record Outage(String how, long down, long up) {}

  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @Test
  void startsAcceptedWhilePostgresRestartsAreNeverLostAndRefusedOnesAreA503() throws Exception {
    Random random = new Random(SEED);
    String run = "dbr" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    System.out.printf("database restart under load: process logs in %s%n", temp);
    System.out.printf(
        "database restart under load: seed %d, %d s, %d requests per flow, %d clients per flow%n",
        SEED, SECONDS, REQUESTS, CLIENTS);
    List<Outage> outages = new ArrayList<>();
    try (CampaignProcesses deployment = new CampaignProcesses(temp);
        ShellyPlugSimulator plugA = ShellyPlugSimulator.start();
        ShellyPlugSimulator plugB = ShellyPlugSimulator.start()) {
      for (Role role : List.of(Role.ENGINE, Role.POSTGRES, Role.API)) {
        deployment.start(role);
      }
      deployment.startWorkerPoolsInOneProcess();
      ApiClient admin = new ApiClient(deployment.apiPort());
      ApiClient alice = admin.as("alice");
      ApiClient pki = admin.as("it-pki");
      long user = admin.user(run);
      long[] consoles = new long[REQUESTS];
      for (int i = 0; i < REQUESTS; i++) {
        consoles[i] = admin.console(run + "-console-" + i, (i % 2 == 0 ? plugA : plugB).baseUrl());
      }
      long station = admin.groundStation(run + "-gs", 10025);
      long pipeline = alice.pipeline(run, "jobs:\n  hello:\n    steps:\n      - run: echo hello\n");
      long tenant =
          pki.ok(
                  pki.post(
                      "/api/v1/tenants",
                      "{\"name\":\""
                          + run
                          + "\",\"mesh_cidr\":\"127.77.0.0/16\","
                          + "\"lighthouse_endpoint\":\"127.0.0.1:4242\"}"),
                  201)
              .path("id")
              .asLong();
      String key = JSON.writeValueAsString(CampaignProcesses.devicePublicKey(temp));
      Instant firstAos = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.MINUTES);

      Map<String, IntFunction<HttpRequest>> routes = new LinkedHashMap<>();
      routes.put(
          "sessions",
          i ->
              post(
                  admin,
                  "/api/v1/sessions/start",
                  "{\"station_id\":" + consoles[i] + ",\"duration\":60,\"user_id\":" + user + "}"));
      routes.put(
          "passes",
          i ->
              post(
                  admin,
                  "/api/v1/passes",
                  passJson(
                      satellite(run, i), station, firstAos.plus(Duration.ofMinutes(10L * i)))));
      routes.put("builds", i -> post(alice, "/api/v1/pipelines/" + pipeline + "/builds", "{}"));
      routes.put(
          "devices",
          i ->
              post(
                  pki,
                  "/api/v1/devices",
                  "{\"tenant_id\":"
                      + tenant
                      + ",\"name\":\""
                      + deviceName(i)
                      + "\",\"device_type\":\"drone\",\"groups\":[\"load\"],\"public_key\":"
                      + key
                      + "}"));
      routes.put(
          "reads",
          i ->
              switch (i % 3) {
                case 0 -> get(alice, "/api/v1/pipelines/" + pipeline);
                case 1 -> get(admin, "/api/v1/ground-stations/" + station);
                default -> get(pki, "/api/v1/tenants/" + tenant);
              });

      // One pass per outage, weeks after the loop's, for an operator's reschedule the outage meets.
      long[] probePasses = new long[2];
      for (int k = 0; k < probePasses.length; k++) {
        probePasses[k] =
            admin
                .ok(
                    admin.post(
                        "/api/v1/passes",
                        passJson(
                            run.toUpperCase(Locale.ROOT) + "-PROBE-" + k,
                            station,
                            firstAos.plus(Duration.ofDays(30 + k)))),
                    201)
                .path("id")
                .asLong();
      }
      List<Probe> probes = new ArrayList<>();

      // The restarts' seeded points and pauses, in the first and second half of the loop.
      long fastAt = SECONDS * 1000L / 5 + random.nextInt((int) (SECONDS * 1000L / 5));
      long fastPause = 1_500 + random.nextInt(2_500);
      long killAt = SECONDS * 1000L * 3 / 5 + random.nextInt((int) (SECONDS * 1000L / 5));
      long killPause = 1_500 + random.nextInt(2_500);
      System.out.printf(
          "restart plan: pg_ctl fast stop at %.1f s, start after %.1f s; SIGKILL at %.1f s, start"
              + " after %.1f s%n",
          fastAt / 1e3, fastPause / 1e3, killAt / 1e3, killPause / 1e3);

      long loopStart = System.nanoTime();
      long loopEnd = loopStart + Duration.ofSeconds(SECONDS).toNanos();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        for (var route : routes.entrySet()) {
          AtomicInteger next = new AtomicInteger();
          for (int c = 0; c < CLIENTS; c++) {
            clients.submit(() -> drive(route.getKey(), route.getValue(), next, loopStart, loopEnd));
          }
        }
        sleepUntil(loopStart + fastAt * 1_000_000);
        probes.add(Probe.hold(deployment, admin, probePasses[0], clients));
        long down = System.nanoTime();
        deployment.stopPostgresFast();
        probes.getLast().lockLost();
        Thread.sleep(fastPause);
        deployment.start(Role.POSTGRES);
        outages.add(new Outage("pg_ctl -m fast", down, System.nanoTime()));
        print(outages.getLast(), loopStart);
        sleepUntil(loopStart + killAt * 1_000_000);
        probes.add(Probe.hold(deployment, admin, probePasses[1], clients));
        down = System.nanoTime();
        deployment.kill(Role.POSTGRES);
        probes.getLast().lockLost();
        Thread.sleep(killPause);
        deployment.start(Role.POSTGRES);
        outages.add(new Outage("SIGKILL", down, System.nanoTime()));
        print(outages.getLast(), loopStart);
      }
      System.out.printf(
          "load loop ended after %.1f s, %d requests%n",
          (System.nanoTime() - loopStart) / 1e9, outcomes.size());

      Map<String, Tally> tallies = new LinkedHashMap<>();
      try (Connection db =
          DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres")) {
        WorkflowServiceStubs temporal =
            WorkflowServiceStubs.newServiceStubs(
                WorkflowServiceStubsOptions.newBuilder()
                    .setTarget(deployment.temporalTarget())
                    .build());
        try {
          tallies.put(
              "sessions",
              settle(
                  "sessions",
                  admin,
                  temporal,
                  "/api/v1/sessions/",
                  "session-",
                  s -> s.path("status").asText().equals("ACTIVE"),
                  WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
                  (accepted, refused) -> {
                    // Each console had one start: more than one session on it is a duplicate.
                    long dup = 0;
                    long phantom = 0;
                    for (int i = 0; i < REQUESTS; i++) {
                      long n =
                          count(
                              db,
                              "select count(*) from sessions where station_id = ?",
                              consoles[i]);
                      dup += Math.max(0, n - 1);
                      int index = i;
                      boolean gaveUp =
                          flowOutcomes("sessions").stream()
                              .anyMatch(o -> o.index() == index && o.sessionGaveUp());
                      if (gaveUp && !STRICT_SESSIONS) {
                        sessionRowsLeftByGiveUps += n;
                      } else if (refused.contains(i)) {
                        phantom += n;
                      }
                    }
                    return new long[] {dup, phantom};
                  }));
          tallies.put(
              "passes",
              settle(
                  "passes",
                  admin,
                  temporal,
                  "/api/v1/passes/",
                  "pass-",
                  p -> p.path("status").asText().equals("reserved"),
                  WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
                  (accepted, refused) -> {
                    long dup = 0;
                    long phantom = 0;
                    for (int i = 0; i < REQUESTS; i++) {
                      long n =
                          count(
                              db,
                              "select count(*) from passes where satellite = ?",
                              satellite(run, i));
                      dup += Math.max(0, n - 1);
                      if (refused.contains(i)) {
                        phantom += n;
                      }
                    }
                    return new long[] {dup, phantom};
                  }));
          tallies.put(
              "builds",
              settle(
                  "builds",
                  alice,
                  temporal,
                  "/api/v1/builds/",
                  "build-",
                  b -> b.path("status").asText().equals("SUCCEEDED"),
                  WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
                  (accepted, refused) -> {
                    // One job per build, build numbers unique per pipeline, no build unanswered.
                    long dup =
                        count(
                                db,
                                "select coalesce(sum(n - 1), 0) from (select count(*) n from"
                                    + " build_jobs j join builds b on b.id = j.build_id where"
                                    + " b.pipeline_id = ? group by j.build_id) x",
                                pipeline)
                            + count(
                                db,
                                "select count(*) - count(distinct number) from builds where"
                                    + " pipeline_id = ?",
                                pipeline);
                    long rows =
                        count(db, "select count(*) from builds where pipeline_id = ?", pipeline);
                    return new long[] {dup, Math.max(0, rows - accepted.size())};
                  }));
          tallies.put(
              "devices",
              settle(
                  "devices",
                  pki,
                  temporal,
                  "/api/v1/devices/",
                  "device-",
                  d -> d.path("status").asText().equals("online"),
                  null,
                  (accepted, refused) -> {
                    long dup = 0;
                    for (long id : accepted.values()) {
                      for (String table :
                          List.of(
                              "device_certificates where",
                              "licenses where status = 'active' and",
                              "vpn_endpoints where released_at is null and")) {
                        long n = count(db, "select count(*) from " + table + " device_id = ?", id);
                        dup += Math.max(0, n - 1);
                      }
                    }
                    long phantom = 0;
                    for (int i : refused) {
                      phantom +=
                          count(
                              db,
                              "select count(*) from devices where tenant_id = "
                                  + tenant
                                  + " and name = ?",
                              deviceName(i));
                    }
                    return new long[] {dup, phantom};
                  }));
          tallies.put("reads", readTally());
          for (int k = 0; k < probes.size(); k++) {
            Probe probe = probes.get(k);
            ApiClient.Answer answer = probe.answer().get(BOUND.toSeconds() + 30, TimeUnit.SECONDS);
            JsonNode pass =
                admin.await(
                    "/api/v1/passes/" + probe.pass(),
                    p -> p.path("lead_time_seconds").asInt() == Probe.LEAD_TIME,
                    SETTLE);
            long retried =
                retriedActivities(
                    temporal,
                    "default",
                    WorkflowExecution.newBuilder().setWorkflowId("pass-" + probe.pass()).build());
            System.out.printf(
                "outage %d: the reschedule of pass %d held by its row lock when PostgreSQL went"
                    + " away answered %d after %.1f s; lead time %d, version %d; activities"
                    + " retried: %d%n",
                k + 1,
                probe.pass(),
                answer.status(),
                (probe.answered() - probe.sent()) / 1e9,
                pass.path("lead_time_seconds").asInt(),
                pass.path("version").asInt(),
                retried);
            assertThat(answer.status())
                .as("the reschedule met by outage %d: %s", k + 1, answer.body())
                .isEqualTo(200);
            assertThat(retried)
                .as("the replan activity met outage %d and was retried to completion", k + 1)
                .isPositive();
          }
        } finally {
          temporal.shutdownNow();
        }
      }
      printTable(tallies, outages, loopStart);

      List<Outcome> unclear = outcomes.stream().filter(o -> !o.expected()).toList();
      assertThat(unclear)
          .as("every request is accepted or refused with 503 + Retry-After naming the database")
          .isEmpty();
      assertThat(outcomes)
          .as("no request took longer than %s", BOUND)
          .allSatisfy(o -> assertThat(o.millis()).isLessThanOrEqualTo(BOUND.toMillis()));
      assertThat(outcomes.stream().filter(Outcome::refusedClearly))
          .as("refusals come within %s", REFUSAL_BOUND)
          .allSatisfy(o -> assertThat(o.millis()).isLessThanOrEqualTo(REFUSAL_BOUND.toMillis()));
      assertThat(tallies.values())
          .allSatisfy(
              t -> {
                assertThat(t.lost()).as("%s lost", t.flow()).isZero();
                assertThat(t.duplicated()).as("%s duplicated", t.flow()).isZero();
                assertThat(t.phantom()).as("%s refused but stored", t.flow()).isZero();
              });
      assertThat(tallies.values().stream().mapToLong(Tally::accepted).sum()).isPositive();
      assertThat(tallies.values().stream().mapToLong(Tally::refused).sum())
          .as("the outages were seen by the API")
          .isPositive();
      assertThat(deployment.fatalLines()).isEmpty();
    }
  }

  /**
   * An operator's reschedule that an outage is certain to meet: the test holds the pass's row lock
   * (its own transaction, {@code select ... for update}) and sends the reschedule through the API;
   * once the workflow's replan activity waits on that lock (seen in {@code pg_stat_activity}),
   * PostgreSQL goes away under it. The activity's connection dies with the server, so it must be
   * retried once PostgreSQL is back, and the operator's answer comes after.
   */
  record Probe(
      long pass,
      long sent,
      Connection lock,
      CompletableFuture<ApiClient.Answer> answer,
      AtomicLong answeredAt) {

    static final int LEAD_TIME = 180;

    static Probe hold(
        CampaignProcesses deployment, ApiClient operator, long pass, ExecutorService threads)
        throws Exception {
      Connection lock = DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres");
      lock.setAutoCommit(false);
      int lockPid;
      try (var statement = lock.createStatement()) {
        statement.execute("select id from passes where id = " + pass + " for update");
        try (ResultSet pid = statement.executeQuery("select pg_backend_pid()")) {
          pid.next();
          lockPid = pid.getInt(1);
        }
      }
      long sent = System.nanoTime();
      AtomicLong answeredAt = new AtomicLong();
      CompletableFuture<ApiClient.Answer> answer =
          CompletableFuture.supplyAsync(
              () -> {
                ApiClient.Answer a =
                    operator.put(
                        "/api/v1/passes/" + pass, "{\"lead_time_seconds\":" + LEAD_TIME + "}");
                answeredAt.set(System.nanoTime());
                return a;
              },
              threads);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      try (Connection look =
          DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres")) {
        while (count(
                look,
                "select count(*) from pg_stat_activity where ? = any(pg_blocking_pids(pid))",
                lockPid)
            == 0) {
          if (answer.isDone() || System.nanoTime() > deadline) {
            throw new AssertionError(
                "the replan of pass "
                    + pass
                    + " never waited on the test's row lock; the API answered "
                    + (answer.isDone() ? answer.join() : "nothing"));
          }
          Thread.sleep(50);
        }
      }
      return new Probe(pass, sent, lock, answer, answeredAt);
    }

    /** The server is gone: so is the lock's session. */
    void lockLost() {
      try {
        lock.close();
      } catch (SQLException e) {
        // The connection died with the server: nothing to release.
      }
    }

    long answered() {
      return answeredAt.get();
    }
  }

  private static String passJson(String satellite, long station, Instant aos) {
    return String.format(
        Locale.ROOT,
        "{\"satellite\":\"%s\",\"ground_station_id\":%d,\"aos\":\"%s\",\"los\":\"%s\","
            + "\"lead_time_seconds\":120,\"parameters\":{\"band\":\"S\"},"
            + "\"procedure\":{\"nodes\":[{\"id\":\"hold\",\"type\":\"delay\","
            + "\"parameters\":{\"duration_seconds\":1}}],\"links\":[]}}",
        satellite,
        station,
        aos,
        aos.plus(Duration.ofMinutes(8)));
  }

  // ---- the loop --------------------------------------------------------------------------------

  /**
   * One client of a flow: takes the flow's next index, waits for its slot (request {@code i} of
   * {@link #REQUESTS} is due at {@code i / REQUESTS} of the loop, so the load covers both
   * restarts), sends it and records the answer.
   */
  private Void drive(
      String flow, IntFunction<HttpRequest> route, AtomicInteger next, long start, long end)
      throws InterruptedException {
    long slot = (end - start) / REQUESTS;
    for (int i = next.getAndIncrement(); i < REQUESTS; i = next.getAndIncrement()) {
      sleepUntil(start + slot * i);
      if (System.nanoTime() > end) {
        return null;
      }
      HttpRequest request = route.apply(i);
      long sent = System.nanoTime();
      try {
        HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
        outcomes.add(
            new Outcome(
                flow,
                i,
                sent,
                System.nanoTime(),
                answer.statusCode(),
                answer.body(),
                answer.headers().firstValue("Retry-After").orElse(null)));
      } catch (HttpTimeoutException e) {
        outcomes.add(new Outcome(flow, i, sent, System.nanoTime(), -1, e.toString(), null));
      } catch (IOException e) {
        outcomes.add(new Outcome(flow, i, sent, System.nanoTime(), -2, e.toString(), null));
      }
    }
    return null;
  }

  private static HttpRequest post(ApiClient client, String path, String json) {
    return request(client, path).POST(HttpRequest.BodyPublishers.ofString(json)).build();
  }

  private static HttpRequest get(ApiClient client, String path) {
    return request(client, path).GET().build();
  }

  private static HttpRequest.Builder request(ApiClient client, String path) {
    // The token is fetched before the loop (and kept by ApiClient): the issuer is not measured.
    return HttpRequest.newBuilder(URI.create(client.base() + path))
        .timeout(BOUND.plusSeconds(5))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + client.token());
  }

  private static String satellite(String run, int i) {
    return run.toUpperCase(Locale.ROOT) + "-" + i;
  }

  private static String deviceName(int i) {
    return "drone-" + i;
  }

  // ---- afterwards ------------------------------------------------------------------------------

  /** What became of one flow's starts. */
  record Tally(
      String flow,
      int requests,
      long accepted,
      long refused,
      long lost,
      long duplicated,
      long phantom,
      long retried,
      String detail) {}

  /** Duplicates and refused-but-stored rows of a flow: {accepted index -> id, refused indexes}. */
  interface Storage {
    long[] count(Map<Integer, Long> accepted, Set<Integer> refused) throws Exception;
  }

  /**
   * Waits (up to {@link #SETTLE}) until every accepted start reads as expected through the API and
   * its workflow has the expected status; counts the activities completed after retries.
   */
  private Tally settle(
      String flow,
      ApiClient api,
      WorkflowServiceStubs temporal,
      String path,
      String workflowPrefix,
      Predicate<JsonNode> expected,
      WorkflowExecutionStatus workflowStatus,
      Storage storage)
      throws Exception {
    Map<Integer, Long> accepted = new HashMap<>();
    Set<Integer> refused = new HashSet<>();
    for (Outcome o : flowOutcomes(flow)) {
      if (o.accepted()) {
        accepted.put(o.index(), JSON.readTree(o.body()).path("id").asLong());
      } else {
        refused.add(o.index());
      }
    }
    long deadline = System.nanoTime() + SETTLE.toNanos();
    Set<Long> pending = new HashSet<>(accepted.values());
    Map<Long, String> last = new HashMap<>();
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      for (Long id : List.copyOf(pending)) {
        ApiClient.Answer answer = api.get(path + id);
        last.put(id, answer.status() + " " + answer.body().path("status").asText());
        if (answer.status() == 200 && expected.test(answer.body())) {
          pending.remove(id);
        }
      }
      if (!pending.isEmpty()) {
        Thread.sleep(1_000);
      }
    }
    long lost = pending.size();
    long retried = 0;
    String namespace = "default";
    for (long id : accepted.values()) {
      WorkflowExecution execution =
          WorkflowExecution.newBuilder().setWorkflowId(workflowPrefix + id).build();
      if (workflowStatus != null) {
        WorkflowExecutionStatus status =
            temporal
                .blockingStub()
                .describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(namespace)
                        .setExecution(execution)
                        .build())
                .getWorkflowExecutionInfo()
                .getStatus();
        if (status != workflowStatus && !pending.contains(id)) {
          lost++;
          last.put(id, "workflow " + status);
        }
      }
      retried += retriedActivities(temporal, namespace, execution);
    }
    long[] stored = storage.count(accepted, refused);
    List<Outcome> all = flowOutcomes(flow);
    String detail =
        pending.isEmpty()
            ? "every accepted start "
                + (workflowStatus == null ? "" : "and workflow ")
                + "as expected"
            : "not as expected: "
                + pending.stream().limit(5).map(id -> id + " (" + last.get(id) + ")").toList();
    return new Tally(
        flow,
        all.size(),
        accepted.size(),
        all.stream().filter(Outcome::refusedClearly).count(),
        lost,
        stored[0],
        stored[1],
        retried,
        detail);
  }

  private Tally readTally() {
    List<Outcome> all = flowOutcomes("reads");
    return new Tally(
        "reads",
        all.size(),
        all.stream().filter(Outcome::accepted).count(),
        all.stream().filter(Outcome::refusedClearly).count(),
        0,
        0,
        0,
        0,
        "GET pipeline, ground station, tenant");
  }

  /**
   * Activities of the execution's history retried after a failure (here: the database going away):
   * activities that completed on an attempt after the first, and local activities (the session's
   * row writes) whose failed attempt was recorded before the next one (a marker with a failure: the
   * backoff outgrew the local retry threshold and went on a durable timer). The flows' checks above
   * show each of them completed in the end.
   */
  private static long retriedActivities(
      WorkflowServiceStubs temporal, String namespace, WorkflowExecution execution) {
    Map<Long, Integer> attempts = new HashMap<>();
    long retried = 0;
    ByteString page = ByteString.EMPTY;
    do {
      GetWorkflowExecutionHistoryResponse history =
          temporal
              .blockingStub()
              .getWorkflowExecutionHistory(
                  GetWorkflowExecutionHistoryRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(execution)
                      .setNextPageToken(page)
                      .build());
      for (HistoryEvent e : history.getHistory().getEventsList()) {
        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          attempts.put(
              e.getActivityTaskStartedEventAttributes().getScheduledEventId(),
              e.getActivityTaskStartedEventAttributes().getAttempt());
        } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            && attempts.getOrDefault(
                    e.getActivityTaskCompletedEventAttributes().getScheduledEventId(), 1)
                > 1) {
          retried++;
        } else if (e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED
            && e.getMarkerRecordedEventAttributes().getMarkerName().equals("LocalActivity")
            && e.getMarkerRecordedEventAttributes().hasFailure()) {
          retried++;
        }
      }
      page = history.getNextPageToken();
    } while (!page.isEmpty());
    return retried;
  }

  private List<Outcome> flowOutcomes(String flow) {
    return outcomes.stream().filter(o -> o.flow().equals(flow)).toList();
  }

  private static long count(Connection db, String sql, Object parameter) throws Exception {
    try (PreparedStatement s = db.prepareStatement(sql)) {
      s.setObject(1, parameter);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  // ---- output ----------------------------------------------------------------------------------

  private void printTable(Map<String, Tally> tallies, List<Outage> outages, long loopStart) {
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%nPostgreSQL restarted under load (seed %d, %d s, %d requests per flow, %d"
                    + " clients per flow)%n",
                SEED,
                SECONDS,
                REQUESTS,
                CLIENTS));
    for (Outage o : outages) {
      out.append(
          String.format(
              Locale.ROOT,
              "  %-15s down at %5.1f s, accepting connections again at %5.1f s (%.1f s)%n",
              o.how(),
              (o.down() - loopStart) / 1e9,
              (o.up() - loopStart) / 1e9,
              (o.up() - o.down()) / 1e9));
    }
    String format = "%-9s %8s %8s %12s %5s %10s %8s %8s %16s %24s%n";
    out.append(
        String.format(
            format,
            "flow",
            "requests",
            "accepted",
            "refused(503)",
            "lost",
            "duplicated",
            "phantom",
            "retried",
            "max ms in outage",
            "first success after (ms)"));
    for (Tally t : tallies.values()) {
      List<Outcome> all = flowOutcomes(t.flow());
      long maxInOutage = 0;
      List<String> back = new ArrayList<>();
      for (Outage o : outages) {
        for (Outcome r : all) {
          if (r.sent() <= o.up() && r.answered() >= o.down()) {
            maxInOutage = Math.max(maxInOutage, r.millis());
          }
        }
        back.add(
            all.stream()
                .filter(r -> r.accepted() && r.answered() >= o.up())
                .mapToLong(r -> (r.answered() - o.up()) / 1_000_000)
                .min()
                .stream()
                .mapToObj(Long::toString)
                .findFirst()
                .orElse("none"));
      }
      out.append(
          String.format(
              format,
              t.flow(),
              t.requests(),
              t.accepted(),
              t.refused(),
              t.lost(),
              t.duplicated(),
              t.phantom(),
              t.retried(),
              maxInOutage,
              String.join(" / ", back)));
    }
    out.append(
        "refused: 503 with Retry-After and a detail naming the database; phantom: refused but"
            + " stored anyway; retried: activities completed on an attempt > 1 (Temporal"
            + " history); max ms: slowest request overlapping an outage; first success: first"
            + " accepted answer after PostgreSQL accepted connections again (fast / SIGKILL)\n");
    for (Tally t : tallies.values()) {
      out.append("  ").append(t.flow()).append(": ").append(t.detail()).append('\n');
    }
    long gaveUp = outcomes.stream().filter(Outcome::sessionGaveUp).count();
    out.append(
        String.format(
            Locale.ROOT,
            "session starts the workflow gave up on the outage (%s): %d, their rows left: %d%n",
            STRICT_SESSIONS ? "each fails the test" : "counted, not failing",
            gaveUp,
            sessionRowsLeftByGiveUps));
    outcomes.stream()
        .filter(Outcome::sessionGaveUp)
        .limit(3)
        .forEach(
            o ->
                out.append("  e.g. ").append(o.status()).append(' ').append(o.body()).append('\n'));
    Map<String, Long> other = new LinkedHashMap<>();
    for (Outcome o : outcomes) {
      if (!o.accepted() && !o.refusedClearly()) {
        other.merge(o.flow() + " " + o.status(), 1L, Long::sum);
      }
    }
    if (!other.isEmpty()) {
      out.append("other answers: ").append(other).append('\n');
      outcomes.stream()
          .filter(o -> !o.accepted() && !o.refusedClearly())
          .limit(5)
          .forEach(o -> out.append("  e.g. ").append(o).append('\n'));
    }
    outcomes.stream()
        .filter(Outcome::refusedClearly)
        .findFirst()
        .ifPresent(o -> out.append("a refusal: ").append(o.body()).append('\n'));
    System.out.println(out);
  }

  private static void print(Outage o, long loopStart) {
    System.out.printf(
        "PostgreSQL %s: down at %.1f s, back at %.1f s%n",
        o.how(), (o.down() - loopStart) / 1e9, (o.up() - loopStart) / 1e9);
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(Duration.ofNanos(wait));
    }
  }
}
