package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.CampaignProcesses.Role;
import io.opsflow.build.BuildStatus;
import io.opsflow.simulators.ShellyPlugSimulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
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
 * its exit on the real Docker engine), then kills one process ({@link CampaignProcesses.Role}) with
 * SIGKILL at a random point, starts it again after a random pause, and waits for every flow to end.
 * It then counts, against what the flow must have done exactly once: plug switches (the simulator's
 * own counters), enforcement events, job side effects (a line each job appends to a file), build
 * log lines, certificates, licenses and addresses, containers (by their {@code workloadId} label)
 * and their log lines. A summary table (flow, kills, rounds, lost, duplicated) is printed and every
 * lost and duplicated count must be zero.
 *
 * <p>Randomness is seeded ({@code -Dopsflow.campaign.seed}, printed). The short form, run by {@code
 * mvn verify}, has one round per process role, each role killed once in a shuffled order; {@code
 * -Dopsflow.campaign.rounds=N} runs N rounds with a random role each (the README's full command).
 */
class ReliabilityCampaignIT {

  static final long SEED = Long.getLong("opsflow.campaign.seed", 20261204L);
  static final int ROUNDS = Integer.getInteger("opsflow.campaign.rounds", Role.values().length);
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
      List<Role> all = new ArrayList<>(List.of(Role.values()));
      Collections.shuffle(all, random);
      order.addAll(all);
    }
    System.out.printf("reliability campaign: seed %d, %d rounds%n", SEED, ROUNDS);
    try (CampaignProcesses deployment = new CampaignProcesses(temp).startAll()) {
      ApiClient admin = new ApiClient(deployment.apiPort());
      long user = admin.user("campaign");
      long tenant = tenant(admin.as("it-pki"));
      String publicKey = devicePublicKey();
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
    try (ShellyPlugSimulator plug = ShellyPlugSimulator.start()) {
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
      Instant started = Instant.now();

      long killAfterMs = 2_000 + random.nextInt(38_000);
      long pauseMs = 1_000 + random.nextInt(4_000);
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

  /**
   * A device key pair made by the real {@code nebula-cert keygen}: registering a device with its
   * public key has the onboarding sign its certificate (no enrollment round trip needed).
   */
  private String devicePublicKey() throws Exception {
    Path key = temp.resolve("device.key");
    Path pub = temp.resolve("device.pub");
    Process keygen =
        new ProcessBuilder(
                "nebula-cert", "keygen", "-out-key", key.toString(), "-out-pub", pub.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keygen.waitFor()).as("nebula-cert keygen: %s", output).isZero();
    return Files.readString(pub, StandardCharsets.UTF_8);
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
    long deadline = System.nanoTime() + FLOW_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        ApiClient.Answer answer = api.get(path);
        if (answer.status() == 200 && condition.test(answer.body())) {
          return answer.body();
        }
      } catch (AssertionError e) {
        // not answering yet
      }
      Thread.sleep(250);
    }
    return null;
  }

  private static JsonNode pollAnswer(ApiClient api, String path) throws InterruptedException {
    JsonNode answer = poll(api, path, body -> true);
    if (answer == null) {
      throw new AssertionError("GET " + path + " never answered 200");
    }
    return answer;
  }

  private static String pollText(ApiClient api, String path) throws InterruptedException {
    long deadline = System.nanoTime() + FLOW_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        return api.text(path);
      } catch (AssertionError e) {
        Thread.sleep(250);
      }
    }
    throw new AssertionError("GET " + path + " never answered");
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
