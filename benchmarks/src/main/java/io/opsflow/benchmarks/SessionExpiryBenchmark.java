/*
 * Run from the repository root (JDK 21+), after `mvn -q -B install -DskipTests -pl api -am`:
 *
 *   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 *   mvn -q -B -pl benchmarks compile dependency:copy-dependencies \
 *       -DincludeScope=runtime -DoutputDirectory=target/lib
 *   $JAVA_HOME/bin/java -Xmx4g -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *       io.opsflow.benchmarks.SessionExpiryBenchmark dev-server=1000,10000 test-server=1000
 *
 * The copied jars keep the run immune to a concurrent `mvn install` of the other modules (with
 * `exec:java` a jar replaced in ~/.m2 mid-run breaks class loading). `MAVEN_OPTS=-Xmx4g mvn -q -B
 * -pl benchmarks exec:java -Dexec.args="1000 10000"` works too when nobody reinstalls meanwhile.
 *
 * Arguments: <engine>=<N>[,<N>...] per engine, run one after the other in this JVM, each engine
 * with the application started afresh: dev-server (the real `temporal server start-dev` of the
 * embedded default, persisting to a SQLite file in a temporary data directory; needs the Temporal
 * CLI: OPSFLOW_TEMPORAL_CLI or `temporal` on PATH) and test-server (the in-memory Java test
 * server, the fallback engine). Plain numbers mean dev-server. Default: dev-server=1000,10000
 * test-server=1000.
 * Options (-D...):
 *   bench.starters=64            concurrent starters (virtual threads)
 *   bench.windowSeconds=30       width of the window of scheduled ends
 *   bench.window.<N>             seconds, that window for N sessions only (e.g. bench.window.10000=300:
 *                                the same 33 ends per second as 1,000 in 30 s)
 *   bench.warmup=100             warm-up sessions, not reported (0 = none)
 *   bench.breakdownSample=1000   workflow histories read for the lateness breakdown
 *   bench.seedPeriodSeconds=10   the seed monitor's period
 *   bench.warningLead            e.g. 10s, passed as opsflow.sessions.warning-lead (default: the
 *                                application's 60s, longer than the sessions)
 *   bench.startEstimate.<N>      seconds from the start of N's start phase to its window
 *                                (default: from the previous start rate)
 *   bench.startLimit.<N>         seconds allowed for N's start phase (default 60 + N / 25)
 *   bench.stickyTestServer=false true: run against the same in-memory test server started by the
 *                                benchmark without the app's NoStickyQueues interceptor (A/B)
 *
 * Exit code: 0 ok, 1 sessions failed or the run broke, 2 a phase exceeded its time limit.
 */
package io.opsflow.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.OpsflowApplication;
import io.opsflow.api.session.SessionService;
import io.opsflow.benchmarks.Phases.PhaseTimeout;
import io.opsflow.session.SessionProperties;
import io.opsflow.session.db.SessionRepository;
import io.opsflow.workers.embedded.EmbeddedInfrastructure;
import io.opsflow.workers.embedded.EmbeddedTemporal;
import io.opsflow.workers.embedded.TemporalDevServer;
import io.temporal.client.WorkflowClient;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Session expiry lateness at N concurrent sessions: the Temporal implementation (one durable timer
 * per session, through the real application) against the seed's method (a 10 s polling monitor),
 * side by side in one JVM against the same PostgreSQL. Lateness = {@code actual_end_at -
 * scheduled_end_at} as PostgreSQL recorded it.
 */
public final class SessionExpiryBenchmark {

  private static final Duration SEED_LEAD = Duration.ofSeconds(5);

  private final int[] counts;
  private final int starters = Integer.getInteger("bench.starters", 64);
  private final Duration window = Duration.ofSeconds(Integer.getInteger("bench.windowSeconds", 30));
  private final int warmup = Integer.getInteger("bench.warmup", 100);
  private final int breakdownSample = Integer.getInteger("bench.breakdownSample", 1000);
  private final Duration seedPeriod =
      Duration.ofSeconds(Integer.getInteger("bench.seedPeriodSeconds", 10));
  // Unset: the application's default (60 s, longer than the sessions: the warning is sent at
  // activation and the end timer is armed there). Shorter than the sessions, e.g. "10s": the end
  // timer is armed when the warning timer fires, as for real sessions of minutes or hours.
  private final String warningLead = System.getProperty("bench.warningLead");
  private final Phases phases = new Phases();

  private record Row(
      String engine,
      TemporalExpiryRun.Result temporal,
      LatenessBreakdown.Result breakdown,
      SeedMonitorRun.Result seed) {}

  /** One engine and the session counts measured on it. */
  private record Plan(String engine, int[] counts) {}

  private final List<Plan> plans;

  private SessionExpiryBenchmark(List<Plan> plans) {
    this.plans = plans;
    this.counts = plans.stream().flatMapToInt(p -> Arrays.stream(p.counts())).toArray();
  }

  static List<Plan> parse(String[] args) {
    if (args.length == 0) {
      args = new String[] {"dev-server=1000,10000", "test-server=1000"};
    }
    List<Plan> plans = new ArrayList<>();
    for (String arg : args) {
      String engine = "dev-server";
      String numbers = arg.trim();
      int eq = numbers.indexOf('=');
      if (eq >= 0) {
        engine = numbers.substring(0, eq).trim();
        numbers = numbers.substring(eq + 1);
      }
      if (!engine.equals("dev-server") && !engine.equals("test-server")) {
        throw new IllegalArgumentException("engine must be dev-server or test-server: " + arg);
      }
      int[] ns =
          Arrays.stream(numbers.split("[\\s,]+"))
              .filter(x -> !x.isEmpty())
              .mapToInt(Integer::parseInt)
              .toArray();
      plans.add(new Plan(engine, ns));
    }
    return plans;
  }

  public static void main(String[] args) {
    int code;
    try {
      code = new SessionExpiryBenchmark(parse(args)).run();
    } catch (PhaseTimeout e) {
      System.out.println("PHASE TIMEOUT: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      e.printStackTrace(System.out);
      code = 1;
    }
    System.out.flush();
    // exec:java would otherwise wait for the non-daemon threads of libraries.
    System.exit(code);
  }

  private int run() throws InterruptedException, IOException {
    long began = System.nanoTime();
    printMachine();
    int code = 0;
    List<Row> rows = new ArrayList<>();
    for (Plan plan : plans) {
      int planCode = runEngine(plan, rows);
      code = Math.max(code, planCode);
      if (planCode == 2) {
        break;
      }
    }
    printSummary(rows);
    System.out.printf(
        "%nTotal run time %s s; exit code %d%n",
        Phases.seconds(Duration.ofNanos(System.nanoTime() - began)), code);
    return code;
  }

  private int runEngine(Plan plan, List<Row> rows) throws InterruptedException, IOException {
    boolean devServer = plan.engine().equals("dev-server");
    phases.begin(
        "start the application (embedded PostgreSQL + "
            + (devServer ? "Temporal dev server" : "Temporal test server")
            + ")",
        seconds(240));
    List<String> appArgs =
        new ArrayList<>(
            List.of(
                // Command-line arguments: they win over the application.yml (server.port: 8080).
                "--server.port=0",
                "--opsflow.embedded.temporal.port=0",
                "--logging.level.root=WARN",
                "--spring.main.banner-mode=off",
                "--spring.jmx.enabled=false",
                "--management.endpoints.web.exposure.include=health",
                "--opsflow.task-queues.instance-id=benchmark"));
    Path dataDir = null;
    if (devServer) {
      // As the embedded default runs: temporal.db and the PostgreSQL cluster in a data directory.
      dataDir = Files.createTempDirectory("opsflow-bench-data-");
      Files.setPosixFilePermissions(
          dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      appArgs.add("--opsflow.embedded.temporal.engine=CLI");
      appArgs.add("--opsflow.embedded.ephemeral=false");
      appArgs.add("--opsflow.data-dir=" + dataDir);
    } else {
      appArgs.add("--opsflow.embedded.temporal.engine=TEST_SERVER");
      appArgs.add("--opsflow.embedded.ephemeral=true");
    }
    if (warningLead != null) {
      appArgs.add("--opsflow.sessions.warning-lead=" + warningLead);
    }
    StickyTestServer sticky =
        !devServer && Boolean.getBoolean("bench.stickyTestServer") ? new StickyTestServer() : null;
    if (sticky != null) {
      appArgs.add("--spring.temporal.connection.target=" + sticky.target());
    }
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(OpsflowApplication.class).run(appArgs.toArray(String[]::new));
    phases.end();
    int code = 0;
    try (context) {
      Infra infra = infra(context);
      printServers(context, infra.jdbc(), sticky);
      Object engine =
          context.containsBean(EmbeddedInfrastructure.TEMPORAL_BEAN)
              ? context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN)
              : null;
      long enginePid = engine instanceof TemporalDevServer dev ? dev.pid().orElse(-1L) : -1L;
      CpuAccounting cpu = new CpuAccounting(postgresPort(context), enginePid);
      TestServerProbe server =
          new TestServerProbe(
              sticky != null ? sticky.services : engine instanceof EmbeddedTemporal t ? t : null);
      phases.log(server.describe());
      TemporalExpiryRun temporal = new TemporalExpiryRun(infra, phases, starters, cpu, server);
      SeedMonitorRun seed = new SeedMonitorRun(infra.jdbc(), phases, seedPeriod);
      try {
        double rate = 20;
        int rateFromN = 1;
        if (warmup > 0) {
          TemporalExpiryRun.Result w =
              temporal.run("warm-up", warmup, rate, rateFromN, Duration.ofSeconds(5));
          phases.log(
              String.format(
                  "warm-up: %d sessions, %.1f sessions/s, lateness p50/p99/max %s ms (not"
                      + " reported)",
                  w.started(), w.startRate(), w.lateness().triple()));
          rate = w.startRate();
          rateFromN = warmup;
        }
        for (int n : plan.counts()) {
          TemporalExpiryRun.Result t =
              temporal.run(plan.engine() + " N=" + n, n, rate, rateFromN, windowFor(n));
          rate = t.startRate();
          rateFromN = n;
          LatenessBreakdown.Result b =
              LatenessBreakdown.analyse(
                  infra.client(),
                  t.ids(),
                  t.scheduledEndMs(),
                  t.actualEndMs(),
                  breakdownSample,
                  phases);
          double first = Arrays.stream(t.scheduledEndMs()).min().orElse(0);
          double[] offsets = Arrays.stream(t.scheduledEndMs()).map(e -> e - first).toArray();
          SeedMonitorRun.Result s = seed.run("N=" + n, offsets, SEED_LEAD);
          Row row = new Row(plan.engine(), t, b, s);
          rows.add(row);
          printRun(row);
          if (t.failed() > 0 || s.expired() < s.n()) {
            code = 1;
          }
        }
      } catch (PhaseTimeout e) {
        System.out.println("PHASE TIMEOUT: " + e.getMessage());
        code = 2;
      }
      phases.begin("close the application", seconds(120));
    }
    if (sticky != null) {
      sticky.close();
    }
    phases.end();
    if (dataDir != null) {
      deleteTree(dataDir);
    }
    return code;
  }

  private Duration windowFor(int n) {
    Integer seconds = Integer.getInteger("bench.window." + n);
    return seconds == null ? window : Duration.ofSeconds(seconds);
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static Infra infra(ConfigurableApplicationContext context) {
    JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
    Long userId =
        jdbc.queryForObject(
            "insert into users (name) values ('session expiry benchmark') returning id",
            Long.class);
    return new Infra(
        context.getBean(SessionService.class),
        context.getBean(SessionRepository.class),
        jdbc,
        context.getBean(SessionProperties.class),
        context.getBean(TaskQueueProperties.class),
        context.getBean(WorkflowClient.class),
        userId == null ? 0 : userId);
  }

  private void printMachine() {
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    System.out.println("Session expiry benchmark: Temporal timers vs the seed's 10 s monitor");
    System.out.printf(
        "machine: %d cores (%s), %.1f GiB RAM, %s %s %s%n",
        Runtime.getRuntime().availableProcessors(),
        cpuModel(),
        os.getTotalMemorySize() / (1024.0 * 1024 * 1024),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("os.arch"));
    System.out.printf(
        "JVM: %s %s (%s), max heap %.0f MiB, GC %s%n",
        System.getProperty("java.vm.name"),
        Runtime.version(),
        System.getProperty("java.vm.vendor"),
        TemporalExpiryRun.mib(Runtime.getRuntime().maxMemory()),
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", ")));
    System.out.printf(
        "settings: N = %s, %d concurrent starters (virtual threads), ends spread over %d s,"
            + " seed monitor period %d s, %d warm-up sessions, opsflow.sessions.warning-lead %s%n",
        Arrays.toString(counts),
        starters,
        window.toSeconds(),
        seedPeriod.toSeconds(),
        warmup,
        warningLead == null ? "default (60s)" : warningLead);
  }

  private static void printServers(
      ConfigurableApplicationContext context, JdbcTemplate jdbc, StickyTestServer sticky) {
    if (sticky != null) {
      System.out.printf(
          "Temporal server: the in-memory Java test server (temporal-test-server %s) started by the"
              + " benchmark in this JVM WITHOUT the app's NoStickyQueues interceptor (sticky"
              + " queues kept), gRPC on %s, time skipping locked; workers in this JVM%n",
          io.temporal.serviceclient.Version.LIBRARY_VERSION, sticky.target());
    } else if (context.containsBean(EmbeddedInfrastructure.TEMPORAL_BEAN)
        && context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN) instanceof TemporalDevServer dev) {
      System.out.printf(
          "Temporal server: %s, a separate process (pid %s); workers in this JVM%n",
          dev.describe(), dev.pid().map(String::valueOf).orElse("?"));
    } else if (context.containsBean(EmbeddedInfrastructure.TEMPORAL_BEAN)) {
      EmbeddedTemporal temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, EmbeddedTemporal.class);
      String version = TestServicesStarter.class.getPackage().getImplementationVersion();
      System.out.printf(
          "Temporal server: the in-memory Java test server (temporal-test-server %s) in this JVM,"
              + " gRPC on %s, time skipping locked (timers run in real time); workers in this"
              + " JVM%n",
          version != null ? version : io.temporal.serviceclient.Version.LIBRARY_VERSION,
          temporal.target());
    } else {
      System.out.printf(
          "Temporal server: EXTERNAL at %s (not the in-memory test server)%n",
          context.getEnvironment().getProperty(EmbeddedInfrastructure.TEMPORAL_TARGET));
    }
    System.out.printf(
        "PostgreSQL: %s %s at %s%n",
        context.containsBean(EmbeddedInfrastructure.POSTGRES_BEAN) ? "embedded" : "external",
        jdbc.queryForObject("show server_version", String.class),
        context.getEnvironment().getProperty(EmbeddedInfrastructure.DATASOURCE_URL));
  }

  private void printRun(Row row) {
    TemporalExpiryRun.Result t = row.temporal();
    SeedMonitorRun.Result s = row.seed();
    LatenessBreakdown.Result b = row.breakdown();
    System.out.printf("%n=== %s, N=%d ===%n", row.engine(), t.n());
    System.out.printf(
        "start phase: %d ACTIVE in %s s = %.1f sessions/s (%d concurrent starters), %d failed%s%n",
        t.started(),
        Phases.seconds(t.startPhase()),
        t.startRate(),
        starters,
        t.failed(),
        t.firstFailure() == null ? "" : " (first: " + t.firstFailure() + ")");
    System.out.printf(
        "startWorkflow call (update-with-start until ACTIVE) p50 / p99 / max: %s ms%n",
        t.startCallMs().triple());
    System.out.printf("after the start phase: %s%n", t.serverAfterStart());
    System.out.printf("after the expiry phase: %s%n", t.serverAfterExpiry());
    System.out.printf(
        "scheduled ends: spread over %.1f s, %s%n",
        (t.windowLastEndMs() - t.windowFirstEndMs()) / 1000.0,
        t.endsInsideStartPhase() == 0
            ? "all after the start phase"
            : t.endsInsideStartPhase() + " INSIDE the start phase (estimate too low)");
    System.out.printf(
        "heap used while all %d sleep: %.0f MiB after System.gc() (%.0f MiB before the start"
            + " phase, +%.0f MiB)%s%n",
        t.started(),
        TemporalExpiryRun.mib(t.heapSleepingBytes()),
        TemporalExpiryRun.mib(t.heapIdleBytes()),
        TemporalExpiryRun.mib(t.heapSleepingBytes() - t.heapIdleBytes()),
        t.heapMeasuredBeforeWindow() ? "" : " (GC ran into the window)");
    System.out.printf(
        "live platform threads while all %d sleep: this JVM (app) %d, Temporal dev server %s%n",
        t.started(),
        t.appThreadsSleeping(),
        t.engineThreadsSleeping() < 0 ? "n/a (in this JVM)" : t.engineThreadsSleeping());
    System.out.printf("CPU in the start phase: %s%n", t.startCpu().describe());
    System.out.printf("CPU from the first end to the last: %s%n", t.windowCpu().describe());
    System.out.printf(
        "expiry phase (start phase end -> all EXPIRED): %s s; GC %d collections / %d ms%n",
        Phases.seconds(t.expiryWait()), t.gcCount(), t.gcMillis());
    System.out.printf(
        "%-52s %6s %9s %9s %9s %9s%n",
        "lateness = actual_end_at - scheduled_end_at (ms)", "n", "p50", "p99", "max", "mean");
    printLateness("Temporal: one durable timer per session", t.lateness());
    printLateness(
        "seed: monitor polls every " + seedPeriod.toSeconds() + " s, UPDATE per row", s.lateness());
    System.out.printf(
        "ratio p99 seed/temporal: %.1f; seed monitor: %d polls, slowest poll %.0f ms%n",
        s.lateness().p99() / t.lateness().p99(), s.polls(), s.slowestPollMs());
    if (t.n() == 1000 && row.engine().equals("dev-server")) {
      System.out.printf(
          "aim (p99 <= 50 ms at 1,000 sessions): %s (p99 %s ms)%n",
          t.lateness().p99() <= 50 ? "MET" : "MISSED", Percentiles.ms(t.lateness().p99()));
    }
    if (t.n() == 10000 && row.engine().equals("dev-server")) {
      double heapMib = TemporalExpiryRun.mib(t.heapSleepingBytes());
      System.out.printf(
          "aim (10,000 held, p99 <= 1 s, heap <= 1 GiB): %s (p99 %s ms, heap %.0f MiB)%n",
          t.failed() == 0 && t.lateness().p99() <= 1000 && heapMib <= 1024 ? "MET" : "MISSED",
          Percentiles.ms(t.lateness().p99()),
          heapMib);
    }
    printTable(
        String.format(
            "Temporal lateness by leg (%d of %d sampled histories), ms",
            b.expiry().analysed(), b.sampled()),
        LatenessBreakdown.LEGS,
        b.expiry(),
        "lateness");
    printTable(
        "Start path, server side (execution started -> awaitStart update completed), ms",
        LatenessBreakdown.START_LEGS,
        b.start(),
        "start");
    System.out.flush();
  }

  private static void printTable(
      String title, String[] names, LatenessBreakdown.Table table, String total) {
    System.out.printf("%n%s%n", title);
    System.out.printf("  %-42s %9s %9s %9s %9s%n", "leg", "p50", "p99", "max", "slowest1%");
    for (int l = 0; l < names.length; l++) {
      Percentiles p = table.legs()[l];
      System.out.printf(
          "  %-42s %9s %9s %9s %9s%n",
          names[l],
          Percentiles.ms(p.p50()),
          Percentiles.ms(p.p99()),
          Percentiles.ms(p.max()),
          Percentiles.ms(table.tailMeans()[l]));
    }
    Percentiles all = table.total();
    System.out.printf(
        "  %-42s %9s %9s %9s%n",
        "total " + total,
        Percentiles.ms(all.p50()),
        Percentiles.ms(all.p99()),
        Percentiles.ms(all.max()));
    System.out.printf(
        "  (slowest1%% = the leg's mean over the sessions whose total %s is at or above its p99,"
            + " %s ms)%n",
        total, Percentiles.ms(table.tailFrom()));
  }

  private static void printLateness(String name, Percentiles p) {
    System.out.printf(
        "  %-50s %6d %9s %9s %9s %9s%n",
        name,
        p.count(),
        Percentiles.ms(p.p50()),
        Percentiles.ms(p.p99()),
        Percentiles.ms(p.max()),
        Percentiles.ms(p.mean()));
  }

  private void printSummary(List<Row> rows) {
    System.out.printf(
        "%n%-20s | %-32s | %-36s | %-12s | %-12s | %-15s | %-15s%n",
        "",
        "temporal p50 / p99 / max (ms)",
        "seed-monitor p50 / p99 / max (ms)",
        "ratio p99",
        "start rate",
        "heap used",
        "threads");
    System.out.printf(
        "%-20s | %-32s | %-36s | %-12s | %-12s | %-15s | %-15s%n",
        "", "", "", "seed/temporal", "(sessions/s)", "(MiB, N asleep)", "app / engine");
    for (Row row : rows) {
      TemporalExpiryRun.Result t = row.temporal();
      System.out.printf(
          "%-20s | %-32s | %-36s | %-12.1f | %-12.1f | %-15.0f | %-15s%n",
          row.engine() + " N=" + t.n(),
          t.lateness().triple(),
          row.seed().lateness().triple(),
          row.seed().lateness().p99() / t.lateness().p99(),
          t.startRate(),
          TemporalExpiryRun.mib(t.heapSleepingBytes()),
          t.appThreadsSleeping()
              + " / "
              + (t.engineThreadsSleeping() < 0 ? "-" : t.engineThreadsSleeping()));
    }
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException | RuntimeException e) {
      return "unknown CPU";
    }
  }

  private static int postgresPort(ConfigurableApplicationContext context) {
    String url =
        String.valueOf(context.getEnvironment().getProperty(EmbeddedInfrastructure.DATASOURCE_URL));
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+)/").matcher(url);
    return m.find() ? Integer.parseInt(m.group(1)) : 5432;
  }

  private static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
