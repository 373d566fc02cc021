package io.opsflow.benchmarks;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Heartbeat-to-Inactive: N nodes register and heartbeat over HTTP with the seed's bodies, then fall
 * silent one by one, their stops spread over one seed period so they meet every phase of the seed's
 * cycle. Temporal: {@code nodes.inactive_since} (the node workflow's timer) and the {@code
 * node_status} event row; seed: a monitor every period (random phase) that marks a node Inactive
 * once its {@code last_heartbeat_at} is older than the threshold, reading the same column. Lateness
 * is past the threshold: detection - last heartbeat - threshold.
 */
final class NodeInactiveRun {

  record Result(
      int n,
      Percentiles temporalTimer,
      Percentiles temporalRow,
      Percentiles seed,
      Duration heartbeatEvery,
      Duration stopSpacing,
      Duration seedPhase,
      int seedPolls,
      int heartbeatsSent) {}

  private final WorkloadBenchHttp http;
  private final JdbcTemplate jdbc;
  private final Phases phases;
  private final Duration threshold;

  NodeInactiveRun(WorkloadBenchHttp http, JdbcTemplate jdbc, Phases phases, Duration threshold) {
    this.http = http;
    this.jdbc = jdbc;
    this.phases = phases;
    this.threshold = threshold;
  }

  Result run(String prefix, int n, Duration heartbeatEvery, Duration seedPeriod, Duration seedPhase)
      throws Exception {
    Duration spacing = seedPeriod.dividedBy(n);
    Duration warm = heartbeatEvery.multipliedBy(3);
    Duration limit =
        warm.plus(spacing.multipliedBy(n)).plus(threshold).plus(seedPeriod).plusSeconds(60 + n);
    phases.begin(
        n
            + " nodes heartbeat every "
            + heartbeatEvery.toSeconds()
            + " s, then stop "
            + spacing.toMillis()
            + " ms apart",
        limit);
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(String.format("%s-%02d", prefix, i));
    }
    String ids = nodes.stream().collect(Collectors.joining(",", "{", "}"));
    AtomicInteger sent = new AtomicInteger();
    AtomicReference<String> failure = new AtomicReference<>();
    ScheduledExecutorService beats = Executors.newScheduledThreadPool(4, daemon("bench-node-hb"));
    ScheduledExecutorService seed = Executors.newSingleThreadScheduledExecutor(daemon("seed-node"));
    Map<String, Instant> seedDetected = new ConcurrentHashMap<>();
    AtomicInteger seedPolls = new AtomicInteger();
    try {
      for (String node : nodes) {
        agentCall(
            "/api/v1/nodes/register",
            "{\"nodeId\":\""
                + node
                + "\",\"ipAddress\":\"127.0.0.1\",\"hostname\":\""
                + node
                + "\",\"status\":\"active\"}");
      }
      // Zero capacity offered: these nodes are judged on heartbeats only, never placed on.
      List<ScheduledFuture<?>> running = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String node = nodes.get(i);
        String body =
            "{\"nodeId\":\""
                + node
                + "\",\"status\":\"active\",\"availableCpu\":0,\"availableMemory\":0}";
        running.add(
            beats.scheduleAtFixedRate(
                () -> {
                  try {
                    agentCall("/api/v1/nodes/heartbeat", body);
                    sent.incrementAndGet();
                  } catch (Exception e) {
                    failure.compareAndSet(null, "heartbeat of " + node + ": " + e.getMessage());
                  }
                },
                heartbeatEvery.multipliedBy(i).dividedBy(n).toMillis(),
                heartbeatEvery.toMillis(),
                TimeUnit.MILLISECONDS));
      }
      seed.scheduleAtFixedRate(
          () -> seedPoll(ids, seedDetected, seedPolls),
          seedPhase.toMillis(),
          seedPeriod.toMillis(),
          TimeUnit.MILLISECONDS);
      phases.sleep(warm);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long due = t0 + spacing.multipliedBy(i).toNanos();
        phases.sleep(Duration.ofNanos(Math.max(0, due - System.nanoTime())));
        // A heartbeat already on its way completes; the database keeps whichever came last.
        running.get(i).cancel(false);
        if (failure.get() != null) {
          throw new IllegalStateException(failure.get());
        }
      }
      awaitDetected(ids, n, seedDetected);
    } finally {
      beats.shutdownNow();
      seed.shutdownNow();
    }
    phases.end();

    double[] timer = new double[n];
    double[] row = new double[n];
    double[] seedLate = new double[n];
    int i = 0;
    Map<String, Instant> rowWritten = inactiveEvents(ids);
    for (Map<String, Object> r :
        jdbc.queryForList(
            "select node_id, last_heartbeat_at, inactive_since from nodes"
                + " where node_id = any(?::text[]) order by node_id",
            ids)) {
      String node = (String) r.get("node_id");
      Instant last = ((Timestamp) r.get("last_heartbeat_at")).toInstant();
      Instant due = last.plus(threshold);
      timer[i] = millis(due, ((Timestamp) r.get("inactive_since")).toInstant());
      row[i] = millis(due, rowWritten.get(node));
      seedLate[i] = millis(due, seedDetected.get(node));
      i++;
    }
    return new Result(
        n,
        Percentiles.of(timer),
        Percentiles.of(row),
        Percentiles.of(seedLate),
        heartbeatEvery,
        spacing,
        seedPhase,
        seedPolls.get(),
        sent.get());
  }

  /** The seed's node monitor: Inactive when the last heartbeat is older than the threshold. */
  private void seedPoll(String ids, Map<String, Instant> detected, AtomicInteger polls) {
    try {
      jdbc.query(
          "select node_id, clock_timestamp() from nodes where node_id = any(?::text[])"
              + " and last_heartbeat_at < clock_timestamp() - make_interval(secs => ?)",
          rs -> {
            detected.putIfAbsent(rs.getString(1), rs.getTimestamp(2).toInstant());
          },
          ids,
          threshold.toMillis() / 1000.0);
    } catch (RuntimeException e) {
      phases.log("seed node monitor: poll failed: " + e);
    }
    polls.incrementAndGet();
  }

  private void awaitDetected(String ids, int n, Map<String, Instant> seedDetected)
      throws InterruptedException {
    while (true) {
      Integer inactive =
          jdbc.queryForObject(
              "select count(*) from nodes where node_id = any(?::text[]) and status = 'INACTIVE'"
                  + " and inactive_since is not null",
              Integer.class,
              ids);
      if (inactive != null
          && inactive == n
          && seedDetected.size() == n
          && inactiveEvents(ids).size() == n) {
        return;
      }
      phases.sleep(Duration.ofMillis(250));
    }
  }

  /** When each node's Inactive {@code node_status} event row was written. */
  private Map<String, Instant> inactiveEvents(String ids) {
    Map<String, Instant> written = new ConcurrentHashMap<>();
    jdbc.query(
        "select data::jsonb ->> 'node_id', min(created_at) from events where type = 'node_status'"
            + " and data::jsonb ->> 'status' = 'Inactive'"
            + " and data::jsonb ->> 'node_id' = any(?::text[]) group by 1",
        rs -> {
          written.put(rs.getString(1), rs.getTimestamp(2).toInstant());
        },
        ids);
    return written;
  }

  private void agentCall(String path, String json) throws IOException, InterruptedException {
    WorkloadBenchHttp.Exchange x = http.postAsAgent(path, json);
    if (x.status() != 200) {
      throw new IllegalStateException("POST " + path + " answered " + x.status() + ": " + x.raw());
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static double millis(Instant from, Instant to) {
    return to == null ? Double.NaN : Duration.between(from, to).toNanos() / 1e6;
  }
}
