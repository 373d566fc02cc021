package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.pass.LocalExecutorBackend;
import io.opsflow.simulators.GroundStationSimulator;
import io.opsflow.simulators.GroundStationSimulator.Options;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The executor of a running pass killed with SIGKILL while a telecommand waits for its verifier, as
 * an operator lives through it over HTTP: the app's watchdog relaunches one executor (never two at
 * once, checked in the process list all along), the waiting action carries on there with the same
 * run key, so the ground station receives the telecommand once, the pass ends {@code success}, the
 * TM the executors received is stored once each, and the killed process is gone.
 *
 * <p>The pass's executor is a real JVM launched by the app's local backend ({@code
 * opsflow.passes.executor.backend} auto: no cluster here); the ground station is the simulator on
 * loopback.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=pass-executor-kill-it"
    })
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PassExecutorKillIT {

  /**
   * A telecommand verified by telemetry the ground station sends only once the test says so (mode
   * 5), then a wait for telemetry: the first runs long, the second runs after it.
   */
  private static final String TC_THEN_WAIT =
      """
      {"nodes":[
        {"id":"hold","type":"send_telecommand",
         "parameters":{"apid":100,"command":"PING",
                       "verifier":{"type":"parameter",
                                   "condition":{"parameter":"mode","op":"eq","value":5}},
                       "timeout_seconds":240}},
        {"id":"after","type":"wait_telemetry",
         "parameters":{"condition":{"parameter":"battery_voltage","op":"gt","value":1},
                       "timeout_seconds":60}}],
       "links":[{"from":"hold","to":"after","condition":"on_success"}]}
      """;

  private static GroundStationSimulator station;

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired InstallationToken installation;

  @BeforeAll
  static void startGroundStation() throws IOException {
    station =
        GroundStationSimulator.start(
            0, Options.defaults().withTelemetryInterval(Duration.ofMillis(100)));
  }

  @AfterAll
  static void stopGroundStation() {
    station.close();
  }

  @Test
  void anExecutorKilledMidPassIsReplacedOnceAndThePassSucceedsWithoutARepeatedTelecommand()
      throws Exception {
    ApiClient api = new ApiClient(port).as("it-pass");
    long gs = api.groundStation("gs-kill-" + System.nanoTime(), station.port());
    Instant aos = Instant.now().plusSeconds(4).truncatedTo(ChronoUnit.SECONDS);
    long id =
        api.ok(
                api.post(
                    "/api/v1/passes",
                    "{\"satellite\":\"SAT-1\",\"ground_station_id\":"
                        + gs
                        + ",\"aos\":\""
                        + aos
                        + "\",\"los\":\""
                        + aos.plusSeconds(600)
                        + "\",\"lead_time_seconds\":1,\"procedure\":"
                        + TC_THEN_WAIT
                        + "}"),
                201)
            .path("id")
            .asLong();
    String base = "/api/v1/passes/" + id;
    ExecutorWatch watch = new ExecutorWatch(id, installation.value());
    Thread watcher = Thread.ofPlatform().daemon().name("executor-watch").start(watch);
    try {
      // The telecommand left and its verifier is waiting in the first executor.
      JsonNode running =
          api.await(
              base + "/state",
              s -> node(s, "hold").path("status").asText().equals("running"),
              Duration.ofSeconds(120));
      assertThat(running.path("status").asText()).isEqualTo("executing");
      awaitTrue(
          () -> station.tcReceived() == 1, Duration.ofSeconds(60), "the TC reaches the station");
      JsonNode pass = api.ok(api.get(base), 200);
      assertThat(pass.path("executor_kind").asText()).isEqualTo("process");
      long killed = pass.path("executor_id").asLong();
      assertThat(watch.seen()).containsExactly(killed);
      Thread.sleep(1000); // the verifier is waiting, heartbeating

      Process kill = new ProcessBuilder("kill", "-9", Long.toString(killed)).inheritIO().start();
      assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(kill.exitValue()).isZero();
      awaitTrue(
          () -> ProcessHandle.of(killed).map(ProcessHandle::isAlive).orElse(false) == false,
          Duration.ofSeconds(10),
          "the killed executor is gone");

      // The watchdog relaunches it; the telemetry that verifies the telecommand comes afterwards.
      JsonNode relaunched =
          api.await(
              base,
              p ->
                  !p.path("executor_id").asText().isEmpty()
                      && p.path("executor_id").asLong() != killed,
              Duration.ofSeconds(90));
      long replacement = relaunched.path("executor_id").asLong();
      assertThat(ProcessHandle.of(replacement).map(ProcessHandle::isAlive)).contains(true);
      station.setMode(5);

      JsonNode done =
          api.await(base, p -> p.path("phase").asText().equals("done"), Duration.ofSeconds(150));
      assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("success");
      watch.stop();
      watcher.join(5000);

      // Never two executors at once; the killed one and its one replacement, both gone now.
      assertThat(watch.maxAtOnce()).isEqualTo(1);
      assertThat(watch.seen()).containsExactly(killed, replacement);
      assertThat(ProcessHandle.of(killed).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      assertThat(ProcessHandle.of(replacement).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      List<JsonNode> executorEvents =
          items(api.ok(api.get(base + "/events?type=executor&limit=1000"), 200));
      assertThat(executorEvents)
          .extracting(e -> e.path("detail").path("action").asText())
          .as(executorEvents.toString())
          .containsExactly("launched", "relaunched", "terminated");
      JsonNode relaunch = executorEvents.get(1).path("detail");
      assertThat(relaunch.path("previous").path("id").asLong()).isEqualTo(killed);
      assertThat(relaunch.path("executor").path("id").asLong()).isEqualTo(replacement);

      // The telecommand was sent once: one at the station, one stored, the report says one.
      assertThat(station.tcReceived()).isEqualTo(1);
      List<JsonNode> tcs = items(api.ok(api.get(base + "/packets?direction=tc&limit=1000"), 200));
      assertThat(tcs).hasSize(1);
      JsonNode state = api.ok(api.get(base + "/state"), 200);
      assertThat(node(state, "hold").path("status").asText()).isEqualTo("succeeded");
      // Verified on the replacement, which found the telecommand stored under its run key.
      assertThat(node(state, "hold").path("detail").asText())
          .startsWith("mode = 5.0")
          .endsWith("(sent before under this run key, not again)");
      assertThat(node(state, "after").path("status").asText()).isEqualTo("succeeded");
      List<JsonNode> started =
          items(api.ok(api.get(base + "/events?type=action_started&limit=1000"), 200));
      assertThat(started)
          .extracting(e -> e.path("node_id").asText())
          .containsExactly("hold", "after");
      assertThat(
              api.ok(api.get(base + "/report"), 200).path("report").path("telecommands").asLong())
          .isEqualTo(1);

      // Every TM stored once: no APID and sequence count twice (the station's counts do not wrap
      // in this test), and nothing stored the station did not send.
      List<Map<String, Object>> twice =
          jdbc.queryForList(
              "select apid, sequence_count, count(*) as n from pass_packets"
                  + " where pass_id = ? and direction = 'tm' group by apid, sequence_count"
                  + " having count(*) > 1",
              id);
      assertThat(twice).isEmpty();
      long tm =
          jdbc.queryForObject(
              "select count(*) from pass_packets where pass_id = ? and direction = 'tm'",
              Long.class,
              id);
      assertThat(tm).isPositive().isLessThanOrEqualTo(station.tmSent());
      assertThat(station.tmSent()).isLessThan(16384);
    } finally {
      watch.stop();
      for (ProcessHandle p : watch.running()) {
        p.destroyForcibly();
      }
    }
  }

  /** Samples the pass's executor processes every 50 ms: which pids, and how many at once. */
  static final class ExecutorWatch implements Runnable {
    private final String passArg;
    private final String installationArg;
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    private final List<Long> order = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger maxAtOnce = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();

    ExecutorWatch(long passId, String installation) {
      this.passArg = LocalExecutorBackend.PASS_ID_ARG + passId;
      this.installationArg = LocalExecutorBackend.INSTALLATION_ARG + installation;
    }

    @Override
    public void run() {
      while (!stopped.get()) {
        List<ProcessHandle> now = running();
        maxAtOnce.accumulateAndGet(now.size(), Math::max);
        for (ProcessHandle p : now) {
          if (seen.add(p.pid())) {
            order.add(p.pid());
          }
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    List<ProcessHandle> running() {
      return ProcessHandle.allProcesses().filter(this::isExecutor).toList();
    }

    private boolean isExecutor(ProcessHandle p) {
      try {
        String cmdline =
            Files.readString(
                Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.UTF_8);
        List<String> args = Arrays.asList(cmdline.split("\0"));
        return p.isAlive() && args.contains(passArg) && args.contains(installationArg);
      } catch (IOException e) {
        return false; // gone meanwhile, or not readable: not ours
      }
    }

    List<Long> seen() {
      synchronized (order) {
        return List.copyOf(order);
      }
    }

    int maxAtOnce() {
      return maxAtOnce.get();
    }

    void stop() {
      stopped.set(true);
    }
  }

  private static JsonNode node(JsonNode state, String nodeId) {
    for (JsonNode n : state.path("nodes")) {
      if (n.path("node_id").asText().equals(nodeId)) {
        return n;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private static List<JsonNode> items(JsonNode page) {
    return StreamSupport.stream(page.path("items").spliterator(), false).toList();
  }

  private static void awaitTrue(
      java.util.function.BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + timeout);
      }
      Thread.sleep(100);
    }
  }
}
