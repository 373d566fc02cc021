package io.opsflow.workers.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.device.telemetry.EndpointDirectory;
import io.opsflow.device.telemetry.RelpFrame;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.device.telemetry.SyslogProperties;
import io.opsflow.device.telemetry.TelemetryStore;
import io.opsflow.simulators.syslog.RelpSender;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RELP into the syslog intake against PostgreSQL: acknowledgements only after commit, refusals, and
 * the reliability promise of issue 15 — the intake SIGKILLed mid-stream (a separate JVM, {@link
 * RelpIntakeProcess}) and started again, with rsyslog's omrelp and with the simulators' {@link
 * RelpSender} as senders: every numbered message stored exactly once.
 */
class RelpIntakeIT {

  private static final int MESSAGES = Integer.getInteger("relp.messages", 6000);
  private static final int KILLS = 2;

  private static FleetDatabase db;

  @TempDir Path dir;

  private SyslogIntake intake;
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  static void database() {
    db = new FleetDatabase();
  }

  @AfterAll
  static void stopDatabase() {
    db.close();
  }

  @BeforeEach
  void setUp() {
    db.empty();
    long tenant = db.tenant("alpha");
    long drone = db.device(tenant, "drone-1", "drone", "primary");
    db.endpoint(drone, "127.0.0.1");
  }

  @AfterEach
  void tearDown() {
    if (intake != null) {
      intake.stop();
    }
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- in-process protocol checks

  private SyslogIntake startInProcess() {
    SyslogProperties p = SyslogProperties.onPorts(-1, -1, 0);
    intake =
        new SyslogIntake(
            p,
            new TelemetryStore(db.jdbc, db.tx, new ObjectMapper()),
            new EndpointDirectory(db.jdbc, p.endpointRefresh(), Clock.systemUTC()),
            List.of(),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    intake.start();
    return intake;
  }

  /** A raw RELP connection for the protocol tests. */
  private static final class Raw implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    Raw(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(20_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream());
    }

    void send(String bytes) throws IOException {
      out.write(bytes.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    void send(long txnr, String command, String data) throws IOException {
      out.write(RelpFrame.of(txnr, command, data).encode());
      out.flush();
    }

    RelpFrame read() throws IOException {
      return RelpFrame.read(in, 1 << 20);
    }

    RelpFrame open() throws IOException {
      send(1, "open", "relp_version=0\nrelp_software=it\ncommands=syslog");
      return read();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private int stored(String raw) {
    return db.jdbc.queryForObject(
        "select count(*) from telemetry_records where raw = ? and transport = 'relp'",
        Integer.class,
        raw);
  }

  @Test
  void aMessageIsAcknowledgedOnlyOnceCommittedAndAResendIsStoredOnce() throws Exception {
    startInProcess();
    String msg = "<134>1 2026-12-04T21:00:00.000001Z drone-1 relptest - SEQ - seq=1";
    try (Raw relp = new Raw(intake.relpPort())) {
      RelpFrame opened = relp.open();
      assertThat(opened.txnr()).isEqualTo(1);
      assertThat(opened.command()).isEqualTo("rsp");
      assertThat(opened.text()).startsWith("200 OK");
      assertThat(RelpFrame.offers(opened.text()))
          .containsEntry("relp_version", "0")
          .containsEntry("commands", "syslog");

      relp.send(2, "syslog", msg);
      RelpFrame ack = relp.read();
      // the acknowledgement is the promise: the row is there the moment it arrives
      assertThat(stored(msg)).isEqualTo(1);
      assertThat(ack).isEqualTo(RelpFrame.of(2, "rsp", "200 OK"));

      relp.send(3, "close", "");
      assertThat(relp.read()).isEqualTo(RelpFrame.of(3, "rsp", "200 OK"));
      assertThat(relp.read()).as("the intake closes after close").isNull();
    }
    // the sender did not see the acknowledgement (say) and sends it again in a new session
    try (Raw relp = new Raw(intake.relpPort())) {
      relp.open();
      relp.send(2, "syslog", msg);
      assertThat(relp.read()).isEqualTo(RelpFrame.of(2, "rsp", "200 OK"));
    }
    assertThat(stored(msg)).isEqualTo(1);
    assertThat(intake.stats().duplicates()).isEqualTo(1);
    Map<String, Object> row =
        db.jdbc.queryForMap("select device_id, msg_id, message from telemetry_records");
    assertThat(row).containsEntry("msg_id", "SEQ").containsEntry("message", "seq=1");
    assertThat(row.get("device_id")).isNotNull();
  }

  @Test
  void malformedOversizedAndOutOfOrderFramesAreRefusedAndCounted() throws Exception {
    startInProcess();
    try (Raw relp = new Raw(intake.relpPort())) {
      relp.send("hello\n");
      assertThat(relp.read()).isEqualTo(RelpFrame.of(0, "serverclose", ""));
      assertThat(relp.read()).isNull();
    }
    try (Raw relp = new Raw(intake.relpPort())) {
      relp.open();
      // 70000 bytes announced, above max-message-length (65536): refused from the header
      relp.send("2 syslog 70000 ");
      assertThat(relp.read()).isEqualTo(RelpFrame.of(0, "serverclose", ""));
      assertThat(relp.read()).isNull();
    }
    try (Raw relp = new Raw(intake.relpPort())) {
      relp.send(1, "syslog", "<13>1 - h a - - - before open");
      RelpFrame refused = relp.read();
      assertThat(refused.txnr()).isEqualTo(1);
      assertThat(refused.text()).isEqualTo("500 open expected before syslog");
      assertThat(relp.read()).isNull();
    }
    try (Raw relp = new Raw(intake.relpPort())) {
      relp.open();
      relp.send(2, "starttls", "");
      assertThat(relp.read().text()).isEqualTo("500 command not supported: starttls");
      // the session goes on
      relp.send(3, "syslog", "<13>1 - h a - - - after a refusal");
      assertThat(relp.read()).isEqualTo(RelpFrame.of(3, "rsp", "200 OK"));
    }
    assertThat(intake.stats().relpRefused()).isEqualTo(4);
    assertThat(db.jdbc.queryForObject("select count(*) from telemetry_records", Integer.class))
        .isEqualTo(1);
  }

  // ------------------------------------------------------------ SIGKILL of a separate intake JVM

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private Process startIntakeProcess(int port, int n) throws Exception {
    Path log = dir.resolve("intake-" + n + ".log");
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            RelpIntakeProcess.class.getName(),
            db.postgres.jdbcUrl(),
            db.postgres.username(),
            db.postgres.password(),
            Integer.toString(port));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    await(
        "intake process " + n + " ready (" + log + ")",
        Duration.ofSeconds(60),
        () -> {
          try {
            return Files.exists(log) && Files.readString(log).contains("READY " + port);
          } catch (IOException e) {
            return false;
          }
        });
    return p;
  }

  /** SIGKILL: the JVM gets no chance to flush, commit or acknowledge anything. */
  private static void sigkill(Process p) throws InterruptedException {
    p.destroyForcibly(); // SIGKILL on Linux
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("killed by signal 9").isEqualTo(137);
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Resent messages the intake processes recognised as stored (from their logs). */
  private long resendsSkipped() throws IOException {
    Pattern line = Pattern.compile("(\\d+) resent RELP messages already stored");
    long sum = 0;
    try (var logs = Files.newDirectoryStream(dir, "intake-*.log")) {
      for (Path log : logs) {
        Matcher m = line.matcher(Files.readString(log));
        while (m.find()) {
          sum += Long.parseLong(m.group(1));
        }
      }
    }
    return sum;
  }

  private int relpRows() {
    return db.jdbc.queryForObject(
        "select count(*) from telemetry_records where transport = 'relp'", Integer.class);
  }

  /** What the database holds of messages 0..n-1 (numbered seq=NNNNNN). */
  private record Outcome(int stored, int distinct, int lost, int duplicated) {}

  private Outcome outcome(int n) {
    List<Integer> seqs =
        db.jdbc.queryForList(
            "select (regexp_match(raw, 'seq=(\\d+)'))[1]::int from telemetry_records"
                + " where transport = 'relp'",
            Integer.class);
    long distinct = seqs.stream().distinct().count();
    long inRange = seqs.stream().distinct().filter(s -> s != null && s >= 0 && s < n).count();
    return new Outcome(
        seqs.size(), (int) distinct, (int) (n - inRange), (int) (seqs.size() - distinct));
  }

  private static String numbered(int seq) {
    return String.format(
        "<134>1 2026-12-04T21:00:00.000001Z drone-1 relptest - SEQ - seq=%06d", seq);
  }

  /**
   * A loopback TCP relay between the sender and the intake whose reply direction can be cut: the
   * worst moment of a kill, where the intake has committed messages but their {@code rsp 200 OK}
   * never reaches the sender (in the network, in a buffer, or not yet written), made to happen
   * every time instead of by chance.
   */
  private static final class ReplyDroppingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final int target;
    private final List<Socket> sockets = new ArrayList<>();
    private volatile boolean dropReplies;

    ReplyDroppingRelay(int target) throws IOException {
      this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
      this.target = target;
      Thread.ofVirtual().start(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    void dropReplies(boolean drop) {
      dropReplies = drop;
    }

    /** Closes every relayed connection (the sender sees its connection break). */
    synchronized void cut() {
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
      sockets.clear();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Socket upstream;
          try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          } catch (IOException down) {
            client.close(); // the intake is down: the sender retries
            continue;
          }
          synchronized (this) {
            sockets.add(client);
            sockets.add(upstream);
          }
          Thread.ofVirtual().start(() -> pump(client, upstream, false));
          Thread.ofVirtual().start(() -> pump(upstream, client, true));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void pump(Socket from, Socket to, boolean replies) {
      byte[] buffer = new byte[16 * 1024];
      try (from;
          to) {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (replies && dropReplies) {
            continue;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException ended) {
        // either side went away: both are closed
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      cut();
    }
  }

  /**
   * Kills the intake process {@link #KILLS} times, each once a further share of the messages is
   * stored, and starts a new one on the same port after a short outage; returns the last process.
   * Before the odd-numbered kills the relay drops the intake's replies for half a second: the
   * intake keeps committing (until the sender's window is full), none of those acknowledgements
   * arrive, and the sender resends those messages to the next process.
   */
  private Process killAlongTheWay(int port, Process first, ReplyDroppingRelay relay)
      throws Exception {
    Process current = first;
    for (int k = 1; k <= KILLS; k++) {
      int threshold = MESSAGES * k / (KILLS + 1);
      await(threshold + " stored", Duration.ofSeconds(120), () -> relpRows() >= threshold);
      boolean dropAcks = k % 2 == 1;
      if (dropAcks) {
        relay.dropReplies(true);
        Thread.sleep(500);
      }
      sigkill(current);
      relay.cut();
      relay.dropReplies(false);
      Thread.sleep(300);
      current = startIntakeProcess(port, k + 1);
    }
    return current;
  }

  @Test
  void javaRelpSenderThroughASigkilledIntakeStoresEveryMessageExactlyOnce() throws Exception {
    int port = freePort();
    Process first = startIntakeProcess(port, 1);
    ReplyDroppingRelay relay = new ReplyDroppingRelay(port);
    CompletableFuture<RelpSender.Stats> sending =
        CompletableFuture.supplyAsync(
            () -> {
              try (RelpSender sender =
                  new RelpSender(
                      new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port()),
                      InetAddress.getLoopbackAddress(),
                      128,
                      Duration.ofSeconds(1))) {
                for (int i = 0; i < MESSAGES; i++) {
                  sender.send(numbered(i));
                  if (i % 50 == 49) {
                    sender.flush();
                    Thread.sleep(5); // ~10,000 messages/s: the kills land mid-stream
                  }
                }
                assertThat(sender.awaitAcknowledged(Duration.ofSeconds(120))).isTrue();
                return sender.stats();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    killAlongTheWay(port, first, relay);
    RelpSender.Stats stats = sending.get(180, TimeUnit.SECONDS);
    relay.close();

    Outcome outcome = outcome(MESSAGES);
    System.out.printf(
        "RELP java sender: %d messages, %d kills, %d sessions, %d frames resent (%d of them"
            + " stored before: skipped), stored %d, lost %d, duplicated %d%n",
        MESSAGES,
        KILLS,
        stats.sessions(),
        stats.resent(),
        resendsSkipped(),
        outcome.stored(),
        outcome.lost(),
        outcome.duplicated());
    assertThat(stats.acknowledged()).isEqualTo(MESSAGES);
    assertThat(stats.sessions()).isGreaterThan(KILLS);
    assertThat(resendsSkipped()).as("resends of committed messages were recognised").isPositive();
    assertThat(outcome.lost()).isZero();
    assertThat(outcome.duplicated()).isZero();
    assertThat(outcome.stored()).isEqualTo(MESSAGES);
  }

  @Test
  void rsyslogOmrelpThroughASigkilledIntakeStoresEveryMessageExactlyOnce() throws Exception {
    Path rsyslogd = Path.of("/usr/sbin/rsyslogd");
    Path omrelp = Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so");
    if (!Files.isExecutable(rsyslogd) || !Files.exists(omrelp)) {
      fail(
          "rsyslogd with omrelp is needed: apt-get install -y rsyslog rsyslog-relp (missing "
              + (Files.isExecutable(rsyslogd) ? omrelp : rsyslogd)
              + ")");
    }
    int port = freePort();
    int input = freePort();
    Process first = startIntakeProcess(port, 1);
    ReplyDroppingRelay relay = new ReplyDroppingRelay(port);
    Path work = Files.createDirectories(dir.resolve("rsyslog"));
    Path conf = dir.resolve("rsyslog.conf");
    Files.writeString(
        conf,
        """
        global(workDirectory="%s" maxMessageSize="64k")
        module(load="imtcp")
        module(load="omrelp")
        input(type="imtcp" address="127.0.0.1" port="%d" ruleset="forward")
        ruleset(name="forward") {
          action(type="omrelp" target="127.0.0.1" port="%d"
                 template="RSYSLOG_SyslogProtocol23Format"
                 action.resumeRetryCount="-1" action.resumeInterval="1"
                 queue.type="LinkedList" queue.size="200000")
        }
        """
            .formatted(work, input, relay.port()));
    Path pidFile = dir.resolve("rsyslogd.pid");
    Process rsyslog =
        new ProcessBuilder(
                rsyslogd.toString(), "-n", "-f", conf.toString(), "-i", pidFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("rsyslogd.log").toFile())
            .start();
    processes.add(rsyslog);
    try {
      Socket toRsyslog = connectWithRetry(input);
      CompletableFuture<Void> sending =
          CompletableFuture.runAsync(
              () -> {
                try (toRsyslog;
                    OutputStream out = toRsyslog.getOutputStream()) {
                  for (int i = 0; i < MESSAGES; i++) {
                    out.write((numbered(i) + "\n").getBytes(StandardCharsets.UTF_8));
                    if (i % 50 == 49) {
                      out.flush();
                      Thread.sleep(5);
                    }
                  }
                  out.flush();
                } catch (IOException | InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              });
      killAlongTheWay(port, first, relay);
      sending.get(120, TimeUnit.SECONDS);
      await(
          "all " + MESSAGES + " messages stored",
          Duration.ofSeconds(120),
          () -> outcome(MESSAGES).lost() == 0);
      Thread.sleep(2000); // late resends would show up as duplicates now

      Outcome outcome = outcome(MESSAGES);
      System.out.printf(
          "RELP rsyslog omrelp: %d messages, %d kills, %d resent messages stored before (skipped),"
              + " stored %d, lost %d, duplicated %d%n",
          MESSAGES,
          KILLS,
          resendsSkipped(),
          outcome.stored(),
          outcome.lost(),
          outcome.duplicated());
      assertThat(outcome.lost()).isZero();
      assertThat(outcome.duplicated()).isZero();
      assertThat(outcome.stored()).isEqualTo(MESSAGES);
      assertThat(resendsSkipped()).as("omrelp resent committed messages").isPositive();
      assertThat(
              db.jdbc.queryForList(
                  "select distinct msg_id || ' ' || hostname from telemetry_records", String.class))
          .as("rsyslog forwarded RFC 5424 that the intake parsed")
          .containsExactly("SEQ drone-1");
    } finally {
      relay.close();
      rsyslog.destroy(); // SIGTERM: rsyslogd exits
      rsyslog.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Socket connectWithRetry(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return new Socket(InetAddress.getLoopbackAddress(), port);
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("rsyslogd did not listen on " + port + " (see rsyslogd.log)", e);
        }
        Thread.sleep(100);
      }
    }
  }
}
