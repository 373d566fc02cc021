/*
 * Run from the repository root (JDK 21+; needs the Temporal CLI):
 *
 *   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 *   export OPSFLOW_TEMPORAL_CLI=/opt/opsflow-temporal-cli/bin/temporal
 *   mvn -B -ntp -o -q compile dependency:build-classpath -pl benchmarks -am \
 *       -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
 *   $JAVA_HOME/bin/java -Xmx1g \
 *       -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       io.opsflow.benchmarks.PassStartBenchmark
 *
 * Options (-D...):
 *   bench.passes=200              passes on each side
 *   bench.windowSeconds=60        their launch instants (aos - lead) spread evenly over this window
 *   bench.startSeconds=30         from the start of each side to the window's opening (the 200
 *                                 workflows / Quartz jobs are created meanwhile)
 *   bench.quartz.idleWaitMs=30000 Quartz's org.quartz.scheduler.idleWaitTime (its default)
 *   bench.quartz.clustered=true   Quartz's org.quartz.jobStore.isClustered
 *   bench.quartz.threads=10       Quartz's thread pool (its default)
 *   bench.stickyTimeoutSeconds    the orchestration worker's sticky queue schedule-to-start
 *                                 timeout (unset: the SDK's 5 s, as the application runs)
 *   bench.temporal.dynamicConfig  the dev server's dynamic config, key=json,key=json
 *
 * Exit code: 0 ok, 1 a pass or a job did not start or the run broke, 2 a phase exceeded its limit.
 */
package io.opsflow.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.opsflow.benchmarks.Phases.PhaseTimeout;
import io.opsflow.pass.ExecutorHandle;
import io.opsflow.pass.PassExecutorActivities;
import io.opsflow.pass.PassLinkActivities;
import io.opsflow.pass.PassReport;
import io.opsflow.pass.PassRequest;
import io.opsflow.pass.PassSettings;
import io.opsflow.pass.PassStoreActivities;
import io.opsflow.pass.PassView;
import io.opsflow.pass.PassWorkflow;
import io.opsflow.pass.PassWorkflowImpl;
import io.opsflow.pass.ProcedureGraph;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.core.QuartzScheduler;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * Pass start jitter: how late a pass's executor launch begins after its scheduled instant (aos
 * minus the lead time), for N passes whose launch instants are spread over a short window.
 *
 * <p>opsflow: the real {@link PassWorkflowImpl} (its durable timer, then the launch activity) on
 * the real Temporal dev server, with benchmark activity implementations that do no I/O and only
 * record the wall clock when the launch activity begins, so only the engine's scheduling is
 * measured. Every other activity (rows, link, teardown) answers at once; each pass's queue {@code
 * pass-<id>} is polled by a worker in this JVM standing in for its executor.
 *
 * <p>The seed's method, in the same run and the same PostgreSQL: one Quartz job per pass (PSS), the
 * real Quartz scheduler with its JDBC job store, whose job only records the wall clock when it
 * begins. Jitter = that instant minus the trigger's scheduled fire time.
 */
public final class PassStartBenchmark {

  private final int passes = Integer.getInteger("bench.passes", 200);
  private final Duration window = Duration.ofSeconds(Integer.getInteger("bench.windowSeconds", 60));
  private final Duration startLead =
      Duration.ofSeconds(Integer.getInteger("bench.startSeconds", 30));
  private final long quartzIdleWaitMs = Long.getLong("bench.quartz.idleWaitMs", 30_000);
  private final boolean quartzClustered =
      Boolean.parseBoolean(System.getProperty("bench.quartz.clustered", "true"));
  private final int quartzThreads = Integer.getInteger("bench.quartz.threads", 10);
  // Unset: the SDK's 5 s, as the application runs.
  private final Duration stickyTimeout =
      Integer.getInteger("bench.stickyTimeoutSeconds") == null
          ? null
          : Duration.ofSeconds(Integer.getInteger("bench.stickyTimeoutSeconds"));
  private final Phases phases = new Phases();

  /** Lead time and window of every benchmark pass: launched, aos 2 s later, los 30 s after. */
  private static final int LEAD_SECONDS = 2;

  private static final Duration PASS_LENGTH = Duration.ofSeconds(30);

  /** Pass executors' workers sharing one connection to the server. */
  private static final int EXECUTORS_PER_CONNECTION = 50;

  /** The pass workflows' timings: the defaults, failing at once rather than asking an operator. */
  private static final PassSettings SETTINGS = new PassSettings(PassSettings.FAIL, 15, 10, 30);

  /** One side's figures; {@code legs} the opsflow side's breakdown, null for the seed. */
  record Side(String name, double[] jitterMs, int expected, String note, double[][] legs) {}

  /** The legs of an opsflow launch, from each workflow's history (server event times). */
  static final String[] LEGS = {
    "timer fired (server) - scheduled",
    "timer fired -> workflow task started",
    "workflow task started -> completed",
    "completed -> launch activity task started",
    "activity task started -> activity begins (worker)"
  };

  public static void main(String[] args) {
    int code;
    try {
      code = new PassStartBenchmark().run();
    } catch (PhaseTimeout e) {
      System.out.println("PHASE TIMEOUT: " + e.getMessage());
      code = 2;
    } catch (Exception e) {
      e.printStackTrace(System.out);
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  private int run() throws Exception {
    long began = System.nanoTime();
    printHeader();
    phases.begin("start the embedded PostgreSQL and the Temporal dev server", seconds(180));
    int code = 0;
    try (PassBenchInfra infra = new PassBenchInfra(true, 20)) {
      phases.end();
      System.out.println(infra.describe());
      double[] offsets = new double[passes];
      for (int i = 0; i < passes; i++) {
        offsets[i] = (i + 0.5) * window.toMillis() / passes;
      }
      Side temporal = temporal(infra, offsets);
      Side quartz = quartz(infra, offsets);
      print(temporal, quartz);
      if (temporal.jitterMs().length < passes || quartz.jitterMs().length < passes) {
        code = 1;
      }
      phases.begin("stop PostgreSQL and the Temporal dev server", seconds(60));
    }
    phases.end();
    System.out.printf("load average at the end: %s%n", Phases.loadAverage());
    System.out.printf(
        "%nTotal run time %s s; exit code %d%n",
        Phases.seconds(Duration.ofNanos(System.nanoTime() - began)), code);
    return code;
  }

  // ---- opsflow: PassWorkflowImpl on the Temporal dev server -----------------------------------

  private Side temporal(PassBenchInfra infra, double[] offsets) throws Exception {
    Map<Long, Long> launchedAt = new ConcurrentHashMap<>();
    WorkflowServiceStubs stubs = stubs(infra);
    WorkflowClient client = WorkflowClient.newInstance(stubs);
    // As the application's orchestration worker runs (application.yml): a large workflow cache
    // on virtual workflow threads, virtual threads for the tasks.
    WorkerFactory factory =
        WorkerFactory.newInstance(
            client,
            WorkerFactoryOptions.newBuilder()
                .setWorkflowCacheSize(20_000)
                .setUsingVirtualWorkflowThreads(true)
                .build());
    // The executors' workers stand in for separate processes: connections of their own, so their
    // long polls never queue the orchestration worker's calls.
    List<WorkflowServiceStubs> executorStubs = new ArrayList<>();
    List<WorkerFactory> executorFactories = new ArrayList<>();
    try {
      WorkerOptions.Builder orchestrationOptions =
          WorkerOptions.newBuilder().setUsingVirtualThreads(true);
      if (stickyTimeout != null) {
        orchestrationOptions.setStickyQueueScheduleToStartTimeout(stickyTimeout);
      }
      WorkerOptions virtual = orchestrationOptions.build();
      Worker orchestration = factory.newWorker(PassWorkflowImpl.ORCHESTRATION_QUEUE, virtual);
      orchestration.registerWorkflowImplementationTypes(PassWorkflowImpl.class);
      orchestration.registerActivitiesImplementations(new NoRows());
      factory
          .newWorker(PassWorkflowImpl.EXECUTORS_QUEUE)
          .registerActivitiesImplementations(new TimedLaunch(launchedAt));
      WorkerOptions executorOptions =
          WorkerOptions.newBuilder()
              .setMaxConcurrentActivityTaskPollers(1)
              .setUsingVirtualThreads(true)
              .build();
      WorkerFactory executors = null;
      for (int i = 0; i < passes; i++) {
        if (i % EXECUTORS_PER_CONNECTION == 0) {
          WorkflowServiceStubs own = stubs(infra);
          executorStubs.add(own);
          executors = WorkerFactory.newInstance(WorkflowClient.newInstance(own));
          executorFactories.add(executors);
        }
        executors
            .newWorker(PassRequest.taskQueue(passId(i)), executorOptions)
            .registerActivitiesImplementations(new NoLink());
      }
      factory.start();
      executorFactories.forEach(WorkerFactory::start);

      long windowOpensAt = System.currentTimeMillis() + startLead.toMillis();
      long[] scheduled = new long[passes];
      phases.begin(
          String.format(
              "opsflow: start %d pass workflows, launches spread over %d s from %s",
              passes, window.toSeconds(), Instant.ofEpochMilli(windowOpensAt)),
          startLead);
      ExecutorService starters = Executors.newFixedThreadPool(8);
      try {
        Future<?>[] started = new Future<?>[passes];
        for (int i = 0; i < passes; i++) {
          int index = i;
          long launchAt = windowOpensAt + Math.round(offsets[i]);
          scheduled[i] = launchAt;
          started[i] =
              starters.submit(
                  () -> {
                    PassWorkflow stub =
                        client.newWorkflowStub(
                            PassWorkflow.class,
                            WorkflowOptions.newBuilder()
                                .setWorkflowId(PassRequest.workflowId(passId(index)))
                                .setTaskQueue(PassWorkflowImpl.ORCHESTRATION_QUEUE)
                                .build());
                    WorkflowClient.start(stub::run, request(passId(index), launchAt));
                  });
        }
        for (Future<?> f : started) {
          f.get(Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS);
        }
      } finally {
        starters.shutdownNow();
      }
      phases.end();
      if (System.currentTimeMillis() >= windowOpensAt) {
        phases.log("WARNING: starting the workflows took longer than bench.startSeconds");
      }

      long lastLaunch = Arrays.stream(scheduled).max().orElse(windowOpensAt);
      phases.begin(
          "opsflow: wait for every launch activity",
          Duration.ofMillis(Math.max(0, lastLaunch - System.currentTimeMillis()) + 60_000));
      long lastLog = System.nanoTime();
      try {
        while (launchedAt.size() < passes) {
          if (System.nanoTime() - lastLog > 10_000_000_000L) {
            phases.log("opsflow: " + launchedAt.size() + " of " + passes + " launched");
            lastLog = System.nanoTime();
          }
          phases.sleep(Duration.ofMillis(200));
        }
        phases.end();
      } catch (PhaseTimeout e) {
        phases.log("WARNING: " + e.getMessage() + "; passes that never launched:");
        describeMissing(client, launchedAt, scheduled);
      }

      phases.begin("opsflow: wait for every pass workflow to end", seconds(120));
      Map<String, Long> outcomes = new java.util.TreeMap<>();
      String firstFailure = null;
      for (int i = 0; i < passes; i++) {
        WorkflowStub stub = client.newUntypedWorkflowStub(PassRequest.workflowId(passId(i)));
        PassView view =
            stub.getResult(
                Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS, PassView.class);
        outcomes.merge(view.status(), 1L, Long::sum);
        if (view.failureReason() != null && firstFailure == null) {
          firstFailure = "pass " + view.passId() + ": " + view.failureReason();
        }
      }
      phases.end();

      double[] jitter = new double[launchedAt.size()];
      int k = 0;
      for (int i = 0; i < passes; i++) {
        Long at = launchedAt.get(passId(i));
        if (at != null) {
          jitter[k++] = at - scheduled[i];
        }
      }
      double[][] legs = breakdown(client, scheduled, launchedAt);
      return new Side(
          "opsflow: PassWorkflowImpl timer -> launch activity",
          Arrays.copyOf(jitter, k),
          passes,
          "pass outcomes "
              + outcomes
              + (firstFailure == null ? "" : "; first failure: " + firstFailure),
          legs);
    } finally {
      factory.shutdownNow();
      executorFactories.forEach(WorkerFactory::shutdownNow);
      factory.awaitTermination(10, TimeUnit.SECONDS);
      stubs.shutdownNow();
      executorStubs.forEach(WorkflowServiceStubs::shutdownNow);
    }
  }

  /**
   * Where each launch's lateness goes, from its workflow's history: the first timer's fired event
   * (the launch timer), the workflow task that handled it, and the launch activity's started event.
   */
  private double[][] breakdown(
      WorkflowClient client, long[] scheduled, Map<Long, Long> launchedAt) {
    double[][] legs = new double[LEGS.length][passes];
    int n = 0;
    for (int i = 0; i < passes; i++) {
      Long began = launchedAt.get(passId(i));
      if (began == null) {
        continue;
      }
      List<HistoryEvent> events =
          client.fetchHistory(PassRequest.workflowId(passId(i))).getHistory().getEventsList();
      double fired = Double.NaN;
      double wftStarted = Double.NaN;
      double wftCompleted = Double.NaN;
      long launchScheduledId = -1;
      double activityStarted = Double.NaN;
      for (HistoryEvent e : events) {
        EventType type = e.getEventType();
        if (Double.isNaN(fired)) {
          if (type == EventType.EVENT_TYPE_TIMER_FIRED) {
            fired = millis(e);
          }
        } else if (Double.isNaN(wftStarted)) {
          if (type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
            wftStarted = millis(e);
          }
        } else if (Double.isNaN(wftCompleted)) {
          if (type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
            wftCompleted = millis(e);
          }
        } else if (launchScheduledId < 0) {
          if (type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
              && e.getActivityTaskScheduledEventAttributes()
                  .getActivityType()
                  .getName()
                  .toLowerCase(java.util.Locale.ROOT)
                  .endsWith("launch")) {
            launchScheduledId = e.getEventId();
          }
        } else if (type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
            && e.getActivityTaskStartedEventAttributes().getScheduledEventId()
                == launchScheduledId) {
          activityStarted = millis(e);
          break;
        }
      }
      if (Double.isNaN(activityStarted)) {
        continue;
      }
      legs[0][n] = fired - scheduled[i];
      legs[1][n] = wftStarted - fired;
      legs[2][n] = wftCompleted - wftStarted;
      legs[3][n] = activityStarted - wftCompleted;
      legs[4][n] = began - activityStarted;
      n++;
    }
    for (int l = 0; l < legs.length; l++) {
      legs[l] = Arrays.copyOf(legs[l], n);
    }
    return legs;
  }

  private static double millis(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000.0 + e.getEventTime().getNanos() / 1e6;
  }

  /** Where the passes that never launched are: their last events. */
  private void describeMissing(
      WorkflowClient client, Map<Long, Long> launchedAt, long[] scheduled) {
    int shown = 0;
    for (int i = 0; i < passes && shown < 3; i++) {
      if (launchedAt.containsKey(passId(i))) {
        continue;
      }
      shown++;
      String id = PassRequest.workflowId(passId(i));
      List<HistoryEvent> events = client.fetchHistory(id).getHistory().getEventsList();
      phases.log(
          id
              + " never launched (scheduled "
              + Instant.ofEpochMilli(scheduled[i])
              + "); its events: "
              + events.stream()
                  .map(
                      e ->
                          e.getEventId()
                              + " "
                              + e.getEventType().name().substring("EVENT_TYPE_".length())
                              + " "
                              + Instant.ofEpochMilli(Math.round(millis(e))))
                  .collect(Collectors.joining(", ")));
      try {
        PassView view =
            client.newUntypedWorkflowStub(id).getResult(5, TimeUnit.SECONDS, PassView.class);
        phases.log(id + " ended " + view.status() + ": " + view.failureReason());
      } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
        phases.log(id + " has no result: " + e);
      }
    }
  }

  private static WorkflowServiceStubs stubs(PassBenchInfra infra) {
    return WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(infra.temporal.target()).build());
  }

  private static long passId(int index) {
    return 1 + index;
  }

  private static PassRequest request(long passId, long launchAtMs) {
    Instant aos = Instant.ofEpochMilli(launchAtMs).plusSeconds(LEAD_SECONDS);
    return new PassRequest(
        passId,
        "SAT-BENCH",
        1,
        "bench-station",
        "127.0.0.1",
        9,
        aos,
        aos.plus(PASS_LENGTH),
        LEAD_SECONDS,
        ProcedureGraph.empty(),
        Map.of(),
        1,
        SETTINGS);
  }

  /** The executor launcher: records when the launch begins, starts nothing. */
  static final class TimedLaunch implements PassExecutorActivities {
    private final Map<Long, Long> launchedAt;

    TimedLaunch(Map<Long, Long> launchedAt) {
      this.launchedAt = launchedAt;
    }

    @Override
    public ExecutorHandle launch(ExecutorSpec spec) {
      long now = System.currentTimeMillis();
      launchedAt.putIfAbsent(spec.passId(), now);
      return new ExecutorHandle(
          spec.passId(), "benchmark", "pass-" + spec.passId(), "in-jvm", Instant.ofEpochMilli(now));
    }

    @Override
    public boolean alive(ExecutorHandle executor) {
      return true;
    }

    @Override
    public void terminate(long passId) {}
  }

  /** The pass's rows: nothing written. */
  static final class NoRows implements PassStoreActivities {
    @Override
    public void markStatus(StatusChange change) {}

    @Override
    public void recordEvent(PassEvent event) {}

    @Override
    public void recordAction(OperatorAction action) {}

    // No row behind the benchmark's passes: a replan is accepted as the next version, like the
    // store does for a reserved pass.
    private final java.util.concurrent.ConcurrentHashMap<Long, Integer> versions =
        new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public int replan(Replan replan) {
      return versions.merge(replan.passId(), 2, (was, one) -> was + 1);
    }

    @Override
    public PassReport finalizeReport(long passId) {
      return null;
    }
  }

  /** The executor's link: up at once, no ground station. */
  static final class NoLink implements PassLinkActivities {
    @Override
    public LinkStatus open(LinkSpec spec) {
      return new LinkStatus(true, 0, 0, 0);
    }

    @Override
    public LinkStatus close(LinkSpec spec) {
      return new LinkStatus(false, 0, 0, 0);
    }

    // Only the engine's scheduling is measured: any action succeeds at once, no station behind.
    @Override
    public ActionResult sendTelecommand(ActionRun run) {
      return instant("sent");
    }

    @Override
    public ActionResult waitTelemetry(ActionRun run) {
      return instant("matched");
    }

    @Override
    public ActionResult checkParameter(ActionRun run) {
      return instant("checked");
    }

    private static ActionResult instant(String outcome) {
      return new ActionResult(true, outcome, "benchmark: no ground station", null);
    }
  }

  // ---- the seed: a Quartz job per pass, JDBC job store on the same PostgreSQL ----------------

  /** Jitter of each job that ran, by job name: its start minus its scheduled fire time. */
  static final Map<String, Long> QUARTZ_JITTER = new ConcurrentHashMap<>();

  /** The seed's PSS job: here it only records when it begins. */
  public static final class LaunchJob implements Job {
    @Override
    public void execute(JobExecutionContext context) {
      long now = System.currentTimeMillis();
      QUARTZ_JITTER.putIfAbsent(
          context.getJobDetail().getKey().getName(),
          now - context.getScheduledFireTime().getTime());
    }
  }

  private Side quartz(PassBenchInfra infra, double[] offsets) throws Exception {
    phases.begin("seed: create Quartz's tables and start the scheduler", seconds(60));
    createQuartzTables(infra.dataSource);
    QUARTZ_JITTER.clear();
    String provider = "opsflowBench";
    DBConnectionManager.getInstance()
        .addConnectionProvider(provider, new DataSourceProvider(infra.dataSource));
    Properties p = new Properties();
    p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "opsflow-pss-bench");
    p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_ID, "AUTO");
    p.setProperty(StdSchedulerFactory.PROP_SCHED_IDLE_WAIT_TIME, Long.toString(quartzIdleWaitMs));
    p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
    p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(quartzThreads));
    p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
    p.setProperty(
        "org.quartz.jobStore.driverDelegateClass",
        "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
    p.setProperty("org.quartz.jobStore.dataSource", provider);
    p.setProperty("org.quartz.jobStore.isClustered", Boolean.toString(quartzClustered));
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
    scheduler.start();
    phases.end();
    try {
      long windowOpensAt = System.currentTimeMillis() + startLead.toMillis();
      long lastFire = windowOpensAt;
      phases.begin(
          String.format(
              "seed: schedule %d Quartz jobs, fire times spread over %d s from %s",
              passes, window.toSeconds(), Instant.ofEpochMilli(windowOpensAt)),
          startLead);
      for (int i = 0; i < passes; i++) {
        long fireAt = windowOpensAt + Math.round(offsets[i]);
        lastFire = Math.max(lastFire, fireAt);
        String name = "pass-" + passId(i);
        // As PSS does on a reservation: a durable job per pass, a one-shot trigger at aos - lead.
        scheduler.scheduleJob(
            JobBuilder.newJob(LaunchJob.class).withIdentity(name, "passes").build(),
            TriggerBuilder.newTrigger()
                .withIdentity(name, "passes")
                .startAt(new Date(fireAt))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule())
                .build());
        phases.check();
      }
      phases.end();
      if (System.currentTimeMillis() >= windowOpensAt) {
        phases.log("WARNING: scheduling the jobs took longer than bench.startSeconds");
      }
      phases.begin(
          "seed: wait for every Quartz job",
          Duration.ofMillis(
              Math.max(0, lastFire - System.currentTimeMillis()) + quartzIdleWaitMs + 60_000));
      long lastLog = System.nanoTime();
      while (QUARTZ_JITTER.size() < passes) {
        if (System.nanoTime() - lastLog > 10_000_000_000L) {
          phases.log("seed: " + QUARTZ_JITTER.size() + " of " + passes + " jobs ran");
          lastLog = System.nanoTime();
        }
        phases.sleep(Duration.ofMillis(200));
      }
      phases.end();
    } finally {
      scheduler.shutdown(true);
    }
    double[] jitter = QUARTZ_JITTER.values().stream().mapToDouble(Long::doubleValue).toArray();
    return new Side(
        String.format(
            "seed: Quartz %s, JDBC store, idleWaitTime %d ms",
            QuartzScheduler.getVersionMajor()
                + "."
                + QuartzScheduler.getVersionMinor()
                + "."
                + QuartzScheduler.getVersionIteration(),
            quartzIdleWaitMs),
        jitter,
        passes,
        String.format(
            "JobStoreTX + PostgreSQLDelegate, clustered %s, %d threads, misfireThreshold 60000 ms",
            quartzClustered, quartzThreads),
        null);
  }

  /** Quartz's own schema for PostgreSQL, from its jar. */
  private static void createQuartzTables(DataSource dataSource) throws IOException, SQLException {
    String script;
    try (InputStream in =
        Scheduler.class.getResourceAsStream("/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
      if (in == null) {
        throw new IllegalStateException("tables_postgres.sql is not in the Quartz jar");
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String withoutComments =
        script.lines().filter(l -> !l.strip().startsWith("--")).collect(Collectors.joining("\n"));
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      for (String statement : withoutComments.split(";")) {
        if (!statement.isBlank() && !statement.strip().equalsIgnoreCase("commit")) {
          s.execute(statement);
        }
      }
    }
  }

  /** Quartz's connections from the benchmark's pool, as Spring's LocalDataSourceJobStore does. */
  static final class DataSourceProvider implements ConnectionProvider {
    private final DataSource dataSource;

    DataSourceProvider(DataSource dataSource) {
      this.dataSource = dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
      return dataSource.getConnection();
    }

    @Override
    public void shutdown() {}

    @Override
    public void initialize() {}
  }

  // ---- output --------------------------------------------------------------------------------

  private void printHeader() {
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    System.out.println("Pass start jitter: Temporal durable timers vs the seed's Quartz jobs");
    System.out.printf("load average at the start (1, 5, 15 min): %s%n", Phases.loadAverage());
    System.out.printf(
        "machine: %d cores, %.1f GiB RAM, %s %s; JVM %s %s%n",
        Runtime.getRuntime().availableProcessors(),
        os.getTotalMemorySize() / (1024.0 * 1024 * 1024),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("java.vm.name"),
        Runtime.version());
    System.out.printf(
        "settings: %d passes per side, launch instants (aos - lead) spread evenly over %d s,"
            + " opening %d s after each side starts; lead %d s, window %d s, empty procedure%n",
        passes, window.toSeconds(), startLead.toSeconds(), LEAD_SECONDS, PASS_LENGTH.toSeconds());
    System.out.println(
        "opsflow: the real PassWorkflowImpl on the real Temporal dev server; benchmark activity"
            + " implementations do no I/O and only record the wall clock when the launch activity"
            + " begins, so only the engine's scheduling is measured (timer fired -> workflow task"
            + " -> activity task); each pass-<id> queue is polled by a worker in this JVM, on"
            + " connections of their own (50 per connection), as separate executors would.");
    System.out.printf(
        "opsflow worker: workflow cache 20000, virtual threads, sticky queue schedule-to-start"
            + " timeout %s%n",
        stickyTimeout == null ? "the SDK's default (5 s)" : stickyTimeout.toSeconds() + " s");
    System.out.printf(
        "seed: the real Quartz scheduler, JDBC job store on the same PostgreSQL, one job and"
            + " one-shot trigger per pass; the job only records the wall clock; idleWaitTime %d"
            + " ms, clustered %s, %d threads%n",
        quartzIdleWaitMs, quartzClustered, quartzThreads);
  }

  private void print(Side temporal, Side quartz) {
    System.out.printf(
        "%n%-62s %5s %8s %8s %8s %8s %8s %8s%n",
        "start jitter = first activity begins - (aos - lead), ms",
        "n",
        "min",
        "p50",
        "p95",
        "p99",
        "max",
        "mean");
    printRow(temporal);
    printRow(quartz);
    Percentiles t = Percentiles.of(temporal.jitterMs());
    Percentiles q = Percentiles.of(quartz.jitterMs());
    System.out.printf(
        "ratio seed/opsflow: p50 %s, p99 %s, max %s%n",
        ratio(q.p50(), t.p50()), ratio(q.p99(), t.p99()), ratio(q.max(), t.max()));
    if (temporal.legs() != null) {
      System.out.printf(
          "%nopsflow launch lateness by leg (server event times from %d histories), ms%n",
          temporal.legs()[0].length);
      System.out.printf("  %-58s %8s %8s %8s %8s%n", "leg", "p50", "p95", "p99", "max");
      for (int l = 0; l < LEGS.length; l++) {
        double[] v = temporal.legs()[l];
        Percentiles p = Percentiles.of(v);
        System.out.printf(
            "  %-58s %8s %8s %8s %8s%n",
            LEGS[l],
            Percentiles.ms(p.p50()),
            Percentiles.ms(Percentiles.quantile(v, 0.95)),
            Percentiles.ms(p.p99()),
            Percentiles.ms(p.max()));
      }
    }
    System.out.printf("%s: %s%n", temporal.name(), temporal.note());
    System.out.printf("%s: %s%n", quartz.name(), quartz.note());
  }

  private static void printRow(Side side) {
    Percentiles p = Percentiles.of(side.jitterMs());
    System.out.printf(
        "  %-60s %5s %8s %8s %8s %8s %8s %8s%n",
        side.name(),
        p.count() + (p.count() < side.expected() ? "/" + side.expected() : ""),
        Percentiles.ms(p.min()),
        Percentiles.ms(p.p50()),
        Percentiles.ms(Percentiles.quantile(side.jitterMs(), 0.95)),
        Percentiles.ms(p.p99()),
        Percentiles.ms(p.max()),
        Percentiles.ms(p.mean()));
  }

  private static String ratio(double seed, double ours) {
    if (Double.isNaN(seed) || Double.isNaN(ours) || ours <= 0) {
      return "n/a";
    }
    return String.format("%.2f", seed / ours);
  }

  private static Duration seconds(long s) {
    return Duration.ofSeconds(s);
  }
}
