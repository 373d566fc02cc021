package io.opsflow.build.local;

import io.opsflow.build.JobRun;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.build.runner.JobBackend;
import io.opsflow.build.runner.JobScript;
import io.opsflow.build.runner.LineSplitter;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs jobs as local processes, like a CI "shell" executor. The image is ignored: steps run with
 * the worker host's own tools.
 *
 * <p>The work directory belongs to one installation ({@link #forInstallation}): attempt directories
 * are keyed by build id, which every fresh database numbers from 1 again.
 *
 * <p>Layout under the work directory: {@code build-<id>/workspace/} is shared by the build's jobs
 * and is every script's working directory; {@code <resourceName>/} holds one attempt's {@code
 * script.sh}, {@code output.log}, {@code pid} and, once the script has ended, {@code exit-code}.
 * The attempt runs under a wrapper started with {@code setsid}, so it is its own process group and
 * session and outlives a worker restart; a new worker re-attaches by reading those files.
 *
 * <p>The environment is the run's env over a minimal one inherited from the worker: {@code PATH}
 * and {@code HOME} only, so worker secrets do not leak into jobs.
 */
public final class LocalJobBackend implements JobBackend {

  private static final Logger log = LoggerFactory.getLogger(LocalJobBackend.class);

  static final String SCRIPT = "script.sh";
  static final String OUTPUT = "output.log";
  static final String PID = "pid";
  static final String EXIT_CODE = "exit-code";
  static final String RUNNER_LOG = "runner.log";

  private static final Duration PID_WAIT = Duration.ofSeconds(10);
  private static final Duration EARLIER_START_WAIT = Duration.ofSeconds(2);
  private static final long POLL_MILLIS = 50;
  private static final long ALIVE_EVERY_MILLIS = 200;

  private final Path workDir;
  private final Duration killGrace;

  /**
   * The backend of one installation: its work directory is {@code <baseDir>/<token>}, so
   * installations sharing {@code baseDir} never see each other's attempts.
   *
   * @param baseDir the configured work directory, shared by installations
   * @param token this installation's token
   * @param killGrace how long a stopped job may take to exit after TERM before it gets KILL
   */
  public static LocalJobBackend forInstallation(
      Path baseDir, InstallationToken token, Duration killGrace) {
    return new LocalJobBackend(baseDir.resolve(token.value()), killGrace);
  }

  /** A backend using {@code workDir} as it is, with a 5 s grace between TERM and KILL. */
  public LocalJobBackend(Path workDir) {
    this(workDir, Duration.ofSeconds(5));
  }

  /**
   * A backend using {@code workDir} as it is; it must belong to one installation only (see {@link
   * #forInstallation}).
   *
   * @param workDir where workspaces and attempt directories live
   * @param killGrace how long a stopped job may take to exit after TERM before it gets KILL
   */
  public LocalJobBackend(Path workDir, Duration killGrace) {
    this.workDir = workDir.toAbsolutePath().normalize();
    this.killGrace = killGrace;
  }

  @Override
  public String kind() {
    return "local";
  }

  /** The directory holding this backend's workspaces and attempt directories. */
  public Path workDir() {
    return workDir;
  }

  /** The directory shared by the jobs of {@code buildId}: their scripts' working directory. */
  public Path workspace(long buildId) {
    return workDir.resolve("build-" + buildId).resolve("workspace");
  }

  /** The directory of one attempt: script, output, pid and exit code. */
  public Path attemptDir(JobRun run) {
    return workDir.resolve(run.resourceName());
  }

  @Override
  public boolean ensureStarted(JobRun run) {
    Path dir = attemptDir(run);
    if (startedBefore(dir)) {
      return false;
    }
    // A directory without a pid: an earlier call may have launched the wrapper a moment ago.
    if (Files.isDirectory(dir) && awaitPid(dir, EARLIER_START_WAIT)) {
      return false;
    }
    try {
      Path workspace = Files.createDirectories(workspace(run.buildId()));
      Files.createDirectories(dir);
      writeAtomically(dir.resolve(SCRIPT), JobScript.render(run));
      ProcessBuilder wrapper = new ProcessBuilder("setsid", "sh", "-c", wrapperScript(dir));
      wrapper.directory(workspace.toFile());
      wrapper.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      wrapper.redirectErrorStream(true);
      wrapper.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(RUNNER_LOG).toFile()));
      Map<String, String> env = wrapper.environment();
      String path = System.getenv("PATH");
      String home = System.getenv("HOME");
      env.clear();
      env.put("PATH", path != null ? path : "/usr/local/bin:/usr/bin:/bin");
      env.put("HOME", home != null ? home : System.getProperty("user.home"));
      env.putAll(run.env());
      wrapper.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + run.resourceName() + " in " + dir, e);
    }
    if (!awaitPid(dir, PID_WAIT)) {
      throw new IllegalStateException(
          run.resourceName() + " did not start within " + PID_WAIT + "; see " + RUNNER_LOG);
    }
    return true;
  }

  /** The wrapper records its pid (= process group), runs the script, then its exit code. */
  private static String wrapperScript(Path dir) {
    String d = JobScript.quote(dir.toString());
    return "echo $$ > "
        + d
        + "/pid.tmp && mv "
        + d
        + "/pid.tmp "
        + d
        + "/pid\n"
        + "sh "
        + d
        + "/script.sh > "
        + d
        + "/output.log 2>&1\n"
        + "echo $? > "
        + d
        + "/exit-code.tmp\n"
        + "mv "
        + d
        + "/exit-code.tmp "
        + d
        + "/exit-code\n";
  }

  @Override
  public JobExit follow(JobRun run, long skip, LineSink lines, Runnable alive) {
    Path dir = attemptDir(run);
    if (!Files.isDirectory(dir)) {
      return new JobExit(JobExit.LOST, false, "the job's directory " + dir + " is gone");
    }
    try (Tail tail = new Tail(dir.resolve(OUTPUT), skip, lines)) {
      long pgid = readLong(dir.resolve(PID));
      Instant deadline = startedAt(dir).plusSeconds(run.timeoutSeconds());
      long lastAlive = System.nanoTime();
      while (true) {
        boolean read = tail.readAvailable();
        if (System.nanoTime() - lastAlive >= ALIVE_EVERY_MILLIS * 1_000_000) {
          alive.run();
          lastAlive = System.nanoTime();
        }
        // Checked on every pass, so a job that never stops printing is stopped all the same.
        if (Instant.now().isAfter(deadline) && exitCode(dir) == null) {
          stop(pgid, dir);
          tail.readAll();
          return new JobExit(JobExit.LOST, true, "timed out after " + run.timeoutSeconds() + " s");
        }
        if (read) {
          continue;
        }
        Integer code = exitCode(dir);
        if (code != null) {
          // The wrapper writes the exit code after the script ended: the output is complete.
          tail.readAll();
          return new JobExit(code, false, null);
        }
        if (pgid > 0 && !ProcessGroups.alive(pgid)) {
          code = exitCode(dir); // it may have finished between the two checks
          tail.readAll();
          return code != null
              ? new JobExit(code, false, null)
              : new JobExit(JobExit.LOST, false, "the job's processes ended without an exit code");
        }
        pause();
      }
    }
  }

  @Override
  public void delete(JobRun run) {
    Path dir = attemptDir(run);
    if (!Files.isDirectory(dir)) {
      return;
    }
    stop(readLong(dir.resolve(PID)), dir);
    deleteTree(dir);
  }

  /**
   * Keeps only the {@code exit-code} file of a finished attempt: the process is gone and its output
   * is stored, while the exit code lets a retried activity re-attach instead of running it again.
   */
  @Override
  public void release(JobRun run, JobExit exit) {
    Path dir = attemptDir(run);
    if (exit.exitCode() == JobExit.LOST || exitCode(dir) == null) {
      delete(run);
      return;
    }
    for (String name : new String[] {SCRIPT, OUTPUT, PID, RUNNER_LOG}) {
      try {
        Files.deleteIfExists(dir.resolve(name));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove " + dir.resolve(name), e);
      }
    }
  }

  /** Stops the build's remaining attempts and removes its workspace and attempt directories. */
  @Override
  public void deleteWorkspace(long buildId) {
    String prefix = "build-" + buildId + "-";
    if (Files.isDirectory(workDir)) {
      try (DirectoryStream<Path> attempts = Files.newDirectoryStream(workDir, prefix + "*")) {
        for (Path dir : attempts) {
          stop(readLong(dir.resolve(PID)), dir);
          deleteTree(dir);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + workDir, e);
      }
    }
    deleteTree(workspace(buildId).getParent());
  }

  private static boolean startedBefore(Path dir) {
    return Files.exists(dir.resolve(PID)) || Files.exists(dir.resolve(EXIT_CODE));
  }

  private static boolean awaitPid(Path dir, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!startedBefore(dir)) {
      if (System.nanoTime() > end) {
        return false;
      }
      pause();
    }
    return true;
  }

  /** TERM to the attempt's process group, KILL after the grace. */
  private void stop(long pgid, Path dir) {
    if (pgid <= 1 || !ProcessGroups.alive(pgid)) {
      return;
    }
    // The leader's command line names the attempt dir; a different one means the pid was reused.
    String leader = ProcessGroups.commandLine(pgid).orElse(null);
    if (leader != null && !leader.contains(dir.toString())) {
      log.warn("process group {} is no longer {}; not signalling it", pgid, dir);
      return;
    }
    ProcessGroups.kill("TERM", pgid);
    if (awaitGroupExit(pgid, killGrace)) {
      return;
    }
    ProcessGroups.kill("KILL", pgid);
    if (!awaitGroupExit(pgid, Duration.ofSeconds(10))) {
      throw new IllegalStateException("process group " + pgid + " survived KILL");
    }
  }

  private static boolean awaitGroupExit(long pgid, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (ProcessGroups.alive(pgid)) {
      if (System.nanoTime() > end) {
        return false;
      }
      pause();
    }
    return true;
  }

  private static Instant startedAt(Path dir) {
    for (String marker : new String[] {PID, EXIT_CODE}) {
      try {
        return Files.getLastModifiedTime(dir.resolve(marker)).toInstant();
      } catch (NoSuchFileException e) {
        // try the next marker
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Instant.now();
  }

  private static Integer exitCode(Path dir) {
    long code = readLong(dir.resolve(EXIT_CODE));
    return code < 0 ? null : (int) code;
  }

  /** The number in a marker file, or -1 when it does not exist. */
  private static long readLong(Path file) {
    try {
      return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).strip());
    } catch (NoSuchFileException e) {
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NumberFormatException e) {
      throw new IllegalStateException(file + " does not hold a number", e);
    }
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // removed concurrently: what we wanted
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + root, e);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Reads output.log from the start, numbering lines and handing those from {@code skip} on. */
  private static final class Tail implements AutoCloseable {
    private final Path file;
    private final long skip;
    private final LineSink sink;
    private final LineSplitter splitter = new LineSplitter();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private FileChannel channel;
    private long lineNo;

    Tail(Path file, long skip, LineSink sink) {
      this.file = file;
      this.skip = skip;
      this.sink = sink;
    }

    /** Reads what is there now; hands complete lines. Returns whether any bytes were read. */
    boolean readAvailable() {
      if (channel == null) {
        try {
          channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
          return false; // the wrapper has not redirected yet, or the attempt was released
        } catch (IOException e) {
          throw new UncheckedIOException("cannot open " + file, e);
        }
      }
      try {
        buffer.clear();
        int n = channel.read(buffer);
        if (n <= 0) {
          return false;
        }
        splitter.feed(buffer.array(), 0, n, this::deliver);
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }

    /** Reads to the end of the finished output, including an unterminated last line. */
    void readAll() {
      while (readAvailable()) {
        // keep reading
      }
      splitter.finish(this::deliver);
    }

    private void deliver(String line) {
      if (lineNo >= skip) {
        sink.accept(lineNo, line);
      }
      lineNo++;
    }

    @Override
    public void close() {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          log.debug("closing {}", file, e);
        }
      }
    }
  }
}
