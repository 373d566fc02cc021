/*
 * Run from the worktree root (JDK 21+), no `mvn install` needed:
 *
 *   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 *   export OPSFLOW_TEMPORAL_CLI=/opt/opsflow-temporal-cli/bin/temporal
 *   mvn -B -ntp -o -q compile dependency:build-classpath -pl benchmarks -am \
 *       -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
 *   CPP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
 *   $JAVA_HOME/bin/java -Xmx2g -cp "$CPP" io.opsflow.benchmarks.FlowStartLoadBenchmark
 *
 * The application all-in-one as the embedded default runs it: the real `temporal server
 * start-dev` (temporal.db in a temporary data directory; needs the Temporal CLI:
 * OPSFLOW_TEMPORAL_CLI or `temporal` on PATH), the embedded PostgreSQL, HTTP on 127.0.0.1, CI
 * jobs on the local runner. Every request goes to 127.0.0.1; the consoles' plugs are Shelly plug
 * simulators on 127.0.0.1, the device mesh is 127.79.0.0/16 (its connectivity probes ping
 * loopback), the ground station is never contacted (its passes are days away).
 *
 * Options (-D...):
 *   bench.requests=500        measured requests per flow (a closed loop: each worker sends its next
 *                             request when the previous one is answered)
 *   bench.concurrency=16      workers (virtual threads), i.e. requests in flight
 *   bench.warmup=20           requests per flow first, not reported (0 = none)
 *   bench.floorWarmup=500     the same for the floor routes (cheap: their code paths need more
 *                             calls before the JIT has compiled them)
 *   bench.capSeconds=420      hard time cap of one flow's loop: no request is sent after it (each
 *                             request also has a 60 s timeout)
 *   bench.flows=floor,sessions,passes,builds,devices,workloads
 *                             which flows, in this order (the floors are measured again at the end;
 *                             workloads are not driven: it prints why, they need node agents on a
 *                             Docker engine, see WorkloadSchedulingBenchmark)
 *   bench.plugs=4             Shelly plug simulators the consoles' plug URLs point at
 *   bench.sessionMinutes=120  session duration (none ends during the run; they are stopped after
 *                             their flow, outside the measurement)
 *   bench.drainSeconds=300    how long to wait for the measured builds to finish before the next
 *                             flow (their jobs run on this machine)
 *   bench.appArgs="--a=b --c=d"  extra application arguments (whitespace-separated), e.g.
 *                             --opsflow.connectivity.interval=1h to see the devices' start without
 *                             their monitors' periodic probes
 *
 * Exit code: 0 every measured request answered as expected, 1 some did not or the run broke, 2 a
 * phase exceeded its time limit.
 */
package io.opsflow.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.sun.management.OperatingSystemMXBean;
import io.opsflow.api.OpsflowApplication;
import io.opsflow.benchmarks.Phases.PhaseTimeout;
import io.opsflow.docker.DockerConnections;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.opsflow.workers.embedded.EmbeddedInfrastructure;
import io.opsflow.workers.embedded.TemporalDevServer;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Bounded closed loops on loopback against each flow's start route through the real application:
 * throughput and latency per flow, with the app's heap and live threads after each flow and the CPU
 * the Temporal dev server, the app's JVM and PostgreSQL used during it; beside the same loop
 * against the HTTP + security floor ({@code GET /actuator/info} with a token, {@code GET
 * /actuator/health} without), so each start route reads as a multiple of the floor.
 */
public final class FlowStartLoadBenchmark {

  private static final String CLIENT = "loadbench";
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ALL_FLOWS =
      List.of("floor", "sessions", "passes", "builds", "devices", "workloads");

  private final int requests = Integer.getInteger("bench.requests", 500);
  private final int concurrency = Integer.getInteger("bench.concurrency", 16);
  private final int warmup = Integer.getInteger("bench.warmup", 20);
  private final int floorWarmup = Integer.getInteger("bench.floorWarmup", 500);
  private final Duration cap = Duration.ofSeconds(Integer.getInteger("bench.capSeconds", 420));
  private final List<String> flows =
      Arrays.stream(System.getProperty("bench.flows", String.join(",", ALL_FLOWS)).split(","))
          .map(String::trim)
          .filter(f -> !f.isEmpty())
          .toList();
  private final int plugCount = Integer.getInteger("bench.plugs", 4);
  private final int sessionMinutes = Integer.getInteger("bench.sessionMinutes", 120);
  private final Duration drainLimit =
      Duration.ofSeconds(Integer.getInteger("bench.drainSeconds", 300));
  private final List<String> appArgs =
      Arrays.stream(System.getProperty("bench.appArgs", "").trim().split("\\s+"))
          .filter(a -> !a.isEmpty())
          .toList();
  private final String run = "load" + Long.toString(System.currentTimeMillis(), 36);
  private final String secret = java.util.UUID.randomUUID().toString();
  private final Phases phases = new Phases();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private String base;
  private volatile String token;
  private JdbcTemplate jdbc;
  private CpuAccounting cpu;
  private WorkflowClient temporal;
  private final List<ShellyPlugSimulator> plugs = new ArrayList<>();

  /** One measured loop and what the application looked like after it. */
  private record Row(
      String flow,
      String route,
      Loop loop,
      double heapMib,
      long threads,
      CpuAccounting.Snapshot cpuBefore,
      CpuAccounting.Snapshot cpuAfter,
      String load,
      Work work) {

    /** The dev server's CPU per answered start, in milliseconds. */
    double engineMsPerOk() {
      return loop.ok() == 0 ? Double.NaN : engineSeconds() * 1000 / loop.ok();
    }

    double engineSeconds() {
      return ticks(cpuBefore.engine(), cpuAfter.engine());
    }

    double appSeconds() {
      return ticks(cpuBefore.jvm(), cpuAfter.jvm());
    }

    double postgresSeconds() {
      return ticks(cpuBefore.postgres(), cpuAfter.postgres());
    }

    private static double ticks(long a, long b) {
      return a < 0 || b < 0 ? Double.NaN : (b - a) / 100.0; // USER_HZ
    }
  }

  /**
   * The answers of one loop.
   *
   * @param ok answers with the expected status; their latencies are {@code latency}
   * @param errors answers with another status, and exceptions, by kind
   * @param notSent requests not sent because the time cap had passed
   * @param seconds first send to last answer
   * @param bodies the answers' bodies by request index, when kept
   */
  private record Loop(
      int requests,
      int ok,
      Map<String, Integer> errors,
      Map<String, String> firstErrorBodies,
      int notSent,
      double seconds,
      Percentiles latency,
      Percentiles firstTenth,
      Percentiles lastTenth,
      String[] bodies) {

    double okPerSecond() {
      return seconds > 0 ? ok / seconds : Double.NaN;
    }

    String errorSummary() {
      if (errors.isEmpty() && notSent == 0) {
        return "0";
      }
      StringBuilder s = new StringBuilder();
      errors.forEach((k, v) -> s.append(s.isEmpty() ? "" : ", ").append(k).append(": ").append(v));
      if (notSent > 0) {
        s.append(s.isEmpty() ? "" : ", ").append("not sent (cap): ").append(notSent);
      }
      return s.toString();
    }
  }

  /**
   * The workflow executions started during a measured loop, by type: how many, and their history
   * events at the end of the loop (described one by one: visibility's count can lag).
   */
  private record Work(Map<String, Integer> started, Map<String, Long> events, String problem) {

    long totalEvents() {
      return events.values().stream().mapToLong(Long::longValue).sum();
    }

    String describe() {
      if (problem != null) {
        return "n/a (" + problem + ")";
      }
      if (started.isEmpty()) {
        return "none";
      }
      StringBuilder s = new StringBuilder();
      started.forEach(
          (type, n) ->
              s.append(s.isEmpty() ? "" : ", ")
                  .append(n)
                  .append(' ')
                  .append(type)
                  .append(" (")
                  .append(events.get(type))
                  .append(" events)"));
      return s.toString();
    }
  }

  public static void main(String[] args) {
    int code;
    try {
      code = new FlowStartLoadBenchmark().run();
    } catch (PhaseTimeout e) {
      System.out.println("PHASE TIMEOUT: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      System.out.println("FAILED: " + e);
      e.printStackTrace(System.out);
      code = 1;
    }
    System.out.flush();
    // Library threads (gRPC, the simulators' executors) would keep the JVM alive.
    System.exit(code);
  }

  private int run() throws Exception {
    long began = System.nanoTime();
    for (String f : flows) {
      if (!ALL_FLOWS.contains(f)) {
        throw new IllegalArgumentException("bench.flows: unknown flow '" + f + "'");
      }
    }
    printMachine();
    for (int i = 0; i < plugCount; i++) {
      plugs.add(ShellyPlugSimulator.start());
    }
    Path dataDir = Files.createTempDirectory("opsflow-load-data-");
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx--x--x"));
    phases.begin(
        "start the application (embedded PostgreSQL + Temporal dev server)",
        Duration.ofSeconds(300));
    List<String> args =
        new ArrayList<>(
            List.of(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--opsflow.embedded.temporal.port=0",
                "--opsflow.embedded.temporal.engine=CLI",
                "--opsflow.embedded.ephemeral=false",
                "--opsflow.data-dir=" + dataDir,
                "--logging.level.root=WARN",
                "--spring.main.banner-mode=off",
                "--opsflow.task-queues.instance-id=load-benchmark",
                "--opsflow.builds.runner=local",
                "--opsflow.security.embedded.clients." + CLIENT + ".secret=" + secret,
                "--opsflow.security.embedded.clients."
                    + CLIENT
                    + ".roles=venue_operator,ci_user,pass_operator,pki_admin,scheduler_operator,"
                    + "viewer"));
    // Last: they win over the benchmark's own.
    args.addAll(appArgs);
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(OpsflowApplication.class).run(args.toArray(String[]::new));
    phases.end();
    List<Row> rows = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    int code = 0;
    try (context) {
      base = "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
      jdbc = context.getBean(JdbcTemplate.class);
      temporal = context.getBean(WorkflowClient.class);
      Object engine =
          context.containsBean(EmbeddedInfrastructure.TEMPORAL_BEAN)
              ? context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN)
              : null;
      if (!(engine instanceof TemporalDevServer dev)) {
        throw new IllegalStateException(
            "the engine is not the Temporal dev server (" + engine + "): set OPSFLOW_TEMPORAL_CLI");
      }
      cpu = new CpuAccounting(postgresPort(context), dev.pid().orElse(-1L));
      System.out.printf(
          "Temporal server: %s, a separate process (pid %s); app, workers and this load generator"
              + " in this JVM%n",
          dev.describe(), dev.pid().map(String::valueOf).orElse("?"));
      System.out.printf(
          "PostgreSQL: embedded %s; API at %s; %d Shelly plug simulators on 127.0.0.1%n",
          jdbc.queryForObject("show server_version", String.class), base, plugs.size());
      refreshToken();
      System.out.printf(
          "idle app after start-up: heap %.0f MiB after GC, %d live threads; load average %s%n",
          heapMib(), liveThreads(), Phases.loadAverage());
      for (String flow : flows) {
        switch (flow) {
          case "floor" -> floors(rows, "");
          case "sessions" -> sessions(rows, notes);
          case "passes" -> passes(rows);
          case "builds" -> builds(rows, notes);
          case "devices" -> devices(rows, notes);
          case "workloads" -> notes.add("workloads: " + workloadSkipReason());
          default -> throw new IllegalStateException(flow);
        }
      }
      if (flows.contains("floor") && flows.size() > 1) {
        floors(rows, " again");
      }
      printTable(rows, notes);
      for (Row r : rows) {
        if (r.loop().ok() != r.loop().requests()) {
          code = 1;
        }
      }
      phases.begin("close the application", Duration.ofSeconds(120));
    } finally {
      plugs.forEach(ShellyPlugSimulator::close);
    }
    phases.end();
    deleteTree(dataDir);
    System.out.printf(
        "%nTotal run time %s s; exit code %d%n",
        Phases.seconds(Duration.ofNanos(System.nanoTime() - began)), code);
    return code;
  }

  // --- flows ---------------------------------------------------------------------------------

  private void floors(List<Row> rows, String suffix) throws Exception {
    refreshToken();
    rows.add(
        measure(
            "floor" + suffix,
            "GET /actuator/info (token)",
            i -> get("/actuator/info", true),
            200,
            false,
            floorWarmup));
    rows.add(
        measure(
            "floor" + suffix,
            "GET /actuator/health (no token)",
            i -> get("/actuator/health", false),
            200,
            false,
            floorWarmup));
  }

  private void sessions(List<Row> rows, List<String> notes) throws Exception {
    refreshToken();
    int n = warmup + requests;
    long user =
        id(ok(send(post("/api/v1/users", "{\"name\":\"" + run + "-player\",\"balance\":0}")), 201));
    // One console per session: a console holds one session at a time.
    Loop stations =
        setup(
            "create " + n + " consoles",
            n,
            i ->
                post(
                    "/api/v1/stations",
                    String.format(
                        Locale.ROOT,
                        "{\"name\":\"%s-console-%04d\",\"type\":\"CONSOLE\",\"hourly_rate\":6.00,"
                            + "\"plug_url\":\"%s\"}",
                        run,
                        i,
                        plugs.get(i % plugs.size()).baseUrl())),
            201);
    long[] stationIds = ids(stations);
    Row row =
        measure(
            "sessions",
            "POST /api/v1/sessions/start",
            i ->
                post(
                    "/api/v1/sessions/start",
                    String.format(
                        Locale.ROOT,
                        "{\"station_id\":%d,\"duration\":%d,\"user_id\":%d}",
                        stationIds[i],
                        sessionMinutes,
                        user)),
            201,
            true);
    rows.add(row);
    Integer active =
        jdbc.queryForObject(
            "select count(*) from sessions where status = 'ACTIVE' and station_id = any(?::bigint[])",
            Integer.class,
            Infra.bigintArray(stationIds));
    int plugOn = (int) plugs.stream().filter(ShellyPlugSimulator::isOn).count();
    notes.add(
        String.format(
            "sessions: %d ACTIVE in PostgreSQL after the loop (warm-up included), %d of %d plugs on;"
                + " they are stopped now, outside the measurement",
            active == null ? 0 : active, plugOn, plugs.size()));
    List<Long> sessionIds = new ArrayList<>();
    jdbc.query(
        "select id from sessions where status = 'ACTIVE' and station_id = any(?::bigint[])",
        rs -> {
          sessionIds.add(rs.getLong(1));
        },
        Infra.bigintArray(stationIds));
    setup(
        "stop " + sessionIds.size() + " sessions",
        sessionIds.size(),
        i -> delete("/api/v1/sessions/" + sessionIds.get(i)),
        200);
    plugs.forEach(ShellyPlugSimulator::clearRequests);
  }

  private void passes(List<Row> rows) throws Exception {
    refreshToken();
    long station =
        id(
            ok(
                send(
                    post(
                        "/api/v1/ground-stations",
                        "{\"name\":\""
                            + run
                            + "-gs\",\"host\":\"127.0.0.1\",\"port\":10025,"
                            + "\"latitude\":78.23,\"longitude\":15.41,\"altitude\":500}")),
                201));
    // Windows of 8 min every 10 min from two days on: none overlaps, none launches in the run.
    Instant first = Instant.now().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.MINUTES);
    rows.add(
        measure(
            "passes",
            "POST /api/v1/passes",
            i -> {
              Instant aos = first.plus(Duration.ofMinutes(10L * i));
              return post(
                  "/api/v1/passes",
                  String.format(
                      Locale.ROOT,
                      "{\"satellite\":\"LOAD-%d\",\"ground_station_id\":%d,\"aos\":\"%s\","
                          + "\"los\":\"%s\",\"lead_time_seconds\":120,"
                          + "\"parameters\":{\"band\":\"S\"},"
                          + "\"procedure\":{\"nodes\":[{\"id\":\"hold\",\"type\":\"delay\","
                          + "\"parameters\":{\"duration_seconds\":1}}],\"links\":[]}}",
                      i % 10,
                      station,
                      aos,
                      aos.plus(Duration.ofMinutes(8))));
            },
            201,
            false));
  }

  private void builds(List<Row> rows, List<String> notes) throws Exception {
    refreshToken();
    String yaml = "name: load\njobs:\n  hello:\n    steps:\n      - run: echo hello\n";
    long pipeline =
        id(
            ok(
                send(
                    post(
                        "/api/v1/pipelines",
                        "{\"name\":\""
                            + run
                            + "-pipeline\",\"yaml\":"
                            + JSON.writeValueAsString(yaml)
                            + "}")),
                201));
    String route = "/api/v1/pipelines/" + pipeline + "/builds";
    rows.add(
        measure(
            "builds", "POST /api/v1/pipelines/{id}/builds", i -> post(route, "{}"), 201, false));
    // The start answer is QUEUED; the builds run on. Let them end before the next flow.
    phases.begin("builds of the loop run to their end (local runner)", drainLimit.plusSeconds(30));
    long drainStart = System.nanoTime();
    String sql =
        "select count(*) filter (where status in ('QUEUED', 'RUNNING')),"
            + " count(*) filter (where status = 'SUCCEEDED'), count(*) from builds"
            + " where pipeline_id = ?";
    long[] counts = buildCounts(sql, pipeline);
    while (counts[0] > 0 && System.nanoTime() - drainStart < drainLimit.toNanos()) {
      phases.sleep(Duration.ofMillis(500));
      counts = buildCounts(sql, pipeline);
    }
    Duration drained = phases.end();
    notes.add(
        String.format(
            "builds: %d started (warm-up included), %d SUCCEEDED, %d not finished, %d other,"
                + " %s s after the loop's last answer (the start route answers QUEUED; the local"
                + " runner's jobs run after it)",
            counts[2],
            counts[1],
            counts[0],
            counts[2] - counts[1] - counts[0],
            Phases.seconds(drained)));
  }

  private long[] buildCounts(String sql, long pipeline) {
    return jdbc.queryForObject(
        sql, (rs, n) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)}, pipeline);
  }

  private void devices(List<Row> rows, List<String> notes) throws Exception {
    refreshToken();
    long tenant =
        id(
            ok(
                send(
                    post(
                        "/api/v1/tenants",
                        "{\"name\":\""
                            + run
                            + "-mesh\",\"mesh_cidr\":\"127.79.0.0/16\","
                            + "\"lighthouse_endpoint\":\"127.0.0.1:4242\"}")),
                201));
    String publicKey = nebulaPublicKey();
    String key = publicKey == null ? "" : ",\"public_key\":" + JSON.writeValueAsString(publicKey);
    rows.add(
        measure(
            "devices",
            "POST /api/v1/devices",
            i ->
                post(
                    "/api/v1/devices",
                    String.format(
                        Locale.ROOT,
                        "{\"tenant_id\":%d,\"name\":\"drone-%04d\",\"device_type\":\"drone\","
                            + "\"groups\":[\"load\"]%s}",
                        tenant,
                        i,
                        key)),
            201,
            false));
    notes.add(
        "devices: "
            + (publicKey == null
                ? "registered without public_key (nebula-cert not found): enrollment-code path,"
                    + " no certificate signed in the start"
                : "registered with a public key (nebula-cert keygen): each start signs a Nebula"
                    + " certificate")
            + "; mesh 127.79.0.0/16 on loopback, so their connectivity monitors ping 127.79.x"
            + " from now on (background load in the rows after)");
  }

  /** Why the workload flow is not driven here. */
  private static String workloadSkipReason() {
    String host = DockerConnections.resolveHost(null);
    if (!DockerConnections.answers(host, Duration.ofSeconds(3))) {
      return "skipped: the Docker engine at "
          + host
          + " does not answer (scheduling needs node agents on a Docker engine with "
          + WorkloadStartRun.IMAGE
          + "; nothing is pulled)";
    }
    return "skipped: the engine answers, but this benchmark starts no node agents; the schedule"
        + " route's reply latency under load is WorkloadSchedulingBenchmark's first row";
  }

  // --- the loop ------------------------------------------------------------------------------

  /** Warm-up (not reported), then the measured loop with CPU, heap and threads around it. */
  private Row measure(
      String flow, String route, IntFunction<HttpRequest> request, int expected, boolean keep)
      throws Exception {
    return measure(flow, route, request, expected, keep, warmup);
  }

  private Row measure(
      String flow,
      String route,
      IntFunction<HttpRequest> request,
      int expected,
      boolean keep,
      int warmupRequests)
      throws Exception {
    phases.begin(
        flow + ": " + route + ", " + requests + " requests",
        cap.multipliedBy(2).plus(REQUEST_TIMEOUT.multipliedBy(2)));
    if (warmupRequests > 0) {
      Loop w = drive(0, warmupRequests, request, expected, false);
      phases.log(
          String.format(
              "warm-up: %d of %d ok, p50 %s ms",
              w.ok(), warmupRequests, Percentiles.ms(w.latency().p50())));
    }
    String loadBefore = Phases.loadAverage().split(" ")[0];
    Instant loopStart = Instant.now();
    CpuAccounting.Snapshot before = cpu.take();
    Loop loop = drive(warmupRequests, requests, request, expected, keep);
    CpuAccounting.Snapshot after = cpu.take();
    String load = loadBefore + " / " + Phases.loadAverage().split(" ")[0];
    Work work = workSince(loopStart);
    Row row = new Row(flow, route, loop, heapMib(), liveThreads(), before, after, load, work);
    phases.end();
    printRow(row);
    return row;
  }

  /** Unmeasured work done through the same loop (creating consoles, stopping sessions). */
  private Loop setup(String what, int n, IntFunction<HttpRequest> request, int expected)
      throws Exception {
    phases.begin("setup: " + what, cap.plus(REQUEST_TIMEOUT.multipliedBy(2)));
    Loop loop = drive(0, n, request, expected, true);
    phases.end();
    if (loop.ok() != n) {
      throw new IllegalStateException(
          what + ": " + loop.errorSummary() + "; first answers: " + loop.firstErrorBodies());
    }
    return loop;
  }

  /**
   * A closed loop: {@code concurrency} virtual threads take the next index of {@code from ..
   * from+n-1}, send its request and wait for the whole answer. Nothing is sent after the cap.
   */
  private Loop drive(int from, int n, IntFunction<HttpRequest> request, int expected, boolean keep)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger(0);
    double[] latency = new double[n];
    boolean[] ok = new boolean[n];
    String[] bodies = keep ? new String[n] : null;
    Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    Map<String, String> firstBodies = new ConcurrentHashMap<>();
    LongAdder notSent = new LongAdder();
    long[] lastAnswer = new long[concurrency];
    long deadline = System.nanoTime() + cap.toNanos();
    long start = System.nanoTime();
    try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int w = 0; w < concurrency; w++) {
        int worker = w;
        workers.submit(
            () -> {
              for (int k = next.getAndIncrement(); k < n; k = next.getAndIncrement()) {
                if (System.nanoTime() > deadline) {
                  notSent.increment();
                  continue;
                }
                HttpRequest r = request.apply(from + k);
                long sent = System.nanoTime();
                try {
                  HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());
                  long answered = System.nanoTime();
                  lastAnswer[worker] = answered;
                  if (answer.statusCode() == expected) {
                    latency[k] = (answered - sent) / 1e6;
                    ok[k] = true;
                    if (keep) {
                      bodies[k] = answer.body();
                    }
                  } else {
                    String kind = "HTTP " + answer.statusCode();
                    errors.computeIfAbsent(kind, x -> new LongAdder()).increment();
                    firstBodies.putIfAbsent(kind, abbreviate(answer.body()));
                  }
                } catch (HttpTimeoutException e) {
                  lastAnswer[worker] = System.nanoTime();
                  errors.computeIfAbsent("timeout", x -> new LongAdder()).increment();
                } catch (IOException e) {
                  lastAnswer[worker] = System.nanoTime();
                  String kind = e.getClass().getSimpleName();
                  errors.computeIfAbsent(kind, x -> new LongAdder()).increment();
                  firstBodies.putIfAbsent(kind, String.valueOf(e.getMessage()));
                }
              }
              return null;
            });
      }
      workers.shutdown();
      if (!workers.awaitTermination(
          cap.plus(REQUEST_TIMEOUT.multipliedBy(2)).toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
      }
    }
    long end = Arrays.stream(lastAnswer).max().orElse(start);
    int okCount = 0;
    double[] okLatency = new double[n];
    for (int k = 0; k < n; k++) {
      if (ok[k]) {
        okLatency[okCount++] = latency[k];
      }
    }
    // By request index (the order they were taken): does the route slow down as rows pile up?
    int tenth = Math.max(1, n / 10);
    double[] first = new double[tenth];
    double[] last = new double[tenth];
    int firstCount = 0;
    int lastCount = 0;
    for (int k = 0; k < n; k++) {
      if (ok[k] && k < tenth) {
        first[firstCount++] = latency[k];
      }
      if (ok[k] && k >= n - tenth) {
        last[lastCount++] = latency[k];
      }
    }
    Map<String, Integer> errorCounts = new TreeMap<>();
    errors.forEach((k, v) -> errorCounts.put(k, v.intValue()));
    return new Loop(
        n,
        okCount,
        errorCounts,
        new TreeMap<>(firstBodies),
        notSent.intValue(),
        Math.max(0, end - start) / 1e9,
        Percentiles.of(Arrays.copyOf(okLatency, okCount)),
        Percentiles.of(Arrays.copyOf(first, firstCount)),
        Percentiles.of(Arrays.copyOf(last, lastCount)),
        bodies);
  }

  /** Every execution the engine started since {@code since} (visibility), then described. */
  private Work workSince(Instant since) {
    Map<String, Integer> started = new TreeMap<>();
    Map<String, Long> events = new TreeMap<>();
    String namespace = temporal.getOptions().getNamespace();
    var stub = temporal.getWorkflowServiceStubs().blockingStub();
    try {
      Thread.sleep(1000); // visibility records are written asynchronously
      ByteString page = ByteString.EMPTY;
      int described = 0;
      do {
        ListWorkflowExecutionsResponse answer =
            stub.listWorkflowExecutions(
                ListWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(namespace)
                    .setQuery("StartTime >= '" + since + "'")
                    .setPageSize(1000)
                    .setNextPageToken(page)
                    .build());
        for (WorkflowExecutionInfo listed : answer.getExecutionsList()) {
          String type = listed.getType().getName();
          started.merge(type, 1, Integer::sum);
          long length =
              stub.describeWorkflowExecution(
                      DescribeWorkflowExecutionRequest.newBuilder()
                          .setNamespace(namespace)
                          .setExecution(listed.getExecution())
                          .build())
                  .getWorkflowExecutionInfo()
                  .getHistoryLength();
          events.merge(type, length, Long::sum);
          described++;
        }
        page = answer.getNextPageToken();
        if (described > 20_000) {
          return new Work(started, events, "more than 20,000 executions; stopped counting");
        }
      } while (!page.isEmpty());
      return new Work(started, events, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Work(started, events, "interrupted");
    } catch (RuntimeException e) {
      return new Work(started, events, e.toString());
    }
  }

  // --- HTTP ----------------------------------------------------------------------------------

  private HttpRequest get(String path, boolean withToken) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", "application/json")
            .GET();
    if (withToken) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.build();
  }

  private HttpRequest post(String path, String json) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  private HttpRequest delete(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token)
        .DELETE()
        .build();
  }

  private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode ok(HttpResponse<String> answer, int expected) throws IOException {
    if (answer.statusCode() != expected) {
      throw new IllegalStateException(
          answer.request().method()
              + " "
              + answer.request().uri().getPath()
              + " answered "
              + answer.statusCode()
              + ": "
              + abbreviate(answer.body()));
    }
    return JSON.readTree(answer.body());
  }

  private static long id(JsonNode body) {
    JsonNode id = body.path("id").isMissingNode() ? body.at("/station/id") : body.path("id");
    if (!id.canConvertToLong()) {
      throw new IllegalStateException("no id in " + abbreviate(body.toString()));
    }
    return id.asLong();
  }

  private static long[] ids(Loop loop) throws IOException {
    long[] ids = new long[loop.bodies().length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = id(JSON.readTree(loop.bodies()[i]));
    }
    return ids;
  }

  /** A client-credentials token of the embedded issuer (15 min: fetched again for each flow). */
  private void refreshToken() throws IOException, InterruptedException {
    String basic =
        Base64.getEncoder()
            .encodeToString((CLIENT + ":" + secret).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> answer =
        send(
            HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .build());
    token = ok(answer, 200).path("access_token").asText();
  }

  /** Heap used after a full GC, from the app's own metrics endpoint. */
  private double heapMib() throws IOException, InterruptedException {
    System.gc();
    return metric("jvm.memory.used?tag=area:heap") / (1024.0 * 1024);
  }

  private long liveThreads() throws IOException, InterruptedException {
    return (long) metric("jvm.threads.live");
  }

  private double metric(String nameAndTags) throws IOException, InterruptedException {
    JsonNode body = ok(send(get("/actuator/metrics/" + nameAndTags, true)), 200);
    return body.at("/measurements/0/value").asDouble(Double.NaN);
  }

  /** A Nebula public key made by the real nebula-cert, or null when it is not installed. */
  private static String nebulaPublicKey() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("opsflow-load-key-");
    try {
      Process p =
          new ProcessBuilder(
                  "nebula-cert",
                  "keygen",
                  "-out-key",
                  dir.resolve("host.key").toString(),
                  "-out-pub",
                  dir.resolve("host.pub").toString())
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return Files.readString(dir.resolve("host.pub"));
    } catch (IOException notInstalled) {
      return null;
    } finally {
      deleteTree(dir);
    }
  }

  // --- output --------------------------------------------------------------------------------

  private void printRow(Row r) {
    Loop l = r.loop();
    System.out.printf(
        "  %s %s: %d requests, %d ok, errors %s; %.1f ok/s over %s s; latency p50 / p99 / max"
            + " %s ms (p50 of the first / last tenth of the requests %s / %s ms); heap %.0f MiB after GC, %d live threads; CPU s engine %.2f, app JVM %.2f,"
            + " PostgreSQL %.2f; load %s%n",
        r.flow(),
        r.route(),
        l.requests(),
        l.ok(),
        l.errorSummary(),
        l.okPerSecond(),
        String.format(Locale.ROOT, "%.1f", l.seconds()),
        l.latency().triple(),
        Percentiles.ms(l.firstTenth().p50()),
        Percentiles.ms(l.lastTenth().p50()),
        r.heapMib(),
        r.threads(),
        r.engineSeconds(),
        r.appSeconds(),
        r.postgresSeconds(),
        r.load());
    System.out.printf(
        "    executions started in the loop, history events at its end: %s; dev server CPU %s ms"
            + " per start%n",
        r.work().describe(), Percentiles.ms(r.engineMsPerOk()));
    if (!l.firstErrorBodies().isEmpty()) {
      System.out.println("    first error answers: " + l.firstErrorBodies());
    }
    System.out.flush();
  }

  private void printTable(List<Row> rows, List<String> notes) {
    Row floor =
        rows.stream()
            .filter(r -> r.flow().equals("floor") && r.route().startsWith("GET /actuator/info"))
            .findFirst()
            .orElse(null);
    System.out.printf(
        "%n=== Start routes under a closed loop: %d requests per flow, %d in flight, %d warm-up,"
            + " cap %d s ===%n",
        requests, concurrency, warmup, cap.toSeconds());
    String format =
        "%-13s | %-36s | %5s | %5s | %-8s | %7s | %-20s | %-13s | %5s | %7s | %-21s | %11s | %10s"
            + " | %-11s%n";
    System.out.printf(
        format,
        "flow",
        "route",
        "reqs",
        "ok",
        "errors",
        "ok/s",
        "p50 / p99 / max ms",
        "x floor p50/99",
        "heap",
        "threads",
        "CPU s engine/app/PG",
        "events/start",
        "engine ms/start",
        "load 1m");
    for (Row r : rows) {
      Loop l = r.loop();
      String ratio =
          floor == null || floor.loop().ok() == 0
              ? "n/a"
              : ratioOf(l.latency().p50(), floor.loop().latency().p50())
                  + " / "
                  + ratioOf(l.latency().p99(), floor.loop().latency().p99());
      System.out.printf(
          format,
          r.flow(),
          r.route(),
          l.requests(),
          l.ok(),
          l.errorSummary(),
          String.format(Locale.ROOT, "%.1f", l.okPerSecond()),
          l.latency().triple(),
          ratio,
          String.format(Locale.ROOT, "%.0f", r.heapMib()),
          r.threads(),
          String.format(
              Locale.ROOT,
              "%.2f / %.2f / %.2f",
              r.engineSeconds(),
              r.appSeconds(),
              r.postgresSeconds()),
          r.work().problem() != null || l.ok() == 0
              ? "n/a"
              : String.format(Locale.ROOT, "%.1f", r.work().totalEvents() / (double) l.ok()),
          Percentiles.ms(r.engineMsPerOk()),
          r.load());
    }
    System.out.println(
        "ok/s: answers with the expected status per second, first send to last answer; latency"
            + " over those answers (ms); x floor: the route's p50 and p99 over the floor's"
            + " (GET /actuator/info with a token: HTTP, the security chain and JWT checks, no"
            + " database); heap MiB used after a full GC and live platform threads of the JVM"
            + " (app + load generator) after the loop; CPU seconds used during the measured loop"
            + " by the Temporal dev server process, this JVM (app, workers and the load generator)"
            + " and PostgreSQL; events/start: history events, at the loop's end, of every"
            + " workflow execution the engine started during the loop (the flow's own and any"
            + " it started, e.g. a device's connectivity monitor), per answered start; engine"
            + " ms/start: the dev server's CPU during the loop per answered start; load average"
            + " 1 min before / after. Errors other than 0 are listed per flow above.");
    notes.forEach(n -> System.out.println("- " + n));
  }

  private static String ratioOf(double value, double floor) {
    if (Double.isNaN(value) || Double.isNaN(floor) || floor <= 0) {
      return "n/a";
    }
    double r = value / floor;
    return String.format(Locale.ROOT, r >= 100 ? "%.0f" : "%.1f", r);
  }

  private void printMachine() {
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    System.out.println("Flow start load benchmark: each flow's start route vs the HTTP floor");
    System.out.printf(
        "machine: %d cores, %.1f GiB RAM, %s %s; JVM %s, max heap %.0f MiB; load average %s%n",
        Runtime.getRuntime().availableProcessors(),
        os.getTotalMemorySize() / (1024.0 * 1024 * 1024),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        Runtime.version(),
        Runtime.getRuntime().maxMemory() / (1024.0 * 1024),
        Phases.loadAverage());
    System.out.printf(
        "settings: flows %s; %d requests per flow after %d warm-up (floors: %d), %d in flight (virtual"
            + " threads), cap %d s per loop, request timeout %d s; sessions of %d min on %d"
            + " plugs; run id %s; extra application arguments %s%n",
        flows,
        requests,
        warmup,
        floorWarmup,
        concurrency,
        cap.toSeconds(),
        REQUEST_TIMEOUT.toSeconds(),
        sessionMinutes,
        plugCount,
        run,
        appArgs.isEmpty() ? "none" : appArgs);
  }

  private static String abbreviate(String text) {
    if (text == null) {
      return "";
    }
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  private static int postgresPort(ConfigurableApplicationContext context) {
    String url =
        String.valueOf(context.getEnvironment().getProperty(EmbeddedInfrastructure.DATASOURCE_URL));
    Matcher m = Pattern.compile(":(\\d+)/").matcher(url);
    return m.find() ? Integer.parseInt(m.group(1)) : 5432;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
