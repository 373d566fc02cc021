package io.opsflow.benchmarks;

import java.time.Duration;

/**
 * Time limits of the benchmark's phases. Waiting loops call {@link #check()} and fail with a {@link
 * PhaseTimeout}; a watchdog ends the JVM with exit code 2 if a phase overruns its limit by more
 * than a grace period without reaching a check (a call that hangs).
 */
final class Phases {

  /** A phase took longer than its limit. */
  static final class PhaseTimeout extends RuntimeException {
    PhaseTimeout(String message) {
      super(message);
    }
  }

  private static final Duration WATCHDOG_GRACE = Duration.ofSeconds(60);

  private final long origin = System.nanoTime();
  private volatile String name = "idle";
  private volatile Duration limit = Duration.ZERO;
  private volatile long startedAt = System.nanoTime();
  private volatile long deadline = Long.MAX_VALUE;

  Phases() {
    Thread watchdog = new Thread(this::watch, "benchmark-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  void begin(String phase, Duration phaseLimit) {
    long now = System.nanoTime();
    name = phase;
    limit = phaseLimit;
    startedAt = now;
    deadline = now + phaseLimit.toNanos();
    log(phase + " (limit " + phaseLimit.toSeconds() + " s)");
  }

  /** Ends the current phase and answers its duration. */
  Duration end() {
    Duration took = Duration.ofNanos(System.nanoTime() - startedAt);
    log(name + " done in " + seconds(took) + " s");
    name = "idle";
    deadline = Long.MAX_VALUE;
    return took;
  }

  void check() {
    if (System.nanoTime() > deadline) {
      throw new PhaseTimeout(name + " exceeded its limit of " + limit.toSeconds() + " s");
    }
  }

  /** Time left in the current phase, never negative. */
  Duration remaining() {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  /** Sleeps, but not past the phase's deadline (then fails). */
  void sleep(Duration duration) throws InterruptedException {
    check();
    Thread.sleep(Math.min(duration.toMillis(), remaining().toMillis() + 1));
    check();
  }

  void log(String message) {
    System.out.printf(
        "[%7.1f s] %s%n", (System.nanoTime() - origin) / 1e9, message); // progress on stdout
    System.out.flush();
  }

  /** The machine's load averages over 1, 5 and 15 minutes (this machine is shared). */
  static String loadAverage() {
    try {
      String[] fields =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static String seconds(Duration d) {
    return String.format("%.1f", d.toMillis() / 1000.0);
  }

  private void watch() {
    while (true) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      long late = deadline == Long.MAX_VALUE ? 0 : System.nanoTime() - deadline;
      if (late > WATCHDOG_GRACE.toNanos()) {
        System.err.printf(
            "PHASE TIMEOUT (watchdog): %s exceeded its limit of %d s by more than %d s;"
                + " exiting%n",
            name, limit.toSeconds(), WATCHDOG_GRACE.toSeconds());
        Thread halt =
            new Thread(
                () -> {
                  try {
                    Thread.sleep(30_000);
                  } catch (InterruptedException ignored) {
                    // exiting anyway
                  }
                  Runtime.getRuntime().halt(2);
                },
                "benchmark-halt");
        halt.setDaemon(true);
        halt.start();
        // Shutdown hooks stop the embedded PostgreSQL; halt() above if they hang.
        System.exit(2);
      }
    }
  }
}
