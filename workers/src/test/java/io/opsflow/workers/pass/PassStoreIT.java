package io.opsflow.workers.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.opsflow.pass.ExecutorHandle;
import io.opsflow.pass.NodeParameters;
import io.opsflow.pass.NodeState;
import io.opsflow.pass.PassReport;
import io.opsflow.pass.PassReport.SequenceGap;
import io.opsflow.pass.PassStoreActivities.OperatorAction;
import io.opsflow.pass.PassStoreActivities.PassEvent;
import io.opsflow.pass.PassStoreActivities.Replan;
import io.opsflow.pass.PassStoreActivities.StatusChange;
import io.opsflow.pass.PassStoreActivitiesImpl;
import io.opsflow.pass.ProcedureGraph;
import io.opsflow.pass.ProcedureNode;
import io.opsflow.pass.Verifier;
import io.opsflow.pass.ccsds.CucTime;
import io.opsflow.pass.ccsds.Housekeeping;
import io.opsflow.pass.ccsds.TmDataField;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pass store against PostgreSQL (embedded, migrated by Flyway). */
class PassStoreIT {

  private static final Instant AOS = Instant.parse("2030-01-01T10:00:00Z");
  private static final Instant LOS = AOS.plusSeconds(600);
  private static final String GRAPH =
      "{\"nodes\": [{\"id\": \"mode\", \"type\": \"send_telecommand\", \"parameters\": {}},"
          + " {\"id\": \"ping\", \"type\": \"send_telecommand\", \"parameters\": {}},"
          + " {\"id\": \"hk\", \"type\": \"wait_telemetry\", \"parameters\": {}},"
          + " {\"id\": \"later\", \"type\": \"delay\", \"parameters\": {}}], \"links\": []}";

  private static PassDatabase db;
  private PassStoreActivitiesImpl store;
  private long station;
  private long pass;

  @BeforeAll
  static void database() {
    db = new PassDatabase();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @BeforeEach
  void setUp() {
    db.empty();
    store = new PassStoreActivitiesImpl(db.jdbc, db.tx);
    station = db.groundStation("svalbard-1", 8190);
    pass = db.pass(station, "SAT-1", AOS, LOS, GRAPH);
  }

  @Test
  void statusIsWrittenOncePerKeyWithExecutorAndTimes() {
    ExecutorHandle pod =
        new ExecutorHandle(pass, ExecutorHandle.POD, "uid-1", "pass-1-executor", AOS);
    Instant starting = AOS.minusSeconds(300);
    store.markStatus(
        new StatusChange(pass, "status-1", starting, "starting", "launching", pod, null));
    store.markStatus(new StatusChange(pass, "status-2", AOS, "executing", "procedure", null, null));
    // A late retry of the first change: nothing moves back.
    store.markStatus(
        new StatusChange(pass, "status-1", starting, "starting", "launching", pod, null));
    Instant end = LOS.minusSeconds(5);
    store.markStatus(
        new StatusChange(
            pass, "status-3", end, "failure", "done", null, "link down after 3 tries"));

    Map<String, Object> row = db.jdbc.queryForMap("select * from passes where id = ?", pass);
    assertThat(row)
        .containsEntry("status", "failure")
        .containsEntry("phase", "done")
        .containsEntry("executor_kind", "pod")
        .containsEntry("executor_id", "uid-1")
        .containsEntry("executor_name", "pass-1-executor")
        .containsEntry("failure_reason", "link down after 3 tries");
    assertThat(instant(row.get("started_at"))).isEqualTo(starting);
    assertThat(instant(row.get("ended_at"))).isEqualTo(end);
    assertThat(
            db.jdbc.queryForList(
                "select event_key || ':' || (detail->>'status') from pass_events"
                    + " where pass_id = ? and type = 'status' order by id",
                String.class,
                pass))
        .containsExactly("status-1:starting", "status-2:executing", "status-3:failure");
  }

  @Test
  void eventsAndActionsAreWrittenOnceHoweverOftenRetried() {
    PassEvent event =
        new PassEvent(
            pass, "node-ping-1-start", AOS, "action_started", "ping", null, Map.of("run", 1));
    OperatorAction action =
        new OperatorAction(
            pass, "update-7", AOS, "erin", "skip", "hk", Map.of("branch", true, "node_id", "hk"));
    for (int i = 0; i < 3; i++) {
      store.recordEvent(event);
      store.recordAction(action);
    }

    assertThat(
            db.jdbc.queryForList(
                "select type || ':' || node_id || ':' || (detail->>'run') from pass_events"
                    + " where pass_id = ?",
                String.class,
                pass))
        .containsExactly("action_started:ping:1");
    assertThat(db.jdbc.queryForList("select * from scheduled_pass_actions where pass_id = ?", pass))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r)
                    .containsEntry("operator", "erin")
                    .containsEntry("kind", "skip")
                    .containsEntry("node_id", "hk")
                    .containsEntry("outcome", "accepted")
                    .containsEntry("action_key", "update-7"));
  }

  @Test
  void replanMovesAReservedPassOnceAndARetryAnswersTheSameVersion() {
    Replan replan =
        new Replan(
            pass,
            AOS.plusSeconds(60),
            LOS.plusSeconds(60),
            120,
            new ProcedureGraph(
                List.of(
                    new ProcedureNode(
                        "ping",
                        "send_telecommand",
                        new NodeParameters(
                            0x10, "PING", "0A", new Verifier("ack", null), null, 30, null, null))),
                List.of()),
            Map.of("priority", "high"),
            1);

    assertThat(store.replan(replan)).isEqualTo(2);
    assertThat(store.replan(replan)).isEqualTo(2);

    Map<String, Object> row =
        db.jdbc.queryForMap(
            "select aos, los, lead_time_seconds, version, procedure::text as procedure,"
                + " parameters::text as parameters from passes where id = ?",
            pass);
    assertThat(instant(row.get("aos"))).isEqualTo(AOS.plusSeconds(60));
    assertThat(row).containsEntry("lead_time_seconds", 120).containsEntry("version", 2);
    // Written the way the API writes graphs (snake_case), so the API reads it back.
    assertThat((String) row.get("procedure")).contains("\"payload_hex\": \"0A\"");
    assertThat((String) row.get("parameters")).isEqualTo("{\"priority\": \"high\"}");
    assertThatThrownBy(() -> store.replan(withVersion(replan, 1, AOS.plusSeconds(90))))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("PassVersionConflict");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("version 2, not 1");
            });
  }

  @Test
  void replanOntoAnotherPassesWindowNamesThatPass() {
    long other = db.pass(station, "SAT-2", LOS.plusSeconds(600), LOS.plusSeconds(1200), GRAPH);
    Replan replan =
        new Replan(pass, LOS.plusSeconds(300), LOS.plusSeconds(900), 300, null, null, null);

    assertThatThrownBy(() -> store.replan(replan))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("PassOverlap");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .startsWith("overlaps pass " + other + " (SAT-2, ")
                  .endsWith("on ground station 'svalbard-1'");
              assertThat(f.getDetails().get(0, Long.class)).isEqualTo(other);
            });
    assertThat(
            db.jdbc.queryForObject("select version from passes where id = ?", Integer.class, pass))
        .isEqualTo(1);
    // Half-open windows: ending exactly when the other starts is fine.
    assertThat(store.replan(new Replan(pass, LOS, LOS.plusSeconds(600), 300, null, null, null)))
        .isEqualTo(2);
  }

  @Test
  void replanOfAStartedPassIsRefused() {
    store.markStatus(new StatusChange(pass, "status-1", AOS, "starting", "launching", null, null));

    assertThatThrownBy(
            () -> store.replan(new Replan(pass, AOS, LOS.plusSeconds(1), 300, null, null, null)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("PassNotReserved");
              assertThat(f.getOriginalMessage()).contains("is starting");
            });
  }

  @Test
  void reportCountsPacketsGapsVerifiersActionsNodesAndFitsTheClock() {
    // TM: housekeeping counts 16379, 16380, 16383 (2 lost), then 0 (a wrap, no gap); acks 0, 1, 3.
    Instant t0 = AOS.plusSeconds(10);
    int[] hk = {16379, 16380, 16383, 0, 1, 2};
    for (int i = 0; i < hk.length; i++) {
      tm(Housekeeping.APID, hk[i], t0.plusSeconds(i), t0.plusSeconds(i).plusMillis(2500 + i));
    }
    int[] acks = {0, 1, 3};
    for (int i = 0; i < acks.length; i++) {
      tm(1, acks[i], t0.plusSeconds(10 + i), t0.plusSeconds(10 + i).plusMillis(2510 + i));
    }
    tc(0x10, 0, "mode");
    tc(0x10, 1, "ping");
    ended("mode", 1, "succeeded");
    ended("ping", 1, "rejected");
    ended("ping", 2, "timed_out");
    ended("hk", 1, "succeeded"); // not a telecommand
    store.recordEvent(
        new PassEvent(pass, "node-later-1-start", t0, "action_started", "later", null, Map.of()));
    store.recordAction(new OperatorAction(pass, "u1", t0, "erin", "skip", "hk", Map.of()));
    store.recordAction(new OperatorAction(pass, "u2", t0, "erin", "skip", "later", Map.of()));
    db.jdbc.update(
        "insert into scheduled_pass_actions (pass_id, operator, kind, outcome, rejection_reason)"
            + " values (?, 'bob', 'override', 'rejected', 'node ping already ran')",
        pass);
    store.markStatus(new StatusChange(pass, "status-9", LOS, "success", "done", null, null));

    PassReport report = store.finalizeReport(pass);
    PassReport again = store.finalizeReport(pass);

    assertThat(report.status()).isEqualTo("success");
    assertThat(report.telecommands()).isEqualTo(2);
    assertThat(report.telemetry()).isEqualTo(9);
    assertThat(report.telemetryByApid()).isEqualTo(Map.of(1, 3L, Housekeeping.APID, 6L));
    assertThat(report.sequenceGaps())
        .containsExactly(
            new SequenceGap(1, 1, 3, 1), new SequenceGap(Housekeeping.APID, 16380, 16383, 2));
    assertThat(report.verifiers())
        .isEqualTo(Map.of("succeeded", 1L, "rejected", 1L, "timed_out", 1L));
    assertThat(report.operatorActions())
        .isEqualTo(Map.of("skip:accepted", 2L, "override:rejected", 1L));
    assertThat(report.nodes())
        .extracting(NodeState::nodeId, NodeState::status, NodeState::runs)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("mode", "succeeded", 1),
            org.assertj.core.groups.Tuple.tuple("ping", "failed", 2),
            org.assertj.core.groups.Tuple.tuple("hk", "succeeded", 1),
            org.assertj.core.groups.Tuple.tuple("later", "running", 1));
    assertThat(report.nodes().get(1).detail()).isEqualTo("timed_out");
    // ground - onboard = 2.5 s, growing about 1 ms per packet.
    assertThat(report.timeCorrelation().samples()).isEqualTo(9);
    assertThat(report.timeCorrelation().offsetSeconds()).isCloseTo(2.5, within(0.02));
    assertThat(again.sequenceGaps()).isEqualTo(report.sequenceGaps());
    assertThat(db.jdbc.queryForMap("select * from pass_time_correlations where pass_id = ?", pass))
        .containsEntry("samples", 9);
    Map<String, Object> stored =
        db.jdbc.queryForMap(
            "select report->>'telemetry' as tm, report->'sequence_gaps'->1->>'missing' as missing,"
                + " report->'time_correlation'->>'samples' as samples from pass_reports"
                + " where pass_id = ?",
            pass);
    assertThat(stored)
        .containsEntry("tm", "9")
        .containsEntry("missing", "2")
        .containsEntry("samples", "9");
    assertThat(db.jdbc.queryForObject("select count(*) from pass_reports", Integer.class))
        .isEqualTo(1);
  }

  @Test
  void aReportOfAPassWithoutPacketsHasNoTimeCorrelation() {
    PassReport report = store.finalizeReport(pass);

    assertThat(report.telemetry()).isZero();
    assertThat(report.timeCorrelation()).isNull();
    assertThat(report.nodes()).extracting(NodeState::status).containsOnly("not_run");
    assertThat(db.jdbc.queryForObject("select count(*) from pass_reports", Integer.class))
        .isEqualTo(1);
  }

  @Test
  void writesToAnUnknownPassFailWithoutRetry() {
    assertThatThrownBy(
            () ->
                store.recordEvent(
                    new PassEvent(pass + 100, "k", AOS, "phase", null, null, Map.of())))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue());
  }

  private void ended(String node, int run, String outcome) {
    store.recordEvent(
        new PassEvent(
            pass,
            "node-" + node + "-" + run + "-start",
            AOS.plusSeconds(run),
            "action_started",
            node,
            null,
            Map.of("run", run)));
    store.recordEvent(
        new PassEvent(
            pass,
            "node-" + node + "-" + run + "-end",
            AOS.plusSeconds(run + 1),
            "action_ended",
            node,
            null,
            Map.of("run", run, "outcome", outcome)));
  }

  /** A TM as the simulator sends it, its onboard time in a CUC 4+2 code. */
  private void tm(int apid, int count, Instant onboard, Instant ground) {
    byte[] raw =
        new TmDataField(CucTime.of(onboard, 4, 2), new Housekeeping(28000, 2000, 1).encode())
            .packet(apid, count)
            .encode();
    db.jdbc.update(
        "insert into pass_packets (pass_id, direction, apid, sequence_flags, sequence_count,"
            + " data_length, ground_time, onboard_time, raw) values (?, 'tm', ?, 3, ?, ?, ?, ?, ?)",
        pass,
        apid,
        count,
        raw.length - 7,
        ground.atOffset(ZoneOffset.UTC),
        onboard.atOffset(ZoneOffset.UTC),
        raw);
  }

  private void tc(int apid, int count, String node) {
    db.jdbc.update(
        "insert into pass_packets (pass_id, direction, apid, sequence_flags, sequence_count,"
            + " data_length, ground_time, raw, run_key, node_id)"
            + " values (?, 'tc', ?, 3, ?, 1, now(), '\\x1010c0000001010a'::bytea, ?, ?)",
        pass,
        apid,
        count,
        node + "/1/1",
        node);
  }

  private static Replan withVersion(Replan r, int version, Instant aos) {
    return new Replan(
        r.passId(), aos, r.los(), r.leadTimeSeconds(), r.procedure(), r.parameters(), version);
  }

  private static Instant instant(Object value) {
    return value instanceof java.sql.Timestamp t
        ? t.toInstant()
        : ((java.time.OffsetDateTime) value).toInstant();
  }
}
