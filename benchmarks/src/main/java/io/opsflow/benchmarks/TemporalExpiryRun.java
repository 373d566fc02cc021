package io.opsflow.benchmarks;

import com.sun.management.OperatingSystemMXBean;
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
      boolean heapMeasuredBeforeWindow,
      int endsInsideStartPhase,
      long windowFirstEndMs,
      long windowLastEndMs,
      Duration expiryWait,
      long gcCount,
      long gcMillis,
      double processCpuCores,
      double systemCpuMean,
      double systemCpuMax,
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

  TemporalExpiryRun(Infra infra, Phases phases, int starters) {
    this.infra = infra;
    this.phases = phases;
    this.starters = starters;
  }

  /**
   * @param rateEstimate sessions per second expected in the start phase, used to place the window
   * @param window width of the window of scheduled ends
   */
  Result run(String label, int n, double rateEstimate, Duration window)
      throws InterruptedException {
    phases.begin(label + ": insert " + n + " PC stations", Duration.ofSeconds(60 + n / 100));
    long[] stations = insertStations(label, n);
    phases.end();

    long heapIdle = heapAfterGc();
    long estimateMs = (long) (n / rateEstimate * 1500) + 3000;
    long windowStartMs = System.currentTimeMillis() + estimateMs + GAP.toMillis();
    long windowMs = window.toMillis();
    List<Integer> slots = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      slots.add(i);
    }
    Collections.shuffle(slots, new Random(n));

    long[] ids = new long[n];
    long[] scheduledEnds = new long[n];
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<String> firstFailure = new AtomicReference<>();
    Semaphore permits = new Semaphore(starters);
    CountDownLatch done = new CountDownLatch(n);
    phases.begin(
        String.format(
            "%s: start %d sessions, %d concurrent starters (ends planned in a %d s window"
                + " opening in %.1f s)",
            label, n, starters, window.toSeconds(), (windowStartMs - now()) / 1000.0),
        Duration.ofSeconds(60 + n * 40L / 1000));
    long t0 = System.nanoTime();
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
                SessionView view =
                    infra.service().startWorkflow(request(id, stations[index], targetEnd));
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
      throw e;
    }
    executor.close();
    Duration startPhase = Duration.ofNanos(System.nanoTime() - t0);
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
    boolean heapBeforeWindow = now() < firstEnd;
    phases.log(
        String.format(
            "%s: heap used %.0f MiB with %d sessions sleeping (%.0f MiB before the start phase);"
                + " first end in %.1f s",
            label, mib(heapSleeping), started, mib(heapIdle), (firstEnd - now()) / 1000.0));

    String idArray = Infra.bigintArray(liveIds);
    Duration expiryLimit = Duration.ofMillis(Math.max(0, lastEnd - now()) + 60_000 + started * 10L);
    phases.begin(label + ": wait until all " + started + " rows are EXPIRED", expiryLimit);
    GcSnapshot gcBefore = GcSnapshot.take();
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    long cpuBefore = os.getProcessCpuTime();
    long wallBefore = System.nanoTime();
    double cpuSum = 0;
    double cpuMax = 0;
    int cpuSamples = 0;
    long lastProgress = 0;
    while (true) {
      Integer expired =
          infra
              .jdbc()
              .queryForObject(
                  "select count(*) from sessions where id = any(?::bigint[]) and status = 'EXPIRED'",
                  Integer.class,
                  idArray);
      double load = os.getCpuLoad();
      if (load >= 0 && now() >= firstEnd && now() <= lastEnd + 2000) {
        cpuSum += load;
        cpuMax = Math.max(cpuMax, load);
        cpuSamples++;
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
    double cores = (os.getProcessCpuTime() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
    GcSnapshot gc = GcSnapshot.take().minus(gcBefore);
    Duration expiryWait = phases.end();

    // The workflows still deliver (to an offline agent) and write station_enforced: let them
    // finish before the next measurement or the history reads.
    phases.begin(
        label + ": wait for the " + started + " workflows to enforce the end",
        Duration.ofSeconds(60 + started / 100));
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
        heapBeforeWindow,
        endsInsideStartPhase,
        firstEnd,
        lastEnd,
        expiryWait,
        gc.count(),
        gc.millis(),
        cores,
        cpuSamples == 0 ? Double.NaN : cpuSum / cpuSamples,
        cpuMax,
        Percentiles.of(lateness),
        liveIds,
        scheduled,
        actual);
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
