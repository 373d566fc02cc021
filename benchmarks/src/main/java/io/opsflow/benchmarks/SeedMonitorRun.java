package io.opsflow.benchmarks;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The seed's session monitor (seed 004, diagram 3), faithfully: every 10 seconds one SELECT of the
 * ACTIVE sessions whose {@code scheduled_end_at <= NOW()}, then one UPDATE per row setting {@code
 * status = 'EXPIRED'}. It runs over its own table {@value #TABLE} in the same PostgreSQL, with the
 * same end-time distribution as the Temporal run. {@code actual_end_at = clock_timestamp()} is the
 * instant the row really changes (the seed's {@code NOW()} in an autocommit statement is the same
 * instant to within microseconds). The seed's per-row Redis read, agent message and event insert
 * are left out: they would only make the seed later.
 */
final class SeedMonitorRun {

  static final String TABLE = "bench_seed_sessions";

  record Result(
      int n, int expired, Percentiles lateness, int polls, double slowestPollMs, Duration phase) {}

  private final JdbcTemplate jdbc;
  private final Phases phases;
  private final Duration period;

  SeedMonitorRun(JdbcTemplate jdbc, Phases phases, Duration period) {
    this.jdbc = jdbc;
    this.phases = phases;
    this.period = period;
  }

  /**
   * @param endOffsetsMs scheduled ends relative to the first one (the Temporal run's distribution)
   * @param lead time from now to the first scheduled end
   */
  Result run(String label, double[] endOffsetsMs, Duration lead) throws InterruptedException {
    int n = endOffsetsMs.length;
    double span = 0;
    for (double offset : endOffsetsMs) {
      span = Math.max(span, offset);
    }
    phases.begin(
        label + ": seed monitor over " + n + " rows of " + TABLE,
        lead.plus(Duration.ofMillis((long) span)).plus(period).plusSeconds(60 + n / 100));
    jdbc.execute("drop table if exists " + TABLE);
    jdbc.execute(
        "create table "
            + TABLE
            + " (id bigint primary key, status text not null,"
            + " scheduled_end_at timestamptz, actual_end_at timestamptz)");
    // The index the sessions table has for the same query.
    jdbc.execute(
        "create index "
            + TABLE
            + "_active_by_end on "
            + TABLE
            + " (scheduled_end_at) where status = 'ACTIVE'");
    ScheduledExecutorService monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "seed-session-monitor");
              t.setDaemon(true);
              return t;
            });
    try {
      long firstEnd = System.currentTimeMillis() + lead.toMillis();
      List<Object[]> rows = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        rows.add(new Object[] {i + 1L, new Timestamp(firstEnd + Math.round(endOffsetsMs[i]))});
      }
      jdbc.batchUpdate(
          "insert into " + TABLE + " (id, status, scheduled_end_at) values (?, 'ACTIVE', ?)", rows);
      if (System.currentTimeMillis() >= firstEnd) {
        phases.log("WARNING: inserting the seed rows took longer than the lead");
      }
      jdbc.execute("analyze " + TABLE);

      AtomicInteger polls = new AtomicInteger();
      AtomicLong slowestPollNanos = new AtomicLong();
      monitor.scheduleAtFixedRate(
          () -> {
            long t0 = System.nanoTime();
            try {
              List<Long> due =
                  jdbc.queryForList(
                      "select id from "
                          + TABLE
                          + " where scheduled_end_at <= now() and status = 'ACTIVE'",
                      Long.class);
              for (Long id : due) {
                jdbc.update(
                    "update "
                        + TABLE
                        + " set status = 'EXPIRED', actual_end_at = clock_timestamp()"
                        + " where id = ?",
                    id);
              }
            } catch (RuntimeException e) {
              // as a scheduler job would: log and try again at the next tick
              phases.log("seed monitor poll failed: " + e);
            }
            polls.incrementAndGet();
            slowestPollNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
          },
          0,
          period.toMillis(),
          TimeUnit.MILLISECONDS);

      while (true) {
        Integer expired =
            jdbc.queryForObject(
                "select count(*) from " + TABLE + " where status = 'EXPIRED'", Integer.class);
        if (expired != null && expired >= n) {
          break;
        }
        phases.sleep(Duration.ofSeconds(1));
      }
      monitor.shutdown();
      monitor.awaitTermination(Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS);
      double[] lateness =
          jdbc
              .queryForList(
                  "select (extract(epoch from actual_end_at - scheduled_end_at) * 1000)::float8"
                      + " from "
                      + TABLE
                      + " where status = 'EXPIRED'",
                  Double.class)
              .stream()
              .mapToDouble(Double::doubleValue)
              .toArray();
      Duration took = phases.end();
      return new Result(
          n,
          lateness.length,
          Percentiles.of(lateness),
          polls.get(),
          slowestPollNanos.get() / 1e6,
          took);
    } finally {
      monitor.shutdownNow();
      jdbc.execute("drop table if exists " + TABLE);
    }
  }
}
