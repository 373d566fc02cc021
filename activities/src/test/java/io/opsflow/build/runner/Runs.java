package io.opsflow.build.runner;

import io.opsflow.build.JobRun;
import io.opsflow.build.StepSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Test data: job runs and steps. */
public final class Runs {

  private Runs() {}

  /** A build id unlikely to meet leftovers of earlier runs on a shared engine. */
  public static long newBuildId() {
    return ThreadLocalRandom.current().nextLong(1_000_000, 1_000_000_000L);
  }

  /** An installation token of its own, so tests sharing an engine or directory never meet. */
  public static InstallationToken newInstallation() {
    return new InstallationToken(
        String.format("%08x", ThreadLocalRandom.current().nextLong(0x1_0000_0000L)));
  }

  public static StepSpec step(String run) {
    return new StepSpec(null, run, Map.of());
  }

  public static StepSpec step(String name, String run, Map<String, String> env) {
    return new StepSpec(name, run, env);
  }

  public static JobRun run(long buildId, String jobId, String image, StepSpec... steps) {
    return run(buildId, jobId, image, Map.of(), 120, steps);
  }

  public static JobRun run(
      long buildId,
      String jobId,
      String image,
      Map<String, String> env,
      long timeoutSeconds,
      StepSpec... steps) {
    return new JobRun(buildId, jobId, 1, image, env, List.of(steps), timeoutSeconds);
  }

  /** Whether {@code pid} runs (a zombie waiting for its parent to reap it does not count). */
  public static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException gone) {
      return false;
    }
  }

  /** The number in a pid file. */
  public static long pidIn(Path file) {
    try {
      return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Collects the lines a backend hands on. */
  public static final class Lines implements JobBackend.LineSink {
    private final List<Long> numbers = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();

    @Override
    public synchronized void accept(long lineNo, String line) {
      numbers.add(lineNo);
      lines.add(line);
    }

    public synchronized List<Long> numbers() {
      return List.copyOf(numbers);
    }

    public synchronized List<String> lines() {
      return List.copyOf(lines);
    }

    /** The lines without the runner's step markers. */
    public synchronized List<String> output() {
      return lines.stream().filter(l -> !l.startsWith(JobScript.STEP_MARKER)).toList();
    }
  }

  /** Thrown by a sink to stand for the worker dying while it follows a job. */
  public static final class WorkerLost extends RuntimeException {
    public WorkerLost() {
      super("worker lost");
    }
  }

  /** A sink that collects lines and "loses the worker" right after {@code lastLine}. */
  public static JobBackend.LineSink crashAfter(String lastLine, Lines into) {
    return (lineNo, line) -> {
      into.accept(lineNo, line);
      if (line.equals(lastLine)) {
        throw new WorkerLost();
      }
    };
  }
}
