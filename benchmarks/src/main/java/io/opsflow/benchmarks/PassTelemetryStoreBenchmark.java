/*
 * Run from the repository root (JDK 21+), with the classpath built as for PassStartBenchmark:
 *
 *   $JAVA_HOME/bin/java -Xmx1g \
 *       -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
 *       io.opsflow.benchmarks.PassTelemetryStoreBenchmark
 *
 * Options (-D...):
 *   bench.tm.intervalMicros=50   the simulator's housekeeping period (50 us: up to 20,000 TM/s
 *                                offered, more than either store takes)
 *   bench.tm.seconds=5           how long the ground station sends, per store
 *   bench.tm.rounds=2            rounds of each store, alternating; the best of each is printed
 *
 * Exit code: 0 ok, 1 a packet was lost or the run broke, 2 a phase exceeded its limit.
 */
package io.opsflow.benchmarks;

import io.opsflow.benchmarks.Phases.PhaseTimeout;
import io.opsflow.pass.LinkStoreProbe;
import io.opsflow.pass.PassLinkActivities.LinkSpec;
import io.opsflow.simulators.GroundStationSimulator;
import io.opsflow.simulators.GroundStationSimulator.Options;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * TM packets stored per second from one pass: the executor's ground-station link (TCP, CCSDS
 * decoding, the writer thread) storing into {@code pass_packets} in batches of {@value
 * LinkStoreProbe#EXECUTOR_BATCH} (one multi-row round trip and one NOTIFY per batch), against the
 * same link storing each packet with its own INSERT (and NOTIFY), the naive store; same simulator,
 * same PostgreSQL, same run. The ground station sends housekeeping faster than either store takes
 * for a few seconds, then stops; the store rate is measured from the rows PostgreSQL holds, while
 * the station sends and while the store works off the backlog alone, and every packet sent must end
 * up stored (0 lost).
 */
public final class PassTelemetryStoreBenchmark {

  private final Duration interval =
      Duration.ofNanos(1000L * Integer.getInteger("bench.tm.intervalMicros", 50));
  private final Duration sending = Duration.ofSeconds(Integer.getInteger("bench.tm.seconds", 5));
  private final int rounds = Integer.getInteger("bench.tm.rounds", 2);
  private final Phases phases = new Phases();

  /** One store's figures in one round. */
  record Result(
      String store,
      int batch,
      long sent,
      long stored,
      double offeredPerSecond,
      double storedPerSecond,
      long backlogAtStop,
      double drainSeconds) {

    double drainPerSecond() {
      return drainSeconds <= 0 ? Double.NaN : backlogAtStop / drainSeconds;
    }
  }

  public static void main(String[] args) {
    int code;
    try {
      code = new PassTelemetryStoreBenchmark().run();
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
    System.out.println(
        "TM packets stored per second from one pass: batched store vs one INSERT each");
    System.out.printf(
        "machine: %d cores; simulator housekeeping every %d us for %d s per store, %d rounds,"
            + " alternating%n",
        Runtime.getRuntime().availableProcessors(),
        interval.toNanos() / 1000,
        sending.toSeconds(),
        rounds);
    System.out.printf("load average at the start (1, 5, 15 min): %s%n", Phases.loadAverage());
    phases.begin("start the embedded PostgreSQL", Duration.ofSeconds(120));
    int code = 0;
    try (PassBenchInfra infra = new PassBenchInfra(false, 10)) {
      phases.end();
      System.out.println(infra.describe());
      List<Result> batched = new ArrayList<>();
      List<Result> naive = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        naive.add(measure(infra.jdbc, "naive: one INSERT per packet", 1, r));
        batched.add(
            measure(infra.jdbc, "opsflow: executor's batches", LinkStoreProbe.EXECUTOR_BATCH, r));
      }
      System.out.printf(
          "%n%-32s %5s %8s %5s %10s %16s %16s%n",
          "store (all rounds; rates: best)",
          "batch",
          "sent",
          "lost",
          "offered/s",
          "stored/s sending",
          "stored/s alone");
      Result b = best(batched);
      Result n = best(naive);
      for (Result x : List.of(b, n)) {
        System.out.printf(
            "%-32s %5d %8d %5d %10.0f %16.0f %16.0f%n",
            x.store(),
            x.batch(),
            x.sent(),
            x.sent() - x.stored(),
            x.offeredPerSecond(),
            x.storedPerSecond(),
            x.drainPerSecond());
      }
      System.out.printf(
          "ratio batched/naive: %.1f while the station sends, %.1f storing alone%n",
          b.storedPerSecond() / n.storedPerSecond(), b.drainPerSecond() / n.drainPerSecond());
      System.out.println(
          "(stored/s sending: rows PostgreSQL gained per second from 1 s after the link opened"
              + " until the station stopped, while the simulator and the link's reader run too;"
              + " stored/s alone: the backlog left at the stop divided by the time to store it)");
      System.out.printf("load average at the end: %s%n", Phases.loadAverage());
      for (Result x : batched) {
        if (x.sent() != x.stored()) {
          code = 1;
        }
      }
      for (Result x : naive) {
        if (x.sent() != x.stored()) {
          code = 1;
        }
      }
    }
    return code;
  }

  /** Each column's best round: the machine is shared, a round can lose its CPU to others. */
  private static Result best(List<Result> results) {
    Result first = results.get(0);
    long sent = 0;
    long lost = 0;
    double offered = 0;
    double sending = 0;
    Result fastestDrain = first;
    for (Result r : results) {
      sent += r.sent();
      lost += r.sent() - r.stored();
      offered = Math.max(offered, r.offeredPerSecond());
      sending = Math.max(sending, r.storedPerSecond());
      if (r.drainPerSecond() > fastestDrain.drainPerSecond()) {
        fastestDrain = r;
      }
    }
    return new Result(
        first.store(),
        first.batch(),
        sent,
        sent - lost,
        offered,
        sending,
        fastestDrain.backlogAtStop(),
        fastestDrain.drainSeconds());
  }

  private Result measure(JdbcTemplate jdbc, String name, int batch, int round) throws Exception {
    long pass = pass(jdbc, name + " " + round);
    phases.begin(
        String.format("round %d, %s: %d s of TM", round, name, sending.toSeconds()),
        sending.plusSeconds(30));
    GroundStationSimulator station =
        GroundStationSimulator.start(0, Options.defaults().withTelemetryInterval(interval));
    LinkStoreProbe probe =
        LinkStoreProbe.open(jdbc, new LinkSpec(pass, "127.0.0.1", station.port()), batch);
    try {
      long t0 = System.nanoTime();
      // Skip the first second (connection, JIT); then the store's rate over the rest.
      phases.sleep(Duration.ofSeconds(1));
      long c1 = count(jdbc, pass);
      long t1 = System.nanoTime();
      phases.sleep(sending.minusSeconds(1));
      long c2 = count(jdbc, pass);
      long t2 = System.nanoTime();
      station.close(); // the ground station stops: what it sent is in the socket or received
      long sent = station.tmSent();
      phases.end();
      long backlog = sent - c2;
      double rate = (c2 - c1) / ((t2 - t1) / 1e9);
      double offered = sent / ((t2 - t0) / 1e9);
      phases.begin(
          String.format("round %d, %s: store the %d TM left", round, name, backlog),
          Duration.ofSeconds(60 + backlog / 500));
      long drainStart = System.nanoTime();
      long stored;
      while ((stored = count(jdbc, pass)) < sent) {
        phases.sleep(Duration.ofMillis(100));
      }
      double drain = (System.nanoTime() - drainStart) / 1e9;
      probe.closeLink();
      stored = count(jdbc, pass);
      phases.end();
      phases.log(
          String.format(
              "%s: %d sent, %d stored, %.0f offered/s, %.0f stored/s, backlog %d at the stop",
              name, sent, stored, offered, rate, backlog));
      return new Result(name, batch, sent, stored, offered, rate, backlog, drain);
    } finally {
      probe.close();
      station.close();
    }
  }

  private static long count(JdbcTemplate jdbc, long pass) {
    Long n =
        jdbc.queryForObject(
            "select count(*) from pass_packets where pass_id = ? and direction = 'tm'",
            Long.class,
            pass);
    return n == null ? 0 : n;
  }

  private static long pass(JdbcTemplate jdbc, String label) {
    Long station =
        jdbc.queryForObject(
            "insert into ground_stations (name, host, port, latitude, longitude)"
                + " values (?, '127.0.0.1', 9, 78.2, 15.4) returning id",
            Long.class,
            "bench-" + label + "-" + System.nanoTime());
    Instant aos = Instant.now().plus(Duration.ofDays(1));
    return jdbc.queryForObject(
        "insert into passes (satellite, ground_station_id, aos, los, procedure, created_by)"
            + " values ('SAT-BENCH', ?, ?, ?, '{\"nodes\": [], \"links\": []}'::jsonb, 'bench')"
            + " returning id",
        Long.class,
        station,
        aos.atOffset(ZoneOffset.UTC),
        aos.plusSeconds(600).atOffset(ZoneOffset.UTC));
  }
}
