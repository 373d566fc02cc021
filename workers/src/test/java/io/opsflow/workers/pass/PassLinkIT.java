package io.opsflow.workers.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.opsflow.pass.NodeParameters;
import io.opsflow.pass.ParameterCondition;
import io.opsflow.pass.PassLinkActivities;
import io.opsflow.pass.PassLinkActivities.ActionResult;
import io.opsflow.pass.PassLinkActivities.ActionRun;
import io.opsflow.pass.PassLinkActivities.LinkSpec;
import io.opsflow.pass.PassLinkActivities.LinkStatus;
import io.opsflow.pass.PassLinkActivitiesImpl;
import io.opsflow.pass.PassLinks;
import io.opsflow.pass.Verifier;
import io.opsflow.pass.ccsds.Housekeeping;
import io.opsflow.pass.ccsds.SpacePacket;
import io.opsflow.simulators.GroundStationSimulator;
import io.opsflow.simulators.GroundStationSimulator.Options;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The link activities as the executor runs them (Temporal's activity environment: heartbeats,
 * failures as the workflow sees them) against the ground-station simulator over TCP and PostgreSQL.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PassLinkIT {

  private static final ActivityOptions OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setHeartbeatTimeout(Duration.ofSeconds(10))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
          .build();

  private static PassDatabase db;
  private final List<TestActivityEnvironment> envs = new ArrayList<>();
  private final List<PassLinks> executors = new ArrayList<>();
  private GroundStationSimulator station;
  private long pass;
  private LinkSpec spec;

  @BeforeAll
  static void database() {
    db = new PassDatabase();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @BeforeEach
  void setUp() throws Exception {
    db.empty();
    station =
        GroundStationSimulator.start(
            0,
            Options.defaults()
                .withTelemetryInterval(Duration.ofMillis(100))
                .withOnboardClock(Duration.ofMillis(2500), 20));
    long gs = db.groundStation("svalbard-1", station.port());
    pass =
        db.pass(
            gs,
            "SAT-1",
            Instant.parse("2030-01-01T10:00:00Z"),
            Instant.parse("2030-01-01T10:10:00Z"),
            "{\"nodes\": [], \"links\": []}");
    spec = new LinkSpec(pass, "127.0.0.1", station.port());
  }

  @AfterEach
  void tearDown() {
    executors.forEach(PassLinks::close);
    envs.forEach(TestActivityEnvironment::close);
    station.close();
  }

  /** A pass executor: its own links, as a separate process would hold them. */
  private PassLinkActivities executor() {
    PassLinks links = new PassLinks(db.jdbc, Duration.ofSeconds(2), 3, Duration.ofMillis(200));
    executors.add(links);
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    envs.add(env);
    env.registerActivitiesImplementations(new PassLinkActivitiesImpl(links));
    return env.newActivityStub(PassLinkActivities.class, OPTIONS);
  }

  @Test
  void anAcknowledgedTelecommandSucceedsAndIsStoredWithItsRunKey() {
    PassLinkActivities link = executor();
    assertThat(link.open(spec).up()).isTrue();

    ActionResult first = link.sendTelecommand(tc("ping", "ping/1/1", "PING", null, ack(), 10));
    ActionResult second = link.sendTelecommand(tc("ping", "ping/2/1", "PING", "0a0b", ack(), 10));

    assertThat(first)
        .isEqualTo(
            new ActionResult(
                true, "succeeded", "acknowledged: accepted (APID 16, sequence count 0)", 0));
    assertThat(second.succeeded()).isTrue();
    assertThat(second.tcSequenceCount()).isEqualTo(1);
    assertThat(station.tcReceived()).isEqualTo(2);
    Map<String, Object> row =
        db.jdbc.queryForMap(
            "select apid, sequence_count, node_id, raw, decoded->>'command' as command,"
                + " decoded->>'function_code' as code from pass_packets"
                + " where pass_id = ? and run_key = 'ping/2/1'",
            pass);
    assertThat(row)
        .containsEntry("apid", 16)
        .containsEntry("sequence_count", 1)
        .containsEntry("node_id", "ping")
        .containsEntry("command", "PING")
        .containsEntry("code", "2");
    // TC, no secondary header, APID 0x010, unsegmented, count 1, 3 octets: 02 0a 0b.
    assertThat(HexFormat.of().formatHex((byte[]) row.get("raw"))).isEqualTo("1010c0010002020a0b");
    // The acknowledgements are stored as TM with what they say.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                db.jdbc.queryForObject(
                    "select count(*) from pass_packets where pass_id = ? and apid = 1"
                        + " and decoded->>'accepted' = 'true' and decoded->>'tc_apid' = '16'",
                    Integer.class,
                    pass),
            n -> n == 2);
  }

  @Test
  void aParameterVerifierHoldsOnHousekeepingAfterASetModeTelecommand() {
    PassLinkActivities link = executor();
    link.open(spec);

    ActionResult result =
        link.sendTelecommand(
            tc(
                "mode",
                "mode/1/1",
                "SET_MODE",
                "02",
                new Verifier(Verifier.PARAMETER, new ParameterCondition("mode", "eq", 2.0)),
                10));

    assertThat(result.succeeded()).isTrue();
    assertThat(result.outcome()).isEqualTo("succeeded");
    assertThat(result.detail()).startsWith("mode = 2.0 at ");
    assertThat(station.mode()).isEqualTo(2);
    // Then the telemetry actions see it too.
    assertThat(link.waitTelemetry(condition("wt", "mode", "eq", 2.0, 5)).succeeded()).isTrue();
    assertThat(link.checkParameter(condition("cp", "battery_voltage", "ge", 20.0, 5)).detail())
        .contains("battery_voltage = 2")
        .contains(" meets battery_voltage ge 20.0");
    ActionResult low = link.checkParameter(condition("cp2", "temperature", "gt", 90.0, 5));
    assertThat(low.succeeded()).isFalse();
    assertThat(low.outcome()).isEqualTo("failed");
  }

  @Test
  void aRejectedTelecommandEndsRejected() {
    station.rejectWhen(tc -> tc.apid() == 0x20);
    PassLinkActivities link = executor();

    ActionResult result = link.sendTelecommand(tc("bad", "bad/1/1", "RESET", null, ack(), 10));

    assertThat(result.succeeded()).isFalse();
    assertThat(result.outcome()).isEqualTo("rejected");
    assertThat(result.detail()).isEqualTo("acknowledged: rejected (APID 32, sequence count 0)");
    assertThat(station.tcRejected()).isEqualTo(1);
  }

  @Test
  void noAcknowledgementWithinTheTimeoutIsTimedOut() {
    station.setResponseDelay(Duration.ofSeconds(4));
    PassLinkActivities link = executor();
    long start = System.nanoTime();

    ActionResult result = link.sendTelecommand(tc("slow", "slow/1/1", "PING", null, ack(), 1));

    assertThat(result.outcome()).isEqualTo("timed_out");
    assertThat(result.detail()).startsWith("no acknowledgement of the telecommand");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    ActionResult never = link.waitTelemetry(condition("wt", "temperature", "lt", -100.0, 1));
    assertThat(never.outcome()).isEqualTo("timed_out");
    assertThat(never.detail()).contains("last temperature = ");
  }

  @Test
  void theSameRunKeyIsSentOnceAlsoByAReplacementExecutor() {
    PassLinkActivities first = executor();
    ActionRun run = tc("once", "once/1/1", "PING", null, ack(), 10);

    ActionResult sent = first.sendTelecommand(run);
    ActionResult retried = first.sendTelecommand(run);
    // The executor dies; its replacement retries the same run: the ack is found in the database.
    first.close(spec);
    PassLinkActivities second = executor();
    ActionResult replaced = second.sendTelecommand(run);
    // A new run on the replacement goes on with the sequence count.
    ActionResult next = second.sendTelecommand(tc("once", "once/2/1", "PING", null, ack(), 10));

    assertThat(station.tcReceived()).isEqualTo(2);
    assertThat(sent.succeeded()).isTrue();
    assertThat(retried.succeeded()).isTrue();
    assertThat(retried.detail()).endsWith("(sent before under this run key, not again)");
    assertThat(replaced.succeeded()).isTrue();
    assertThat(replaced.tcSequenceCount()).isEqualTo(sent.tcSequenceCount()).isEqualTo(0);
    assertThat(next.tcSequenceCount()).isEqualTo(1);
  }

  @Test
  void aDroppedLinkIsReconnectedAndAStationGoneFailsWithLinkDownNotAHang() {
    PassLinkActivities link = executor();
    link.open(spec);

    station.dropLink();
    // Reconnected (bounded generously: the reconnect is immediate, the machine may be busy).
    await().atMost(Duration.ofSeconds(30)).until(() -> station.linksAccepted() == 2);
    ActionResult after = link.sendTelecommand(tc("p", "p/1/1", "PING", null, ack(), 10));
    assertThat(after.succeeded()).isTrue();

    station.close();
    long start = System.nanoTime();
    assertThatThrownBy(() -> link.waitTelemetry(condition("wt", "temperature", "lt", -100.0, 60)))
        .isInstanceOfSatisfying(
            ActivityFailure.class,
            f -> {
              ApplicationFailure cause = (ApplicationFailure) f.getCause();
              assertThat(cause.getType()).isEqualTo("LinkDown");
              assertThat(cause.getOriginalMessage()).contains("connection attempts failed");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    // Operators see what the link went through in the pass's event log.
    assertThat(
            db.jdbc.queryForList(
                "select detail->>'event' from pass_events where pass_id = ? and type = 'link'"
                    + " order by id",
                String.class,
                pass))
        .containsSubsequence("opened", "dropped", "reconnected", "dropped", "down");
  }

  @Test
  void everyTelemetryPacketSentIsStoredWhenTheLinkCloses() throws Exception {
    station.close();
    station =
        GroundStationSimulator.start(
            0, Options.defaults().withTelemetryInterval(Duration.ofNanos(250_000)));
    spec = new LinkSpec(pass, "127.0.0.1", station.port());
    PassLinkActivities link = executor();
    link.open(spec);
    for (int i = 0; i < 20; i++) {
      link.sendTelecommand(tc("n", "n/" + i + "/1", "NOOP", null, ack(), 10));
    }
    Thread.sleep(3000);

    long start = System.nanoTime();
    LinkStatus closed = link.close(spec);
    double closeSeconds = (System.nanoTime() - start) / 1e9;

    long stored =
        db.jdbc.queryForObject(
            "select count(*) from pass_packets where pass_id = ? and direction = 'tm'",
            Long.class,
            pass);
    long seconds =
        db.jdbc.queryForObject(
            "select ceil(extract(epoch from max(ground_time) - min(ground_time)))::bigint"
                + " from pass_packets where pass_id = ? and direction = 'tm'",
            Long.class,
            pass);
    System.out.printf(
        "PassLinkIT: %d TM sent, %d stored (%d lost), %.0f TM/s over %d s, close %.2f s%n",
        station.tmSent(),
        stored,
        station.tmSent() - stored,
        stored / (double) seconds,
        seconds,
        closeSeconds);
    assertThat(stored).isEqualTo(station.tmSent()).isEqualTo(closed.tmReceived());
    assertThat(station.acksSent()).isEqualTo(20);
    assertThat(closed.tcSent()).isEqualTo(20);
    // No gap in the sequence counts of either APID (they wrap at 16384 at this rate).
    assertThat(
            db.jdbc.queryForObject(
                "select count(*) from (select apid, (sequence_count - lag(sequence_count)"
                    + " over (partition by apid order by id) + 16384) % 16384 as step"
                    + " from pass_packets where pass_id = ? and direction = 'tm') s"
                    + " where step <> 1",
                Integer.class, pass))
        .isZero();
    assertThat(
            new io.opsflow.pass.PassStoreActivitiesImpl(db.jdbc, db.tx)
                .finalizeReport(pass)
                .sequenceGaps())
        .isEmpty();
    assertThat(
            db.jdbc.queryForObject(
                "select count(*) from pass_packets where pass_id = ? and apid = ?"
                    + " and onboard_time is not null",
                Long.class,
                pass,
                Housekeeping.APID))
        .isEqualTo(station.housekeepingSent());
  }

  @Test
  void aCancelledWaitEndsWithinSecondsNotAtItsTimeout() throws Exception {
    PassLinks links = new PassLinks(db.jdbc, Duration.ofSeconds(2), 3, Duration.ofMillis(200));
    executors.add(links);
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    envs.add(env);
    env.registerActivitiesImplementations(new PassLinkActivitiesImpl(links));
    PassLinkActivities link = env.newActivityStub(PassLinkActivities.class, OPTIONS);
    link.open(spec);
    long start = System.nanoTime();
    java.util.concurrent.CompletableFuture<ActionResult> waiting =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> link.waitTelemetry(condition("wt", "temperature", "lt", -100.0, 60)));
    Thread.sleep(1500);

    env.requestCancelActivity();

    assertThatThrownBy(() -> waiting.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(io.temporal.failure.CanceledFailure.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void theReportFitsTheSimulatedOnboardClockFromTheStoredTelemetry() throws Exception {
    PassLinkActivities link = executor();
    link.open(spec);
    link.sendTelecommand(tc("p", "p/1/1", "PING", null, ack(), 10));
    Thread.sleep(2000);
    link.close(spec);

    io.opsflow.pass.PassReport report =
        new io.opsflow.pass.PassStoreActivitiesImpl(db.jdbc, db.tx).finalizeReport(pass);

    // Onboard = ground + 2.5 s + 20 ppm: ground - onboard is about -2.5 s.
    assertThat(report.timeCorrelation().samples()).isEqualTo((int) report.telemetry());
    assertThat(report.timeCorrelation().offsetSeconds())
        .isCloseTo(-2.5, org.assertj.core.api.Assertions.within(0.05));
    assertThat(report.timeCorrelation().residualRmsSeconds()).isLessThan(0.05);
    assertThat(report.telecommands()).isEqualTo(1);
    assertThat(report.telemetry()).isEqualTo(station.tmSent());
    assertThat(report.sequenceGaps()).isEmpty();
    assertThat(
            db.jdbc.queryForObject(
                "select samples from pass_time_correlations where pass_id = ?",
                Integer.class,
                pass))
        .isEqualTo(station.tmSent());
  }

  @Test
  void anUnknownCommandFailsWithoutSending() {
    PassLinkActivities link = executor();

    assertThatThrownBy(
            () -> link.sendTelecommand(tc("x", "x/1/1", "SELF_DESTRUCT", null, ack(), 10)))
        .isInstanceOfSatisfying(
            ActivityFailure.class,
            f ->
                assertThat(((ApplicationFailure) f.getCause()).getType())
                    .isEqualTo("UnknownCommand"));
    assertThat(station.tcReceived()).isZero();
    assertThat(SpacePacket.MAX_SEQUENCE_COUNT).isEqualTo(16383);
  }

  private ActionRun tc(
      String node, String runKey, String command, String payload, Verifier verifier, int timeout) {
    int apid = command.equals("RESET") ? 0x20 : 0x10;
    return new ActionRun(
        pass,
        spec,
        node,
        runKey,
        "send_telecommand",
        new NodeParameters(apid, command, payload, verifier, null, timeout, null, null));
  }

  private ActionRun condition(String node, String parameter, String op, double value, int timeout) {
    return new ActionRun(
        pass,
        spec,
        node,
        node + "/1/1",
        "wait_telemetry",
        new NodeParameters(
            null,
            null,
            null,
            null,
            new ParameterCondition(parameter, op, value),
            timeout,
            null,
            null));
  }

  private static Verifier ack() {
    return new Verifier(Verifier.ACK, null);
  }
}
