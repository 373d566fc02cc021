package io.opsflow.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who used the machine's CPUs during a phase (Linux /proc): this JVM (app, workers, and the
 * Temporal test server when it is the engine), the Temporal dev server's process when it is, the
 * embedded PostgreSQL (postmaster, its backends and reaped children) and everything else. The
 * benchmark shares its cores with whatever else runs on the machine; this says how much.
 */
final class CpuAccounting {

  private static final double TICKS_PER_SECOND = 100.0; // USER_HZ

  /** CPU ticks at one instant. */
  record Snapshot(long wallNanos, long machineBusy, long jvm, long postgres, long engine) {}

  /** Average cores used between two snapshots. */
  record Usage(double machine, double jvm, double postgres, double engine) {
    double others() {
      return Math.max(0, machine - jvm - postgres - engine);
    }

    String describe() {
      if (Double.isNaN(machine)) {
        return "n/a (no /proc)";
      }
      return String.format(
          "machine %.2f cores busy: this JVM (app) %.2f, Temporal dev server %.2f, PostgreSQL"
              + " %.2f, other processes %.2f",
          machine, jvm, engine, postgres, others());
    }
  }

  private final int postgresPort;
  private final long enginePid;
  private long postmaster = -1;

  /**
   * @param postgresPort the embedded PostgreSQL's port (its postmaster is found by it)
   * @param enginePid the Temporal dev server's process, or -1 when the engine runs in this JVM
   */
  CpuAccounting(int postgresPort, long enginePid) {
    this.postgresPort = postgresPort;
    this.enginePid = enginePid;
  }

  /**
   * Live threads of the Temporal dev server's process (/proc/pid/status), -1 when the engine runs
   * in this JVM or cannot be read.
   */
  int engineThreads() {
    if (enginePid < 0) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(enginePid), "status"))) {
        if (line.startsWith("Threads:")) {
          return Integer.parseInt(line.substring("Threads:".length()).trim());
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  Snapshot take() {
    try {
      return new Snapshot(
          System.nanoTime(),
          machineBusy(),
          ownTicks("self", false),
          postgres(),
          enginePid < 0 ? 0 : ownTicks(Long.toString(enginePid), true));
    } catch (IOException | RuntimeException e) {
      return new Snapshot(System.nanoTime(), -1, -1, -1, -1);
    }
  }

  static Usage between(Snapshot a, Snapshot b) {
    double seconds = (b.wallNanos() - a.wallNanos()) / 1e9;
    if (a.machineBusy() < 0 || b.machineBusy() < 0 || seconds <= 0) {
      return new Usage(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new Usage(
        (b.machineBusy() - a.machineBusy()) / TICKS_PER_SECOND / seconds,
        (b.jvm() - a.jvm()) / TICKS_PER_SECOND / seconds,
        (b.postgres() - a.postgres()) / TICKS_PER_SECOND / seconds,
        (b.engine() - a.engine()) / TICKS_PER_SECOND / seconds);
  }

  private static long machineBusy() throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
    String[] f = cpu.trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < Math.min(f.length, 9); i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
    return total - idle;
  }

  private long postgres() throws IOException {
    if (postmaster < 0) {
      postmaster = findPostmaster();
      if (postmaster < 0) {
        return 0;
      }
    }
    // The postmaster's own time plus what it reaped from exited children, plus live children.
    long ticks = ownTicks(Long.toString(postmaster), true);
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        String[] f = statFields(p.getFileName().toString());
        if (f != null && Long.parseLong(f[1]) == postmaster) {
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
      }
    }
    return ticks;
  }

  private long findPostmaster() throws IOException {
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : procs) {
        try {
          String[] args =
              new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                  .split("\0");
          if (args.length > 0 && args[0].endsWith("/postgres")) {
            for (int i = 0; i + 1 < args.length; i++) {
              if (args[i].equals("-p") && args[i + 1].equals(Integer.toString(postgresPort))) {
                return Long.parseLong(p.getFileName().toString());
              }
            }
          }
        } catch (IOException gone) {
          // the process exited meanwhile
        }
      }
    }
    return -1;
  }

  private static long ownTicks(String pid, boolean withChildren) {
    String[] f = statFields(pid);
    if (f == null) {
      return 0;
    }
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    if (withChildren) {
      ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }
    return ticks;
  }

  /** Fields of /proc/pid/stat after the command name: [0] state, [1] ppid, [11] utime, ... */
  private static String[] statFields(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
