/*
 * Run from the worktree root (JDK 21+), without installing anything into ~/.m2:
 *
 *   export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 *   mvn -q -B -pl benchmarks -am package -DskipTests -Dmaven.test.skip=true
 *   mvn -q -B -pl benchmarks dependency:copy-dependencies -DincludeScope=runtime \
 *       -DoutputDirectory=target/lib -DexcludeGroupIds=io.opsflow
 *   CP=benchmarks/target/classes:api/target/classes:workers/target/classes
 *   CP=$CP:activities/target/classes:workflows/target/classes:simulators/target/classes
 *   $JAVA_HOME/bin/java -Xmx2g -cp "$CP:benchmarks/target/lib/*" \
 *       io.opsflow.benchmarks.WorkloadSchedulingBenchmark
 *
 * Needs the Docker engine at /var/run/docker.sock (or DOCKER_HOST) with the image
 * opsflow/busybox:local (built by .ci/run with docker import; never pulled).
 *
 * Options (-D...):
 *   bench.workloads=50          workloads scheduled in the measured run
 *   bench.clients=4             concurrent HTTP clients scheduling them
 *   bench.warmup=2              workloads scheduled first, not reported (0 = none)
 *   bench.nodes=20              extra nodes registered for heartbeat-to-Inactive
 *   bench.heartbeatSeconds=2    their heartbeat interval
 *   bench.inactiveAfter=10s     threshold T (opsflow.workloads.inactive-after); seed: 10 min
 *   bench.seedPeriodSeconds=60  the seed's monitor period (workloads and nodes)
 *   bench.seed=<long>           random seed of the seed monitors' phases (default: the clock)
 *
 * Exit code: 0 ok, 1 a workload or node did not reach its state, a phase ran out of time, or the
 * run broke; 2 the watchdog ended a call that hung.
 */
package io.opsflow.benchmarks;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.sun.management.OperatingSystemMXBean;
import io.opsflow.api.OpsflowApplication;
import io.opsflow.benchmarks.Phases.PhaseTimeout;
import io.opsflow.docker.DockerConnections;
import io.opsflow.workers.agent.NodeAgent;
import io.opsflow.workload.ContainerActivitiesImpl;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Workload scheduling (seed 002) against the seed's 60 s monitors, side by side in one run through
 * the real application (embedded PostgreSQL and Temporal test server), two in-process node agents
 * on the real Docker engine, and HTTP on 127.0.0.1: schedule-to-Running latency, and lateness of a
 * node's turn to Inactive past the threshold after its last heartbeat.
 */
public final class WorkloadSchedulingBenchmark {

  private static final double AGENT_CPU = 8;
  private static final long AGENT_MEMORY_MB = 4096;

  private final int workloads = Integer.getInteger("bench.workloads", 50);
  private final int clients = Integer.getInteger("bench.clients", 4);
  private final int warmup = Integer.getInteger("bench.warmup", 2);
  private final int nodes = Integer.getInteger("bench.nodes", 20);
  private final Duration heartbeatEvery =
      Duration.ofSeconds(Integer.getInteger("bench.heartbeatSeconds", 2));
  private final Duration threshold =
      DurationStyle.detectAndParse(System.getProperty("bench.inactiveAfter", "10s"));
  private final Duration seedPeriod =
      Duration.ofSeconds(Integer.getInteger("bench.seedPeriodSeconds", 60));
  private final long randomSeed = Long.getLong("bench.seed", System.nanoTime());
  private final Phases phases = new Phases();
  // Names of this run's nodes and containers: other runs on the same engine are left alone.
  private final String run =
      "wlb" + Long.toString(System.currentTimeMillis(), 36).toLowerCase(Locale.ROOT);

  public static void main(String[] args) {
    int code;
    try {
      code = new WorkloadSchedulingBenchmark().run();
    } catch (PhaseTimeout e) {
      System.out.println("FAILED, PHASE TIMEOUT: " + e.getMessage());
      code = 1;
    } catch (Exception e) {
      System.out.println("FAILED: " + e);
      e.printStackTrace(System.out);
      code = 1;
    }
    System.out.flush();
    // Library threads (gRPC, docker-java) would keep the JVM alive.
    System.exit(code);
  }

  private int run() throws Exception {
    long began = System.nanoTime();
    Random random = new Random(randomSeed);
    DockerClient docker =
        DockerConnections.connect(
            DockerConnections.resolveHost(null), ContainerActivitiesImpl.ENGINE_RESPONSE_TIMEOUT);
    printMachine(docker);
    requireImage(docker);
    String secret = UUID.randomUUID().toString();

    phases.begin(
        "start the application (embedded PostgreSQL + Temporal test server)",
        Duration.ofSeconds(240));
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(OpsflowApplication.class)
            .run(
                "--server.port=0",
                "--server.address=127.0.0.1",
                "--opsflow.embedded.temporal.port=0",
                "--logging.level.root=WARN",
                "--spring.main.banner-mode=off",
                "--spring.jmx.enabled=false",
                "--opsflow.task-queues.instance-id=benchmark",
                "--opsflow.agent-secret=" + secret,
                // the operator's client on the embedded issuer (routes need a bearer token)
                "--opsflow.security.embedded.clients.benchmark.secret=" + secret,
                "--opsflow.security.embedded.clients.benchmark.roles=scheduler_operator",
                "--opsflow.workloads.inactive-after=" + threshold.toMillis() + "ms");
    phases.end();
    List<NodeAgent> agents = new ArrayList<>();
    int code = 1;
    try (context) {
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
      WorkloadBenchHttp http = new WorkloadBenchHttp(port, secret, "benchmark", secret);
      try {
        startAgents(context.getBean(WorkflowClient.class), port, secret, jdbc, agents);
        WorkloadStartRun starts = new WorkloadStartRun(http, jdbc, docker, phases, clients);
        if (warmup > 0) {
          Map<String, Instant> w = starts.warmUp(run, warmup);
          phases.log("warm-up: " + w.size() + " Running");
        }
        Duration workloadSeedPhase = randomPhase(random);
        WorkloadStartRun.Result s = starts.run(run, workloads, seedPeriod, workloadSeedPhase);
        printStarts(s);

        NodeInactiveRun inactive = new NodeInactiveRun(http, jdbc, phases, threshold);
        NodeInactiveRun.Result r =
            inactive.run(run + "-hb", nodes, heartbeatEvery, seedPeriod, randomPhase(random));
        printInactive(r);
        printSummary(s, r);
        boolean complete =
            s.temporal().count() == workloads
                && s.seed().count() == workloads
                && r.temporalTimer().count() == nodes
                && r.seed().count() == nodes;
        code = complete ? 0 : 1;
      } finally {
        tearDown(context, docker, jdbc, agents);
      }
    } finally {
      docker.close();
    }
    System.out.printf(
        "%nTotal run time %s s; exit code %d%n",
        Phases.seconds(Duration.ofNanos(System.nanoTime() - began)), code);
    return code;
  }

  /**
   * Containers first, so every workload of the run ends as Docker reports it; then the agents. The
   * teardown interrupts work in flight on purpose: Temporal's warnings about it are silenced.
   */
  private void tearDown(
      ConfigurableApplicationContext context,
      DockerClient docker,
      JdbcTemplate jdbc,
      List<NodeAgent> agents)
      throws InterruptedException {
    phases.begin("remove this run's containers, stop the agents", Duration.ofSeconds(120));
    List<String> agentNodes = agents.stream().map(NodeAgent::nodeId).toList();
    removeContainers(docker, agentNodes);
    String ids = String.join(",", agentNodes);
    Instant until = Instant.now().plusSeconds(30);
    while (Instant.now().isBefore(until)) {
      Integer live =
          jdbc.queryForObject(
              "select count(*) from workloads where node_id = any(?::text[])"
                  + " and status in ('SCHEDULED', 'RUNNING', 'RESTARTING')",
              Integer.class,
              "{" + ids + "}");
      if (live == null || live == 0) {
        break;
      }
      phases.sleep(Duration.ofMillis(200));
    }
    LoggingSystem.get(context.getClassLoader()).setLogLevel("io.temporal", LogLevel.ERROR);
    agents.forEach(NodeAgent::close);
    phases.end();
  }

  private void startAgents(
      WorkflowClient client, int port, String secret, JdbcTemplate jdbc, List<NodeAgent> agents)
      throws InterruptedException {
    phases.begin("start two node agents and wait for them to be Active", Duration.ofSeconds(60));
    for (String suffix : List.of("a", "b")) {
      agents.add(
          NodeAgent.start(
              NodeAgent.Options.builder(
                      run + "-" + suffix, URI.create("http://127.0.0.1:" + port), client)
                  .agentSecret(secret)
                  // Well inside the threshold T, so the agents' own nodes stay Active.
                  .heartbeatInterval(Duration.ofSeconds(1))
                  .offered(AGENT_CPU, AGENT_MEMORY_MB)
                  .registerInitialBackoff(Duration.ofMillis(200))
                  .build()));
    }
    String ids =
        agents.stream()
            .map(NodeAgent::nodeId)
            .collect(java.util.stream.Collectors.joining(",", "{", "}"));
    while (true) {
      Integer active =
          jdbc.queryForObject(
              "select count(*) from nodes where node_id = any(?::text[]) and status = 'ACTIVE'"
                  + " and status_changed_at is not null and offered_cpu = ?",
              Integer.class,
              ids,
              AGENT_CPU);
      if (active != null && active == agents.size()) {
        break;
      }
      phases.sleep(Duration.ofMillis(100));
    }
    phases.end();
  }

  private Duration randomPhase(Random random) {
    return Duration.ofMillis((long) (random.nextDouble() * seedPeriod.toMillis()));
  }

  private static void requireImage(DockerClient docker) {
    try {
      docker.inspectImageCmd(WorkloadStartRun.IMAGE).exec();
    } catch (NotFoundException e) {
      throw new IllegalStateException(
          "image "
              + WorkloadStartRun.IMAGE
              + " is not on the engine; build it locally with docker import as .ci/run does",
          e);
    }
  }

  /** Every container of this run's agents, by their node label; never anyone else's. */
  private void removeContainers(DockerClient docker, List<String> agentNodes) {
    int removed = 0;
    for (String node : agentNodes) {
      List<Container> mine =
          docker
              .listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(Map.of(ContainerActivitiesImpl.LABEL_NODE, node))
              .exec();
      for (Container c : mine) {
        try {
          docker.removeContainerCmd(c.getId()).withForce(true).exec();
          removed++;
        } catch (NotFoundException gone) {
          // removed meanwhile
        }
      }
    }
    phases.log("removed " + removed + " containers");
  }

  private void printMachine(DockerClient docker) {
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    System.out.println(
        "Workload scheduling benchmark: Temporal workflows vs the seed's 60 s monitors");
    System.out.printf(
        "machine: %d cores (%s), %.1f GiB RAM, %s %s %s; JVM %s, max heap %.0f MiB%n",
        Runtime.getRuntime().availableProcessors(),
        cpuModel(),
        os.getTotalMemorySize() / (1024.0 * 1024 * 1024),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        System.getProperty("os.arch"),
        Runtime.version(),
        Runtime.getRuntime().maxMemory() / (1024.0 * 1024));
    System.out.printf(
        "Docker engine %s at %s; image %s (local, never pulled); containers network none%n",
        docker.versionCmd().exec().getVersion(),
        DockerConnections.resolveHost(null),
        WorkloadStartRun.IMAGE);
    System.out.printf(
        "settings: %d workloads '%s' (cpu %.1f, memory %d MiB) from %d HTTP clients after %d"
            + " warm-up; two agents offering %.0f cores / %d MiB each, heartbeat 1 s; %d extra"
            + " nodes heartbeating every %d s; threshold T = %s; seed monitor period %d s;"
            + " random seed %d; run id %s%n",
        workloads,
        WorkloadStartRun.COMMAND,
        WorkloadStartRun.CPU,
        WorkloadStartRun.MEMORY_MB,
        clients,
        warmup,
        AGENT_CPU,
        AGENT_MEMORY_MB,
        nodes,
        heartbeatEvery.toSeconds(),
        threshold,
        seedPeriod.toSeconds(),
        randomSeed,
        run);
    System.out.println(
        "Temporal server: the in-memory Java test server in this JVM (timers in real time);"
            + " PostgreSQL embedded on this machine, so its clock is this JVM's clock");
  }

  private void printStarts(WorkloadStartRun.Result s) {
    System.out.printf("%n=== Schedule-to-Running, %d workloads on two agents ===%n", s.n());
    System.out.printf(
        "placement (SPREAD): %s; requests sent over %s s; seed listing phase %s s after the first"
            + " request, %d listings%n",
        s.perNode(),
        Phases.seconds(s.scheduleSpan()),
        Phases.seconds(s.seedPhase()),
        s.seedPolls());
    System.out.printf(
        "%-62s %4s %9s %9s %9s%n", "ms from the request's send time", "n", "p50", "p99", "max");
    row("schedule reply (HTTP 200 with workload_id and node_id)", s.reply());
    row("container started (Docker State.StartedAt)", s.dockerStarted());
    row("Temporal: RUNNING event, workload_events.created_at", s.temporal());
    row("  of which after Docker's StartedAt (per workload)", s.afterDockerStart());
    row("seed: first 60 s container listing that shows it running", s.seed());
    row("seed, pooled over all phases of its cycle (same start times)", s.seedOverPhases());
    System.out.printf(
        "ratio seed/Temporal: p50 %s, p99 %s (p99 of %d by nearest rank is the %d. value)%n",
        ratio(s.seed().p50(), s.temporal().p50()),
        ratio(s.seed().p99(), s.temporal().p99()),
        s.n(),
        (int) Math.ceil(0.99 * s.n()));
    System.out.println(
        "created_at of the RUNNING event is the workflow's time when the start activity answered;"
            + " the row is written by the next activity, milliseconds later.");
    System.out.println(
        "The seed's row above is one random phase of its 60 s cycle (one draw for the whole burst);"
            + " the pooled row is what it costs on average over phases.");
  }

  private void printInactive(NodeInactiveRun.Result r) {
    System.out.printf(
        "%n=== Heartbeat-to-Inactive, %d nodes, threshold T = %s ===%n", r.n(), threshold);
    System.out.printf(
        "heartbeats every %d s over HTTP with the seed's body (%d sent); stops %d ms apart (one"
            + " seed period / N); seed monitor phase %s s, %d polls%n",
        r.heartbeatEvery().toSeconds(),
        r.heartbeatsSent(),
        r.stopSpacing().toMillis(),
        Phases.seconds(r.seedPhase()),
        r.seedPolls());
    System.out.printf(
        "%-62s %4s %9s %9s %9s%n",
        "lateness = detection - last_heartbeat_at - T (ms)", "n", "p50", "p99", "max");
    row("Temporal: node workflow's timer (nodes.inactive_since)", r.temporalTimer());
    row("Temporal: Inactive node_status event row written", r.temporalRow());
    row("seed: 60 s monitor, last heartbeat older than T", r.seed());
    System.out.printf(
        "ratio seed/Temporal (timer): p50 %s, p99 %s%n",
        ratio(r.seed().p50(), r.temporalTimer().p50()),
        ratio(r.seed().p99(), r.temporalTimer().p99()));
    System.out.println(
        "The seed's own threshold is 10 min; T only shifts both detections by the same amount,"
            + " so the lateness past T does not depend on it (the seed's is up to one period).");
  }

  private void printSummary(WorkloadStartRun.Result s, NodeInactiveRun.Result r) {
    System.out.printf(
        "%n%-44s | %-26s | %-26s | %-18s%n",
        "side by side (ms)", "Temporal p50 / p99 / max", "seed p50 / p99 / max", "ratio p50 / p99");
    System.out.printf(
        "%-44s | %-26s | %-26s | %-18s%n",
        "schedule-to-Running (" + s.n() + " workloads)",
        s.temporal().triple(),
        s.seed().triple(),
        ratio(s.seed().p50(), s.temporal().p50())
            + " / "
            + ratio(s.seed().p99(), s.temporal().p99()));
    System.out.printf(
        "%-44s | %-26s | %-26s | %-18s%n",
        "  seed pooled over all phases of its cycle",
        s.temporal().triple(),
        s.seedOverPhases().triple(),
        ratio(s.seedOverPhases().p50(), s.temporal().p50())
            + " / "
            + ratio(s.seedOverPhases().p99(), s.temporal().p99()));
    System.out.printf(
        "%-44s | %-26s | %-26s | %-18s%n",
        "heartbeat-to-Inactive past T (" + r.n() + " nodes)",
        r.temporalTimer().triple(),
        r.seed().triple(),
        ratio(r.seed().p50(), r.temporalTimer().p50())
            + " / "
            + ratio(r.seed().p99(), r.temporalTimer().p99()));
  }

  private static void row(String name, Percentiles p) {
    System.out.printf(
        "  %-60s %4d %9s %9s %9s%n",
        name, p.count(), Percentiles.ms(p.p50()), Percentiles.ms(p.p99()), Percentiles.ms(p.max()));
  }

  private static String ratio(double seed, double temporal) {
    if (Double.isNaN(seed) || Double.isNaN(temporal) || temporal <= 0) {
      return "n/a";
    }
    double r = seed / temporal;
    return r >= 100 ? String.format("%.0fx", r) : String.format("%.1fx", r);
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
}
