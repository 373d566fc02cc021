package io.opsflow.benchmarks;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Schedule-to-Running: workloads scheduled over HTTP with the seed's body from a few concurrent
 * clients; Temporal latency = the workload's RUNNING event in {@code workload_events} minus the
 * request's send time, seed latency = the first 60 s container listing that shows it running minus
 * the same send time. Both clocks are this machine's (the embedded PostgreSQL runs here).
 */
final class WorkloadStartRun {

  static final String IMAGE = "opsflow/busybox:local";
  static final String COMMAND = "sleep 600";
  static final double CPU = 0.1;
  static final long MEMORY_MB = 32;

  /** One schedule request as answered. */
  record Scheduled(int index, String workloadId, String nodeId, Instant sentAt, double replyMs) {}

  record Result(
      int n,
      Percentiles reply,
      Percentiles temporal,
      Percentiles seed,
      Percentiles seedOverPhases,
      Percentiles dockerStarted,
      Percentiles afterDockerStart,
      Map<String, Long> perNode,
      Duration scheduleSpan,
      Duration seedPhase,
      int seedPolls) {}

  private final WorkloadBenchHttp http;
  private final JdbcTemplate jdbc;
  private final DockerClient docker;
  private final Phases phases;
  private final int clients;

  WorkloadStartRun(
      WorkloadBenchHttp http, JdbcTemplate jdbc, DockerClient docker, Phases phases, int clients) {
    this.http = http;
    this.jdbc = jdbc;
    this.docker = docker;
    this.phases = phases;
    this.clients = clients;
  }

  /** Schedules and waits until every workload's row shows Running; answers those times. */
  Map<String, Instant> warmUp(String prefix, int n) throws Exception {
    phases.begin("warm-up: " + n + " workloads (not reported)", Duration.ofSeconds(120));
    List<Scheduled> scheduled = schedule(prefix + "-warmup", n);
    Map<String, Instant> running = awaitRunning(scheduled);
    phases.end();
    return running;
  }

  Result run(String prefix, int n, Duration seedPeriod, Duration seedPhase) throws Exception {
    phases.begin(
        n + " workloads '" + COMMAND + "' over HTTP from " + clients + " clients",
        Duration.ofSeconds(180 + n));
    try (WorkloadSeedMonitor seed = new WorkloadSeedMonitor(docker, phases)) {
      // The seed's monitor runs all along: its phase relative to the first request is random.
      seed.start(seedPhase, seedPeriod);
      List<Scheduled> scheduled = schedule(prefix, n);
      Instant firstSent = scheduled.stream().map(Scheduled::sentAt).min(Instant::compareTo).get();
      Instant lastSent = scheduled.stream().map(Scheduled::sentAt).max(Instant::compareTo).get();
      Map<String, Instant> running = awaitRunning(scheduled);
      Map<String, Instant> started = dockerStartedAt(scheduled);
      Instant lastStarted = Collections.max(started.values());
      phases.end();

      phases.begin(
          "seed side: wait for the 60 s container listing to see all " + n + " running",
          seedPeriod.plusSeconds(60));
      // One full seed cycle after the last container started is enough for a listing to see it.
      Instant cycleEnd = lastStarted.plus(seedPeriod).plusSeconds(5);
      while (scheduled.stream().anyMatch(s -> seed.seenRunning(s.workloadId()) == null)) {
        if (Instant.now().isAfter(cycleEnd)) {
          throw new IllegalStateException(
              "the seed monitor did not list every workload running one cycle after the last"
                  + " container started");
        }
        phases.sleep(Duration.ofMillis(250));
      }
      phases.end();

      double[] reply = new double[n];
      double[] temporal = new double[n];
      double[] seedMs = new double[n];
      double[] docker = new double[n];
      double[] afterStart = new double[n];
      for (int i = 0; i < n; i++) {
        Scheduled s = scheduled.get(i);
        reply[i] = s.replyMs();
        temporal[i] = millis(s.sentAt(), running.get(s.workloadId()));
        seedMs[i] = millis(s.sentAt(), seed.seenRunning(s.workloadId()));
        docker[i] = millis(s.sentAt(), started.get(s.workloadId()));
        afterStart[i] = temporal[i] - docker[i];
      }
      Map<String, Long> perNode =
          scheduled.stream()
              .collect(
                  Collectors.groupingBy(Scheduled::nodeId, TreeMap::new, Collectors.counting()));
      return new Result(
          n,
          Percentiles.of(reply),
          Percentiles.of(temporal),
          Percentiles.of(seedMs),
          seedOverPhases(scheduled, started, seedPeriod),
          Percentiles.of(docker),
          Percentiles.of(afterStart),
          perNode,
          Duration.between(firstSent, lastSent),
          seedPhase,
          seed.polls());
    }
  }

  /**
   * The seed's latency over every phase of its cycle rather than the one this run drew: for phases
   * 0, P/600, ... of the period P, each workload is seen at the first listing at or after its
   * container started (as the run's own listing saw them), minus its send time; all pooled.
   */
  static Percentiles seedOverPhases(
      List<Scheduled> scheduled, Map<String, Instant> started, Duration period) {
    int steps = 600;
    double p = period.toNanos() / 1e6;
    Instant origin = scheduled.get(0).sentAt();
    double[] all = new double[scheduled.size() * steps];
    int k = 0;
    for (Scheduled s : scheduled) {
      double sent = millis(origin, s.sentAt());
      double start = millis(origin, started.get(s.workloadId()));
      for (int step = 0; step < steps; step++) {
        double phase = p * step / steps;
        double seen = phase + Math.ceil((start - phase) / p) * p;
        all[k++] = seen - sent;
      }
    }
    return Percentiles.of(all);
  }

  /** The seed's request body, with requests so placement has capacity to weigh. */
  static String body(String name) {
    return "{\"name\":"
        + WorkloadBenchHttp.quote(name)
        + ",\"type\":\"docker-container\",\"image\":\""
        + IMAGE
        + "\",\"command\":\""
        + COMMAND
        + "\",\"envVars\":{\"BENCH\":\"schedule-to-running\"},\"cpu\":"
        + CPU
        + ",\"memory\":"
        + MEMORY_MB
        + "}";
  }

  private List<Scheduled> schedule(String prefix, int n) throws Exception {
    AtomicInteger next = new AtomicInteger();
    List<Scheduled> answered = Collections.synchronizedList(new ArrayList<>(n));
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        running.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    answered.add(scheduleOne(prefix, i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get(Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<Scheduled> sorted = new ArrayList<>(answered);
    sorted.sort((a, b) -> Integer.compare(a.index(), b.index()));
    return sorted;
  }

  private Scheduled scheduleOne(String prefix, int i) throws IOException, InterruptedException {
    WorkloadBenchHttp.Exchange x =
        http.post("/api/v1/workloads/schedule", body(String.format("%s-%03d", prefix, i)));
    if (x.status() != 200 || x.body() == null) {
      throw new IllegalStateException(
          "POST /api/v1/workloads/schedule answered " + x.status() + ": " + x.raw());
    }
    String status = x.body().path("status").asText();
    if (!status.equals("Scheduled")) {
      // Pending would mean no node fits: the agents offer too little for the run.
      throw new IllegalStateException("workload " + i + " was not placed: " + x.raw());
    }
    return new Scheduled(
        i,
        x.body().path("workload_id").asText(),
        x.body().path("node_id").asText(),
        x.sentAt(),
        x.millis());
  }

  /** The first RUNNING event of each workload; fails as soon as one ends instead. */
  private Map<String, Instant> awaitRunning(List<Scheduled> scheduled) throws InterruptedException {
    String ids =
        scheduled.stream().map(Scheduled::workloadId).collect(Collectors.joining(",", "{", "}"));
    Map<String, Instant> running = new HashMap<>();
    while (true) {
      running.clear();
      jdbc.query(
          "select workload_id::text, min(created_at) from workload_events"
              + " where workload_id = any(?::uuid[]) and status = 'RUNNING' group by workload_id",
          rs -> {
            running.put(rs.getString(1), rs.getTimestamp(2).toInstant());
          },
          ids);
      if (running.size() == scheduled.size()) {
        return Map.copyOf(running);
      }
      List<String> ended =
          jdbc.queryForList(
              "select id::text || ' ' || status || ': ' || coalesce(message, '') from workloads"
                  + " where id = any(?::uuid[]) and status not in"
                  + " ('PENDING', 'SCHEDULED', 'RUNNING', 'RESTARTING')",
              String.class,
              ids);
      if (!ended.isEmpty()) {
        throw new IllegalStateException("workloads ended instead of running: " + ended);
      }
      phases.sleep(Duration.ofMillis(100));
    }
  }

  /** Docker's own State.StartedAt of each container (named by the workload id). */
  private Map<String, Instant> dockerStartedAt(List<Scheduled> scheduled) {
    Map<String, Instant> started = new HashMap<>();
    for (Scheduled s : scheduled) {
      String at = docker.inspectContainerCmd(s.workloadId()).exec().getState().getStartedAt();
      started.put(s.workloadId(), Instant.parse(at));
    }
    return started;
  }

  private static double millis(Instant from, Instant to) {
    return to == null ? Double.NaN : Duration.between(from, to).toNanos() / 1e6;
  }
}
