package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.CampaignProcesses.Role;
import io.opsflow.build.BuildStatus;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.pass.LocalExecutorBackend;
import io.opsflow.simulators.GroundStationSimulator;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.opsflow.simulators.syslog.RelpSender;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability campaign: every flow survives SIGKILL of any process of the deployment.
 *
 * <p>Each round starts one instance of each flow (a timed session on a console behind a Shelly plug
 * simulator, a CI build of three jobs on the local runner, a device onboarded into a loopback mesh
 * until its health check sees it online, a container placed on one of two node agents and run to
 * its exit on the real Docker engine, a satellite pass whose executor sends four telecommands to a
 * ground station simulator and verifies each in its telemetry, a device's stream of numbered syslog
 * messages over RELP to the devices pool's intake), then kills one process ({@link
 * CampaignProcesses.Role}) with SIGKILL at a random point, starts it again after a random pause (a
 * pass executor is relaunched by its pass's watchdog instead), and waits for every flow to end. It
 * then counts, against what the flow must have done exactly once: plug switches (the simulator's
 * own counters), enforcement events, job side effects (a line each job appends to a file), build
 * log lines, certificates, licenses and addresses, containers (by their {@code workloadId} label)
 * and their log lines, telecommands received by the ground station, stored and reported, TM packets
 * stored, executor processes left, telemetry records stored. A summary table (flow, kills, rounds,
 * lost, duplicated) is printed and every lost and duplicated count must be zero.
 *
 * <p>Randomness is seeded ({@code -Dopsflow.campaign.seed}, printed). The short form, run by {@code
 * mvn verify}, has one round per process role, each role killed once in a shuffled order; {@code
 * -Dopsflow.campaign.rounds=N} runs N rounds with a random role each (the README's full command).
 */
class ReliabilityCampaignIT {

  static final long SEED = Long.getLong("opsflow.campaign.seed", 20261204L);

  /** The processes to kill ({@code -Dopsflow.campaign.roles=PASS_EXECUTOR,DEVICES}), else all. */
  static final List<Role> ROLES =
      System.getProperty("opsflow.campaign.roles", "").isBlank()
          ? List.of(Role.values())
          : java.util.Arrays.stream(System.getProperty("opsflow.campaign.roles").split(","))
              .map(r -> Role.valueOf(r.strip().toUpperCase(java.util.Locale.ROOT)))
              .toList();

  static final int ROUNDS = Integer.getInteger("opsflow.campaign.rounds", ROLES.size());
  static final int BUILD_LINES = 40;
  static final List<String> BUILD_JOBS = List.of("prepare", "unit", "package");

  @TempDir Path temp;

  /** What a flow must have done once, counted after a round. */
  record Tally(String flow, Role killed, long lost, long duplicated, String detail) {}

  private final List<Tally> tallies = new ArrayList<>();

  @Test
  void everyFlowEndsAsItWouldHaveAndEverySideEffectHappensOnceWhateverProcessIsKilled()
      throws Exception {
    Random random = new Random(SEED);
    List<Role> order = new ArrayList<>();
    while (order.size() < ROUNDS) {
      List<Role> all = new ArrayList<>(ROLES);
      Collections.shuffle(all, random);
      order.addAll(all);
    }
    System.out.printf(
        "reliability campaign: seed %d, %d rounds, killing %s%n", SEED, ROUNDS, ROLES);
    try (CampaignProcesses deployment = new CampaignProcesses(temp).startAll()) {
      ApiClient admin = new ApiClient(deployment.apiPort());
      long user = admin.user("campaign");
      long tenant = tenant(admin.as("it-pki"));
      String publicKey = CampaignProcesses.devicePublicKey(temp);
      for (int round = 1; round <= ROUNDS; round++) {
        round(deployment, admin, user, tenant, publicKey, round, order.get(round - 1), random);
      }
      assertThat(deployment.fatalLines()).isEmpty();
    } finally {
      printTable();
    }
    assertThat(tallies).allSatisfy(t -> assertThat(t.lost() + t.duplicated()).isZero());
  }

  private void round(
      CampaignProcesses deployment,
      ApiClient admin,
      long user,
      long tenant,
      String publicKey,
      int round,
      Role victim,
      Random random)
      throws Exception {
    Path effects = temp.resolve("effects-" + round);
    Files.createFile(effects);
    try (ShellyPlugSimulator plug = ShellyPlugSimulator.start();
        GroundStationSimulator station =
            GroundStationSimulator.start(
                0, GroundStationSimulator.Options.defaults().withTelemetryInterval(HOUSEKEEPING))) {
      // Start one of each flow; the kill comes after every start has been answered.
      JsonNode session =
          admin.startSession(admin.console("campaign-" + round, plug.baseUrl()), user, 1);
      long sessionId = session.path("id").asLong();
      ApiClient alice = admin.as("alice");
      long build = alice.startBuild(alice.pipeline("campaign-" + round, pipeline(effects)));
      ApiClient pki = admin.as("it-pki");
      long device =
          pki.ok(
                  pki.post(
                      "/api/v1/devices",
                      "{\"tenant_id\":"
                          + tenant
                          + ",\"name\":\"drone-"
                          + round
                          + "\",\"device_type\":\"drone\",\"groups\":[\"cameras\"],"
                          + "\"public_key\":"
                          + new ObjectMapper().writeValueAsString(publicKey)
                          + "}"),
                  201)
              .path("id")
              .asLong();
      String workload =
          admin
              .ok(
                  admin.post(
                      "/api/v1/workloads/schedule",
                      "{\"name\":\"campaign-"
                          + round
                          + "\",\"type\":\"docker-container\",\"image\":\""
                          + IMAGE
                          + "\",\"command\":\"sh -c 'echo campaign-start; sleep 25;"
                          + " echo campaign-done'\",\"cpu\":0.1,\"memory\":32,"
                          + "\"restartPolicy\":\"never\"}"),
                  200)
              .path("workload_id")
              .asText();
      workloads.add(workload);
      long pass = startPass(admin, round, station);
      TelemetryStream telemetry = new TelemetryStream(deployment.relpPort(), round);
      Instant started = Instant.now();

      long killAfterMs = 2_000 + random.nextInt(38_000);
      long pauseMs = 1_000 + random.nextInt(4_000);
      if (victim == Role.PASS_EXECUTOR) {
        killExecutor(admin, deployment, round, pass, started, killAfterMs % 20_000);
      } else {
        Thread.sleep(killAfterMs);
        deployment.kill(victim);
        System.out.printf(
            "round %d: SIGKILL %s %.1f s into the flows, restarting it after %.1f s%n",
            round, victim.label, killAfterMs / 1000.0, pauseMs / 1000.0);
        Thread.sleep(pauseMs);
        Instant restarting = Instant.now();
        deployment.start(victim);
        System.out.printf(
            "round %d: %s serving again after %d ms%n",
            round, victim.label, Duration.between(restarting, Instant.now()).toMillis());
      }

      tallies.add(telemetryTally(deployment, victim, telemetry));
      tallies.add(passTally(admin, deployment, victim, pass, station));
      tallies.add(sessionTally(admin, victim, sessionId, plug));
      tallies.add(buildTally(alice, victim, build, effects));
      tallies.add(deviceTally(pki, deployment, victim, device));
      tallies.add(workloadTally(admin, victim, workload));
      System.out.printf(
          "round %d: every flow ended %d s after its start%n",
          round, Duration.between(started, Instant.now()).toSeconds());
    }
  }

  // ---- flows ---------------------------------------------------------------------------------

  /** Numbered syslog messages a device sends over RELP during a round. */
  static final int TELEMETRY_MESSAGES = 600;

  /** The pace of the telemetry stream: 600 messages over about 30 s. */
  static final Duration TELEMETRY_EVERY = Duration.ofMillis(50);

  /**
   * A device's telemetry: {@link #TELEMETRY_MESSAGES} numbered RFC 5424 messages over RELP to the
   * devices pool's intake, from a loopback address of the round's own ({@code 127.79.0.<round>}),
   * at a steady pace from the round's start. The sender (the device) outlives every kill: it keeps
   * what the intake has not acknowledged and sends it again after reconnecting.
   */
  static final class TelemetryStream {
    final String source;
    final RelpSender sender;
    final Thread thread;
    volatile Exception failure;

    TelemetryStream(int relpPort, int round) throws Exception {
      this.source = "127.79.0." + round;
      this.sender =
          new RelpSender(
              new InetSocketAddress("127.0.0.1", relpPort),
              InetAddress.getByName(source),
              128,
              Duration.ofSeconds(2));
      this.thread =
          Thread.ofPlatform()
              .daemon()
              .name("telemetry-" + round)
              .start(
                  () -> {
                    try {
                      for (int i = 1; i <= TELEMETRY_MESSAGES; i++) {
                        sender.send(
                            "<134>1 "
                                + Instant.now()
                                + " drone-"
                                + round
                                + " campaign - TM - campaign round "
                                + round
                                + " message "
                                + i);
                        sender.flush();
                        Thread.sleep(TELEMETRY_EVERY);
                      }
                    } catch (Exception e) {
                      failure = e;
                    }
                  });
    }
  }

  /**
   * The telemetry: every numbered message stored once ({@code telemetry_records} of the round's
   * source address), after the sender saw each acknowledged.
   */
  private Tally telemetryTally(CampaignProcesses deployment, Role victim, TelemetryStream stream)
      throws Exception {
    stream.thread.join(FLOW_TIMEOUT.toMillis());
    boolean acknowledged = stream.sender.awaitAcknowledged(FLOW_TIMEOUT);
    RelpSender.Stats stats = stream.sender.stats();
    stream.sender.close();
    List<Integer> numbers = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres");
        PreparedStatement s =
            c.prepareStatement(
                "select message from telemetry_records where source_ip = ?::inet"
                    + " and transport = 'relp'")) {
      s.setString(1, stream.source);
      try (ResultSet r = s.executeQuery()) {
        Pattern number = Pattern.compile("message (\\d+)$");
        while (r.next()) {
          Matcher m = number.matcher(r.getString(1));
          if (m.find()) {
            numbers.add(Integer.parseInt(m.group(1)));
          }
        }
      }
    }
    long distinct = numbers.stream().distinct().count();
    long lost = TELEMETRY_MESSAGES - distinct + (stream.failure == null ? 0 : 1);
    long duplicated = numbers.size() - distinct;
    return new Tally(
        "telemetry (RELP)",
        victim,
        lost,
        duplicated,
        "stored "
            + numbers.size()
            + " of "
            + TELEMETRY_MESSAGES
            + (acknowledged ? ", all acknowledged" : ", NOT all acknowledged")
            + ", sender: "
            + stats
            + (stream.failure == null ? "" : ", failed: " + stream.failure));
  }

  /** Housekeeping TM from the ground station: the verifiers below read the mode in it. */
  static final Duration HOUSEKEEPING = Duration.ofMillis(500);

  /**
   * At most this many TM may be lost with a killed executor: those the station had written to the
   * link (housekeeping every {@link #HOUSEKEEPING}, acknowledgements) but the executor had not yet
   * read and stored when it died.
   */
  static final long TM_IN_FLIGHT_AT_KILL = 2;

  /** The modes the pass's telecommands set, one after the other. */
  static final List<Integer> PASS_MODES = List.of(2, 3, 4, 5);

  /**
   * A procedure of four SET_MODE telecommands, each verified by the mode in later housekeeping TM
   * (which a relaunched executor sees again, unlike an acknowledgement that went to a dead link),
   * with 12 s between them: about 40 s of pass, so that any kill lands inside it.
   */
  static String procedure() {
    StringBuilder nodes = new StringBuilder();
    StringBuilder links = new StringBuilder();
    String previous = null;
    for (int mode : PASS_MODES) {
      String tc = "mode" + mode;
      if (previous != null) {
        String pause = "pause" + mode;
        nodes.append(
            ",{\"id\":\"%s\",\"type\":\"delay\",\"parameters\":{\"duration_seconds\":12}}"
                .formatted(pause));
        links.append(
            (links.isEmpty() ? "" : ",")
                + "{\"from\":\"%s\",\"to\":\"%s\"},{\"from\":\"%s\",\"to\":\"%s\"}"
                    .formatted(previous, pause, pause, tc));
      }
      nodes.append(
          (nodes.isEmpty() ? "" : ",")
              + ("{\"id\":\"%s\",\"type\":\"send_telecommand\",\"parameters\":{\"apid\":100,"
                      + "\"command\":\"SET_MODE\",\"payload_hex\":\"%02x\",\"verifier\":{\"type\":"
                      + "\"parameter\",\"condition\":{\"parameter\":\"mode\",\"op\":\"eq\","
                      + "\"value\":%d}},\"timeout_seconds\":180}}")
                  .formatted(tc, mode, mode));
      previous = tc;
    }
    return "{\"nodes\":[" + nodes + "],\"links\":[" + links + "]}";
  }

  /** Reserves a pass on its own ground station, starting (AOS) in a few seconds. */
  private static long startPass(ApiClient admin, int round, GroundStationSimulator station) {
    long gs = admin.groundStation("campaign-gs-" + round + "-" + System.nanoTime(), station.port());
    Instant aos = Instant.now().plusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
    return admin
        .ok(
            admin.post(
                "/api/v1/passes",
                "{\"satellite\":\"CAMPAIGN-"
                    + round
                    + "\",\"ground_station_id\":"
                    + gs
                    + ",\"aos\":\""
                    + aos
                    + "\",\"los\":\""
                    + aos.plusSeconds(600)
                    + "\",\"lead_time_seconds\":1,\"procedure\":"
                    + procedure()
                    + "}"),
            201)
        .path("id")
        .asLong();
  }

  /**
   * Kills the pass's executor {@code offsetMs} after it first ran an action, then waits for the
   * pass's watchdog to relaunch it (the campaign never starts an executor itself).
   */
  private static void killExecutor(
      ApiClient admin,
      CampaignProcesses deployment,
      int round,
      long pass,
      Instant started,
      long offsetMs)
      throws Exception {
    String base = "/api/v1/passes/" + pass;
    JsonNode running =
        poll(admin, base, p -> p.path("phase").asText().equals("done") || !executorOf(p).isEmpty());
    if (running == null || executorOf(running).isEmpty()) {
      throw new AssertionError("pass " + pass + " never had an executor to kill: " + running);
    }
    Thread.sleep(offsetMs);
    List<Long> executors = executorProcesses(deployment, pass);
    if (executors.isEmpty()) {
      throw new AssertionError("no executor process of pass " + pass + " to kill");
    }
    JsonNode before = pollAnswer(admin, base);
    if (before.path("phase").asText().equals("done")) {
      throw new AssertionError("pass " + pass + " ended before its executor could be killed");
    }
    executors.forEach(CampaignProcesses::sigkill);
    Instant killed = Instant.now();
    System.out.printf(
        "round %d: SIGKILL %s %s %.1f s into the flows (pass phase %s), its watchdog relaunches"
            + " it%n",
        round,
        Role.PASS_EXECUTOR.label,
        executors,
        Duration.between(started, killed).toMillis() / 1000.0,
        before.path("phase").asText());
    JsonNode relaunched =
        poll(
            admin,
            base,
            p ->
                p.path("phase").asText().equals("done")
                    || (!executorOf(p).isEmpty()
                        && !executors.contains(Long.parseLong(executorOf(p)))));
    System.out.printf(
        "round %d: %s serving again after %d ms (executor %s)%n",
        round,
        Role.PASS_EXECUTOR.label,
        Duration.between(killed, Instant.now()).toMillis(),
        relaunched == null ? "never relaunched" : executorOf(relaunched));
  }

  private static String executorOf(JsonNode pass) {
    return pass.path("executor_kind").asText().equals("process")
        ? pass.path("executor_id").asText()
        : "";
  }

  /**
   * The executor processes of {@code pass} on this machine, by their command line: the pass id and
   * the installation token of the campaign's database (other installations' passes share ids).
   */
  private static List<Long> executorProcesses(CampaignProcesses deployment, long pass)
      throws Exception {
    String installation;
    try (Connection c = DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres");
        PreparedStatement s =
            c.prepareStatement("select system_identifier from pg_control_system()");
        ResultSet r = s.executeQuery()) {
      r.next();
      installation = InstallationToken.ofSystemIdentifier(r.getLong(1)).value();
    }
    List<String> wanted =
        List.of(
            LocalExecutorBackend.PASS_ID_ARG + pass,
            LocalExecutorBackend.INSTALLATION_ARG + installation);
    return ProcessHandle.allProcesses()
        .filter(
            p -> {
              try {
                String cmdline =
                    Files.readString(
                        Path.of("/proc", Long.toString(p.pid()), "cmdline"),
                        StandardCharsets.ISO_8859_1);
                return List.of(cmdline.split("\0")).containsAll(wanted);
              } catch (java.io.IOException e) {
                return false; // gone meanwhile
              }
            })
        .map(ProcessHandle::pid)
        .toList();
  }

  /**
   * The pass: ended {@code success}; each telecommand received by the ground station once, stored
   * once and counted once in the report; no TM stored twice (APID and sequence count); the last
   * mode set; no executor process of it left.
   */
  private Tally passTally(
      ApiClient admin,
      CampaignProcesses deployment,
      Role victim,
      long pass,
      GroundStationSimulator station)
      throws Exception {
    String base = "/api/v1/passes/" + pass;
    JsonNode done = poll(admin, base, p -> p.path("phase").asText().equals("done"));
    String status = done == null ? "unfinished" : done.path("status").asText();
    int expected = PASS_MODES.size();
    long received = station.tcReceived();
    long stored = pollAnswer(admin, base + "/packets?direction=tc&limit=1000").path("items").size();
    long reported =
        pollAnswer(admin, base + "/report").path("report").path("telecommands").asLong(-1);
    long tmTwice;
    long tmStored;
    try (Connection c = DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres");
        PreparedStatement twice =
            c.prepareStatement(
                "select coalesce(sum(n - 1), 0) from (select count(*) as n from pass_packets"
                    + " where pass_id = ? and direction = 'tm' group by apid, sequence_count) g");
        PreparedStatement all =
            c.prepareStatement(
                "select count(*) from pass_packets where pass_id = ? and direction = 'tm'")) {
      twice.setLong(1, pass);
      all.setLong(1, pass);
      try (ResultSet r = twice.executeQuery()) {
        r.next();
        tmTwice = r.getLong(1);
      }
      try (ResultSet r = all.executeQuery()) {
        r.next();
        tmStored = r.getLong(1);
      }
    }
    // The executor exits once the pass is done: give it a moment, then none may be left.
    long left = Long.MAX_VALUE;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (left > 0 && System.nanoTime() < deadline) {
      left = executorProcesses(deployment, pass).size();
      if (left > 0) {
        Thread.sleep(250);
      }
    }
    // TM the station wrote but that was never stored. The link has no replay, so what was in the
    // socket buffers when the executor itself was killed is gone with it: counted apart, and
    // bounded; with any other process killed every TM must be stored.
    long tmMissing = Math.max(0, station.tmSent() - tmStored);
    boolean executorKilled = victim == Role.PASS_EXECUTOR;
    long lost =
        (status.equals("success") ? 0 : 1)
            + (executorKilled ? Math.max(0, tmMissing - TM_IN_FLIGHT_AT_KILL) : tmMissing)
            + Math.max(0, expected - received)
            + Math.max(0, expected - stored)
            + Math.max(0, expected - reported)
            + (station.mode() == PASS_MODES.getLast() ? 0 : 1);
    long duplicated =
        Math.max(0, received - expected)
            + Math.max(0, stored - expected)
            + Math.max(0, reported - expected)
            + tmTwice
            + left;
    return new Tally(
        "pass",
        victim,
        lost,
        duplicated,
        "status "
            + status
            + ", TC at the station "
            + received
            + " stored "
            + stored
            + " reported "
            + reported
            + ", mode "
            + station.mode()
            + ", TM sent "
            + station.tmSent()
            + " stored "
            + tmStored
            + " twice "
            + tmTwice
            + (executorKilled ? ", in flight at the kill " + tmMissing : "")
            + ", executors left "
            + left);
  }

  /** A CI pipeline of three jobs (one, then two in parallel), each appending its name once. */
  private static String pipeline(Path effects) {
    StringBuilder yaml = new StringBuilder("jobs:\n");
    for (String job : BUILD_JOBS) {
      yaml.append("  ").append(job).append(":\n");
      if (!job.equals("prepare")) {
        yaml.append("    needs: prepare\n");
      }
      yaml.append("    steps:\n")
          .append("      - run: |\n")
          .append("          echo ")
          .append(job)
          .append(" >> ")
          .append(effects)
          .append("\n")
          .append("          i=1\n")
          .append("          while [ $i -le ")
          .append(BUILD_LINES)
          .append(" ]; do echo \"")
          .append(job)
          .append(" line $i\"; i=$((i+1)); sleep 0.25; done\n");
    }
    return yaml.toString();
  }

  private Tally sessionTally(ApiClient admin, Role victim, long id, ShellyPlugSimulator plug)
      throws Exception {
    JsonNode ended =
        poll(admin, "/api/v1/sessions/" + id, s -> s.path("status").asText().equals("EXPIRED"));
    // The plug is switched off by an activity after the status is stored: give it time.
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (plug.isOn() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Thread.sleep(2_000);
    long enforced = 0;
    for (JsonNode e : pollAnswer(admin, "/api/v1/sessions/" + id + "/events")) {
      if (e.path("type").asText().equals("station_enforced")) {
        enforced++;
      }
    }
    long lost =
        (ended == null ? 1 : 0)
            + (plug.httpOnCount() == 0 ? 1 : 0)
            + (plug.httpOffCount() == 0 ? 1 : 0)
            + (enforced == 0 ? 1 : 0);
    long duplicated =
        Math.max(0, plug.httpOnCount() - 1)
            + Math.max(0, plug.httpOffCount() - 1)
            + Math.max(0, enforced - 1);
    return new Tally(
        "session",
        victim,
        lost,
        duplicated,
        "status "
            + (ended == null ? "not EXPIRED" : "EXPIRED")
            + ", plug on "
            + plug.httpOnCount()
            + " off "
            + plug.httpOffCount()
            + ", enforced "
            + enforced);
  }

  private Tally buildTally(ApiClient alice, Role victim, long build, Path effects)
      throws Exception {
    JsonNode done =
        poll(
            alice,
            "/api/v1/builds/" + build,
            b -> BuildStatus.valueOf(b.path("status").asText()).finished());
    String status = done == null ? "unfinished" : done.path("status").asText();
    long lost = status.equals(BuildStatus.SUCCEEDED.name()) ? 0 : 1;
    long duplicated = 0;
    Map<String, Integer> ran = new LinkedHashMap<>();
    for (String line : Files.readAllLines(effects, StandardCharsets.UTF_8)) {
      ran.merge(line.trim(), 1, Integer::sum);
    }
    for (String job : BUILD_JOBS) {
      int times = ran.getOrDefault(job, 0);
      lost += times == 0 ? 1 : 0;
      duplicated += Math.max(0, times - 1);
      // Every line the job printed is stored once, in order.
      String log = pollText(alice, "/api/v1/builds/" + build + "/jobs/" + job + "/logs");
      Matcher m = Pattern.compile("(?m)^" + job + " line (\\d+)$").matcher(log);
      List<Integer> numbers = new ArrayList<>();
      while (m.find()) {
        numbers.add(Integer.parseInt(m.group(1)));
      }
      long distinct = numbers.stream().distinct().count();
      lost += BUILD_LINES - distinct;
      duplicated += numbers.size() - distinct;
    }
    return new Tally(
        "CI build",
        victim,
        lost,
        duplicated,
        "status " + status + ", job side effects " + ran + ", " + BUILD_LINES + " lines per job");
  }

  private Tally deviceTally(ApiClient pki, CampaignProcesses deployment, Role victim, long device)
      throws Exception {
    JsonNode online =
        poll(pki, "/api/v1/devices/" + device, d -> d.path("status").asText().equals("online"));
    long certificates = count(deployment, "select count(*) from device_certificates", device);
    long licenses =
        count(deployment, "select count(*) from licenses where status = 'active'", device);
    long addresses =
        count(deployment, "select count(*) from vpn_endpoints where released_at is null", device);
    long lost =
        (online == null ? 1 : 0)
            + (certificates == 0 ? 1 : 0)
            + (licenses == 0 ? 1 : 0)
            + (addresses == 0 ? 1 : 0);
    long duplicated =
        Math.max(0, certificates - 1) + Math.max(0, licenses - 1) + Math.max(0, addresses - 1);
    return new Tally(
        "device onboarding",
        victim,
        lost,
        duplicated,
        (online == null ? "never online" : "online")
            + ", certificates "
            + certificates
            + ", active licenses "
            + licenses
            + ", live addresses "
            + addresses);
  }

  /** The local image every container runs (built by .ci/run with docker import, never pulled). */
  static final String IMAGE = "opsflow/busybox:local";

  private final List<String> workloads = new ArrayList<>();

  private Tally workloadTally(ApiClient admin, Role victim, String id) throws Exception {
    JsonNode done =
        poll(
            admin,
            "/api/v1/workloads/" + id,
            w -> List.of("Exited", "Failed").contains(w.path("status").asText()));
    String status = done == null ? "unfinished" : done.path("status").asText();
    String logs = done == null ? "" : done.path("logs").asText();
    long containers = docker("ps", "-a", "-q", "--filter", "label=workloadId=" + id).size();
    long started = occurrences(logs, "campaign-start");
    long finished = occurrences(logs, "campaign-done");
    boolean ok = status.equals("Exited") && done.path("exit_code").asInt(-1) == 0;
    long lost =
        (ok ? 0 : 1) + (containers == 0 ? 1 : 0) + (started == 0 ? 1 : 0) + (finished == 0 ? 1 : 0);
    long duplicated =
        Math.max(0, containers - 1) + Math.max(0, started - 1) + Math.max(0, finished - 1);
    return new Tally(
        "workload",
        victim,
        lost,
        duplicated,
        "status "
            + status
            + (done == null ? "" : " exit " + done.path("exit_code").asText())
            + " on "
            + (done == null ? "?" : done.path("node_id").asText())
            + ", containers "
            + containers
            + ", log lines start "
            + started
            + " done "
            + finished);
  }

  private static long occurrences(String text, String line) {
    return text.lines().filter(l -> l.trim().equals(line)).count();
  }

  /** The Docker CLI's output lines. */
  private static List<String> docker(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + out);
    }
    return out.lines().filter(l -> !l.isBlank()).toList();
  }

  @AfterEach
  void removeContainers() throws Exception {
    for (String id : workloads) {
      for (String container : docker("ps", "-a", "-q", "--filter", "label=workloadId=" + id)) {
        docker("rm", "-f", container);
      }
    }
  }

  private static long count(CampaignProcesses deployment, String query, long device)
      throws Exception {
    try (Connection c = DriverManager.getConnection(deployment.jdbcUrl(), "postgres", "postgres");
        PreparedStatement s =
            c.prepareStatement(
                query + (query.contains("where") ? " and" : " where") + " device_id = ?")) {
      s.setLong(1, device);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private static long tenant(ApiClient pki) {
    return pki.ok(
            pki.post(
                "/api/v1/tenants",
                "{\"name\":\"campaign\",\"mesh_cidr\":\"127.78.0.0/24\","
                    + "\"lighthouse_endpoint\":\"127.0.0.1:4242\"}"),
            201)
        .path("id")
        .asLong();
  }

  // ---- polling through restarts ----------------------------------------------------------------

  static final Duration FLOW_TIMEOUT = Duration.ofMinutes(4);

  /**
   * Polls GET {@code path} until the condition holds; null if it never does in {@link
   * #FLOW_TIMEOUT}. Refused connections and 5xx (the API or its database restarting) are retried.
   */
  private static JsonNode poll(ApiClient api, String path, Predicate<JsonNode> condition)
      throws InterruptedException {
    return retrying(
        () -> {
          ApiClient.Answer answer = api.get(path);
          return answer.status() == 200 && condition.test(answer.body()) ? answer.body() : null;
        });
  }

  private static JsonNode pollAnswer(ApiClient api, String path) throws InterruptedException {
    return required(path, poll(api, path, body -> true));
  }

  private static String pollText(ApiClient api, String path) throws InterruptedException {
    return required(path, retrying(() -> api.text(path)));
  }

  private static <T> T required(String path, T answer) {
    if (answer == null) {
      throw new AssertionError("GET " + path + " never answered 200");
    }
    return answer;
  }

  /**
   * Calls {@code attempt} every 250 ms until it gives a value, for at most {@link #FLOW_TIMEOUT};
   * null when it never did. An attempt that fails an assertion (no answer, a 5xx) counts as none.
   */
  private static <T> T retrying(java.util.function.Supplier<T> attempt)
      throws InterruptedException {
    long deadline = System.nanoTime() + FLOW_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        T value = attempt.get();
        if (value != null) {
          return value;
        }
      } catch (AssertionError e) {
        // not answering yet
      }
      Thread.sleep(250);
    }
    return null;
  }

  private void printTable() {
    Map<String, long[]> byFlow = new LinkedHashMap<>();
    for (Tally t : tallies) {
      long[] row = byFlow.computeIfAbsent(t.flow(), f -> new long[3]);
      row[0]++;
      row[1] += t.lost();
      row[2] += t.duplicated();
    }
    StringBuilder table = new StringBuilder("\nreliability campaign (seed " + SEED + ")\n");
    table.append(
        String.format("%-18s %6s %6s %5s %10s%n", "flow", "kills", "rounds", "lost", "duplicated"));
    byFlow.forEach(
        (flow, row) ->
            table.append(
                String.format("%-18s %6d %6d %5d %10d%n", flow, row[0], row[0], row[1], row[2])));
    table.append("\nper round:\n");
    for (Tally t : tallies) {
      table.append(
          String.format(
              "  %-18s killed %-18s lost %d duplicated %d: %s%n",
              t.flow(), t.killed().label, t.lost(), t.duplicated(), t.detail()));
    }
    System.out.println(table);
  }
}
