package io.opsflow.benchmarks;

import io.opsflow.session.PaymentMethod;
import io.opsflow.session.SessionRequest;
import io.opsflow.session.SessionStatus;
import io.opsflow.session.SessionView;
import io.opsflow.session.StationTarget;
import io.opsflow.session.StationType;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * N real sessions through {@code SessionService#startWorkflow}: PC stations whose agent is offline,
 * paid in cash, with durations chosen so that every scheduled end falls in a window that opens
 * after the start phase. Lateness is read from PostgreSQL: {@code actual_end_at} (the database
 * clock when the expiry activity changed the row) minus {@code scheduled_end_at}.
 */
final class TemporalExpiryRun {

  /** Everything measured for one N; the per-session arrays are aligned by index. */
  record Result(
      String label,
      int n,
      int started,
      int failed,
      String firstFailure,
      Duration startPhase,
      double startRate,
      long heapIdleBytes,
      long heapSleepingBytes,
      int appThreadsSleeping,
      int engineThreadsSleeping,
      boolean heapMeasuredBeforeWindow,
      int endsInsideStartPhase,
      long windowFirstEndMs,
      long windowLastEndMs,
      Duration expiryWait,
      long gcCount,
      long gcMillis,
      Percentiles startCallMs,
      String serverAfterStart,
      String serverAfterExpiry,
      CpuAccounting.Usage startCpu,
      CpuAccounting.Usage windowCpu,
      Percentiles lateness,
      long[] ids,
      double[] scheduledEndMs,
      double[] actualEndMs) {}

  private static final BigDecimal HOURLY_RATE = new BigDecimal("6.00");
  private static final BigDecimal AMOUNT = new BigDecimal("0.10");
  // Between the end of the start phase and the first scheduled end: System.gc() for the heap
  // figure, and slack for a start phase slower than estimated.
  private static final Duration GAP = Duration.ofSeconds(5);

  private final Infra infra;
  private final Phases phases;
  private final int starters;
  private final CpuAccounting cpu;
  private final TestServerProbe server;

  TemporalExpiryRun(
      Infra infra, Phases phases, int starters, CpuAccounting cpu, TestServerProbe server) {
    this.infra = infra;
    this.phases = phases;
    this.starters = starters;
    this.cpu = cpu;
    this.server = server;
  }

  /**
   * @param rateEstimate sessions per second measured in an earlier start phase
   * @param rateFromN the number of sessions that start phase started
   * @param window width of the window of scheduled ends
   */
  Result run(String label, int n, double rateEstimate, int rateFromN, Duration window)
      throws InterruptedException {
    phases.begin(label + ": insert " + n + " PC stations", Duration.ofSeconds(60 + n / 100));
    long[] stations = insertStations(label, n);
    phases.end();

    long heapIdle = heapAfterGc();
    // -Dbench.startEstimate.<N>=seconds overrides the estimate of the start phase's length.
    Integer estimateOverride = Integer.getInteger("bench.startEstimate." + n);
    long estimateMs =
        estimateOverride != null
            ? estimateOverride * 1000L
            // The test server slows down as it accumulates state (see TestServerProbe): a bigger
            // N than the one that gave the rate starts at a lower average rate.
            : (long) (n / rateEstimate * 1500 * Math.sqrt(Math.max(1.0, n / (double) rateFromN)))
                + 3000;
    Integer limitOverride = Integer.getInteger("bench.startLimit." + n);
    Duration startLimit = Duration.ofSeconds(limitOverride != null ? limitOverride : 60 + n / 25);
    long windowStartMs = System.currentTimeMillis() + estimateMs + GAP.toMillis();
    long windowMs = window.toMillis();
    List<Integer> slots = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      slots.add(i);
    }
    Collections.shuffle(slots, new Random(n));

    long[] ids = new long[n];
    long[] scheduledEnds = new long[n];
    double[] callMs = new double[n];
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Semaphore permits = new Semaphore(starters);
    CountDownLatch done = new CountDownLatch(n);
    phases.begin(
        String.format(
            "%s: start %d sessions, %d concurrent starters (ends planned in a %d s window"
                + " opening in %.1f s)",
            label, n, starters, window.toSeconds(), (windowStartMs - now()) / 1000.0),
        startLimit);
    CpuAccounting.Snapshot startCpuBefore = cpu.take();
    long t0 = System.nanoTime();
    Thread progress = Thread.ofVirtual().start(() -> reportProgress(label, n, done, t0));
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < n; i++) {
        while (!permits.tryAcquire(
            Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS)) {
          phases.check();
        }
        int index = i;
        long targetEnd = windowStartMs + (long) ((slots.get(i) + 0.5) * windowMs / n);
        executor.execute(
            () -> {
              try {
                long id = infra.sessions().nextId();
                ids[index] = id;
                long callStart = System.nanoTime();
                SessionView view =
                    infra.service().startWorkflow(request(id, stations[index], targetEnd));
                callMs[index] = (System.nanoTime() - callStart) / 1e6;
                if (view.status() != SessionStatus.ACTIVE || view.scheduledEndAt() == null) {
                  throw new IllegalStateException("session " + id + " is " + view.status());
                }
                scheduledEnds[index] = view.scheduledEndAt().toEpochMilli();
              } catch (RuntimeException e) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e.toString());
                ids[index] = 0;
              } finally {
                permits.release();
                done.countDown();
              }
            });
      }
      while (!done.await(Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS)) {
        phases.check();
      }
    } catch (RuntimeException | InterruptedException e) {
      executor.shutdownNow();
      phases.log(
          String.format(
              "%s: %d of %d sessions started when the start phase was abandoned; %s",
              label, n - done.getCount(), n, server.describe()));
      throw e;
    } finally {
      progress.interrupt();
    }
    executor.close();
    Duration startPhase = Duration.ofNanos(System.nanoTime() - t0);
    CpuAccounting.Usage startCpu = CpuAccounting.between(startCpuBefore, cpu.take());
    long startPhaseEnd = now();
    phases.end();
    int started = n - failed.get();
    double rate = started / (startPhase.toNanos() / 1e9);
    phases.log(
        String.format(
            "%s: %d ACTIVE, %d failed, %.1f sessions/s", label, started, failed.get(), rate));
    if (firstFailure.get() != null) {
      phases.log("first failure: " + firstFailure.get());
    }
    String serverAfterStart = server.describe();

    long[] liveIds = new long[started];
    long[] liveEnds = new long[started];
    for (int i = 0, j = 0; i < n; i++) {
      if (ids[i] != 0) {
        liveIds[j] = ids[i];
        liveEnds[j++] = scheduledEnds[i];
      }
    }
    long firstEnd = Long.MAX_VALUE;
    long lastEnd = Long.MIN_VALUE;
    int endsInsideStartPhase = 0;
    for (long end : liveEnds) {
      firstEnd = Math.min(firstEnd, end);
      lastEnd = Math.max(lastEnd, end);
      if (end <= startPhaseEnd) {
        endsInsideStartPhase++;
      }
    }
    if (endsInsideStartPhase > 0) {
      phases.log(
          "WARNING: "
              + endsInsideStartPhase
              + " scheduled ends fell inside the start phase (it was slower than estimated)");
    }

    // All N are ACTIVE and sleeping on their timer: the heap figure is taken now.
    long heapSleeping = heapAfterGc();
    // Live platform threads: workflow code runs on virtual threads, which are not counted here.
    int appThreads = ManagementFactory.getThreadMXBean().getThreadCount();
    int engineThreads = cpu.engineThreads();
    boolean heapBeforeWindow = now() < firstEnd;
    phases.log(
        String.format(
            "%s: heap used %.0f MiB with %d sessions sleeping (%.0f MiB before the start phase);"
                + " first end in %.1f s",
            label, mib(heapSleeping), started, mib(heapIdle), (firstEnd - now()) / 1000.0));

    String idArray = Infra.bigintArray(liveIds);
    Duration expiryLimit =
        Duration.ofMillis(Math.max(0, lastEnd - now()) + 120_000 + started * 40L);
    phases.begin(label + ": wait until all " + started + " rows are EXPIRED", expiryLimit);
    GcSnapshot gcBefore = GcSnapshot.take();
    CpuAccounting.Snapshot windowCpuBefore = null;
    long lastProgress = 0;
    while (true) {
      Integer expired =
          infra
              .jdbc()
              .queryForObject(
                  "select count(*) from sessions"
                      + " where id = any(?::bigint[]) and status = 'EXPIRED'",
                  Integer.class,
                  idArray);
      if (windowCpuBefore == null && now() >= firstEnd) {
        windowCpuBefore = cpu.take();
      }
      if (expired != null && expired >= started) {
        break;
      }
      if (System.nanoTime() - lastProgress > 10_000_000_000L) {
        phases.log(label + ": " + expired + " of " + started + " EXPIRED");
        lastProgress = System.nanoTime();
      }
      phases.sleep(Duration.ofSeconds(1));
    }
    CpuAccounting.Usage windowCpu =
        CpuAccounting.between(windowCpuBefore == null ? cpu.take() : windowCpuBefore, cpu.take());
    GcSnapshot gc = GcSnapshot.take().minus(gcBefore);
    Duration expiryWait = phases.end();
    String serverAfterExpiry = server.describe();

    // The workflows still deliver (to an offline agent) and write station_enforced: let them
    // finish before the next measurement or the history reads.
    phases.begin(
        label + ": wait for the " + started + " workflows to enforce the end",
        Duration.ofSeconds(60 + started / 20));
    while (true) {
      Integer enforced =
          infra
              .jdbc()
              .queryForObject(
                  "select count(*) from events where type = 'station_enforced'"
                      + " and session_id = any(?::bigint[])",
                  Integer.class,
                  idArray);
      if (enforced != null && enforced >= started) {
        break;
      }
      phases.sleep(Duration.ofMillis(500));
    }
    phases.end();

    Map<Long, double[]> rows = new HashMap<>();
    infra
        .jdbc()
        .query(
            "select id, (extract(epoch from scheduled_end_at) * 1000)::float8,"
                + " (extract(epoch from actual_end_at) * 1000)::float8"
                + " from sessions where id = any(?::bigint[]) and status = 'EXPIRED'",
            rs -> {
              rows.put(rs.getLong(1), new double[] {rs.getDouble(2), rs.getDouble(3)});
            },
            idArray);
    double[] scheduled = new double[started];
    double[] actual = new double[started];
    double[] lateness = new double[started];
    for (int i = 0; i < started; i++) {
      double[] row = rows.get(liveIds[i]);
      scheduled[i] = row[0];
      actual[i] = row[1];
      lateness[i] = row[1] - row[0];
    }
    return new Result(
        label,
        n,
        started,
        failed.get(),
        firstFailure.get(),
        startPhase,
        rate,
        heapIdle,
        heapSleeping,
        appThreads,
        engineThreads,
        heapBeforeWindow,
        endsInsideStartPhase,
        firstEnd,
        lastEnd,
        expiryWait,
        gc.count(),
        gc.millis(),
        Percentiles.of(Arrays.stream(callMs).filter(ms -> ms > 0).toArray()),
        serverAfterStart,
        serverAfterExpiry,
        startCpu,
        windowCpu,
        Percentiles.of(lateness),
        liveIds,
        scheduled,
        actual);
  }

  private void reportProgress(String label, int n, CountDownLatch done, long t0) {
    long previous = 0;
    long previousAt = t0;
    try {
      while (!done.await(10, TimeUnit.SECONDS)) {
        long count = n - done.getCount();
        long at = System.nanoTime();
        phases.log(
            String.format(
                "%s: %d of %d started, %.1f sessions/s over the last %.0f s; %s",
                label,
                count,
                n,
                (count - previous) / ((at - previousAt) / 1e9),
                (at - previousAt) / 1e9,
                server.describe()));
        previous = count;
        previousAt = at;
      }
    } catch (InterruptedException e) {
      // the start phase is over
    }
  }

  private SessionRequest request(long sessionId, long stationId, long targetEndMs) {
    // Whole seconds from now to the planned end: the ends stay uniform over the window because
    // the start instants are spread continuously.
    long seconds = Math.max(1, Math.round((targetEndMs - now()) / 1000.0));
    return new SessionRequest(
        sessionId,
        infra.userId(),
        new StationTarget(stationId, StationType.PC, null, null, null, HOURLY_RATE),
        (int) Math.max(1, (seconds + 59) / 60),
        seconds,
        PaymentMethod.CASH,
        AMOUNT,
        infra.properties().currency(),
        infra.properties().toSettings(infra.queues().devices()));
  }

  private long[] insertStations(String label, int n) {
    List<Long> ids =
        infra
            .jdbc()
            .queryForList(
                "insert into stations (name, type, hourly_rate)"
                    + " select ?::text || '-' || g, 'PC', 6.00 from generate_series(1, ?) g"
                    + " returning id",
                Long.class,
                "bench-" + label.replace(' ', '-') + "-" + System.nanoTime(),
                n);
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  static long heapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private static long now() {
    return System.currentTimeMillis();
  }

  /** Collections and collection time of all collectors. */
  record GcSnapshot(long count, long millis) {
    static GcSnapshot take() {
      long count = 0;
      long millis = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        count += Math.max(0, gc.getCollectionCount());
        millis += Math.max(0, gc.getCollectionTime());
      }
      return new GcSnapshot(count, millis);
    }

    GcSnapshot minus(GcSnapshot before) {
      return new GcSnapshot(count - before.count, millis - before.millis);
    }
  }
}
