package io.opsflow.pass;

import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;
import io.temporal.failure.ApplicationFailure;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pass executors as JVM processes on this host (as the CI local runner runs jobs): the same java
 * and classpath as this process, the executor's main class with the marker arguments {@value
 * #PASS_ID_ARG}{@code <id>} and {@value #INSTALLATION_ARG}{@code <token>} (the database's {@link
 * io.opsflow.build.runner.InstallationToken}, so installations sharing a host never meet). When the
 * classpath is one Spring Boot jar, it runs through {@code PropertiesLauncher} with {@code
 * -Dloader.main}.
 *
 * <p>The process runs in its own session ({@code setsid}) and outlives the worker that launched it;
 * a restarted worker finds it again by its command line in {@link ProcessHandle#allProcesses()},
 * which is how launch re-attaches (one per pass: launches are serialised by a lock file per pass)
 * and how terminate finds it. Settings reach it as {@code SPRING_APPLICATION_JSON} in its
 * environment (the database password and the payload keys are not on the command line); its output
 * goes to {@code <logDir>/pass-<id>-executor.log}. It exits by itself at the window's end plus the
 * exit grace.
 */
public final class LocalExecutorBackend implements ExecutorBackend {

  private static final Logger log = LoggerFactory.getLogger(LocalExecutorBackend.class);

  /** The marker argument naming the pass. */
  public static final String PASS_ID_ARG = "--opsflow.pass-executor.pass-id=";

  /** The marker argument naming the installation. */
  public static final String INSTALLATION_ARG = "--opsflow.pass-executor.installation=";

  static final String LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";
  private static final Duration APPEAR_WAIT = Duration.ofSeconds(10);

  private final Path logDir;
  private final String installation;
  private final List<String> javaOptions;
  private final String mainClass;
  private final Duration exitGrace;
  private final Duration killGrace;
  private final Map<String, String> settings;
  private final Map<Long, Object> launching = new ConcurrentHashMap<>();

  /**
   * @param logDir where executors' logs and lock files go
   * @param installation this installation's token
   * @param javaOptions the executors' JVM options
   * @param mainClass the executor's main class
   * @param exitGrace how long after the window's end an executor still runs
   * @param killGrace how long a terminated executor may take before it is killed
   * @param settings Spring properties the executor needs (database, Temporal, payload keys)
   */
  public LocalExecutorBackend(
      Path logDir,
      String installation,
      List<String> javaOptions,
      String mainClass,
      Duration exitGrace,
      Duration killGrace,
      Map<String, String> settings) {
    this.logDir = logDir.toAbsolutePath().normalize();
    this.installation = installation;
    this.javaOptions = List.copyOf(javaOptions);
    this.mainClass = mainClass;
    this.exitGrace = exitGrace;
    this.killGrace = killGrace;
    this.settings = Map.copyOf(settings);
  }

  @Override
  public String kind() {
    return ExecutorHandle.PROCESS;
  }

  /** The log of a pass's executor. */
  public Path logFile(long passId) {
    return logDir.resolve("pass-" + passId + "-executor.log");
  }

  @Override
  public ExecutorHandle launch(ExecutorSpec spec) {
    synchronized (launching.computeIfAbsent(spec.passId(), id -> new Object())) {
      try {
        Files.createDirectories(logDir);
        try (FileChannel lockFile =
            FileChannel.open(
                logDir.resolve("pass-" + spec.passId() + ".lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
          // Another worker on this host may be launching the same pass: one at a time.
          FileLock held = lockFile.lock();
          try {
            Optional<ProcessHandle> running = find(spec.passId()).findFirst();
            if (running.isPresent()) {
              return handle(spec.passId(), running.get());
            }
            return start(spec);
          } finally {
            held.release();
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot launch the executor of pass " + spec.passId(), e);
      }
    }
  }

  private ExecutorHandle start(ExecutorSpec spec) throws IOException {
    Instant exitAt = spec.deadline().plus(exitGrace);
    if (!exitAt.isAfter(Instant.now())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the window of pass " + spec.passId() + " ended at " + spec.deadline(),
          "ExecutorDeadlinePassed");
    }
    List<String> command = new ArrayList<>();
    Path setsid = Path.of("/usr/bin/setsid");
    if (Files.isExecutable(setsid)) {
      command.add(setsid.toString());
    }
    command.addAll(javaCommand());
    command.add(PASS_ID_ARG + spec.passId());
    command.add(INSTALLATION_ARG + installation);
    command.add("--opsflow.pass-executor.task-queue=" + spec.taskQueue());
    command.add("--opsflow.pass-executor.deadline=" + exitAt);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(spec.passId()).toFile()));
    builder.environment().put("SPRING_APPLICATION_JSON", PassJson.write(settings));
    builder.environment().remove("OPSFLOW_PAYLOAD_KEY"); // the JSON carries the keys
    Process process = builder.start();
    log.info(
        "pass {}: executor process {} started, log {}",
        spec.passId(),
        process.pid(),
        logFile(spec.passId()));
    long end = System.nanoTime() + APPEAR_WAIT.toNanos();
    while (System.nanoTime() < end) {
      Optional<ProcessHandle> found = find(spec.passId()).findFirst();
      if (found.isPresent()) {
        return handle(spec.passId(), found.get());
      }
      if (!process.isAlive()) {
        break;
      }
      sleep(50);
    }
    throw new IllegalStateException(
        "the executor of pass "
            + spec.passId()
            + " did not start (exit "
            + (process.isAlive() ? "none" : process.exitValue())
            + "); see "
            + logFile(spec.passId()));
  }

  /** java, its options, the classpath and the main class (through the launcher for a boot jar). */
  List<String> javaCommand() {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String classpath = System.getProperty("java.class.path");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(javaOptions);
    if (bootJar(classpath)) {
      command.add("-Dloader.main=" + mainClass);
      command.add("-cp");
      command.add(classpath);
      command.add(LAUNCHER);
    } else {
      command.add("-cp");
      command.add(classpath);
      command.add(mainClass);
    }
    return command;
  }

  /** Whether the classpath is a single Spring Boot executable jar. */
  static boolean bootJar(String classpath) {
    if (classpath == null
        || classpath.contains(File.pathSeparator)
        || !classpath.endsWith(".jar")
        || !Files.isRegularFile(Path.of(classpath))) {
      return false;
    }
    try (JarFile jar = new JarFile(classpath)) {
      return jar.getEntry("BOOT-INF/classes/") != null
          || (jar.getManifest() != null
              && jar.getManifest().getMainAttributes().getValue("Spring-Boot-Version") != null);
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public boolean alive(ExecutorHandle executor) {
    long pid;
    try {
      pid = Long.parseLong(executor.id());
    } catch (NumberFormatException e) {
      return false;
    }
    return ProcessHandle.of(pid).filter(p -> isExecutorOf(p, executor.passId())).isPresent();
  }

  @Override
  public void terminate(long passId) {
    List<ProcessHandle> executors = find(passId).toList();
    for (ProcessHandle p : executors) {
      log.info("pass {}: terminating executor process {}", passId, p.pid());
      p.destroy();
    }
    for (ProcessHandle p : executors) {
      if (!awaitExit(p, killGrace)) {
        log.warn("pass {}: executor process {} ignored TERM, killing it", passId, p.pid());
        p.destroyForcibly();
        if (!awaitExit(p, Duration.ofSeconds(10))) {
          throw new IllegalStateException(
              "the executor process " + p.pid() + " of pass " + passId + " survived KILL");
        }
      }
    }
  }

  /** The live executor processes of a pass in this installation. */
  java.util.stream.Stream<ProcessHandle> find(long passId) {
    return ProcessHandle.allProcesses().filter(p -> isExecutorOf(p, passId));
  }

  private boolean isExecutorOf(ProcessHandle p, long passId) {
    if (!p.isAlive()) {
      return false;
    }
    List<String> args = arguments(p);
    return args.contains(PASS_ID_ARG + passId) && args.contains(INSTALLATION_ARG + installation);
  }

  /**
   * The process's command line. From {@code /proc/<pid>/cmdline} where there is one: the JDK's
   * {@link ProcessHandle.Info#arguments()} reads only its first 4096 octets and gives nothing for a
   * longer one, and an executor's classpath is longer.
   */
  static List<String> arguments(ProcessHandle p) {
    Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
    try {
      String raw = Files.readString(cmdline, java.nio.charset.StandardCharsets.UTF_8);
      if (!raw.isEmpty()) {
        return Arrays.asList(raw.split("\0"));
      }
    } catch (IOException e) {
      // gone, not ours, or no procfs
    }
    return p.info().arguments().map(Arrays::asList).orElse(List.of());
  }

  private static ExecutorHandle handle(long passId, ProcessHandle p) {
    return new ExecutorHandle(
        passId,
        ExecutorHandle.PROCESS,
        Long.toString(p.pid()),
        hostname(),
        p.info().startInstant().orElse(Instant.now()));
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static boolean awaitExit(ProcessHandle p, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (p.isAlive()) {
      if (System.nanoTime() > end) {
        return false;
      }
      sleep(50);
    }
    return true;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
