package io.opsflow.workers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.events.EventLog;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.opsflow.workload.Heartbeat;
import io.opsflow.workload.NodeActivities;
import io.opsflow.workload.NodeActivities.NodeReport;
import io.opsflow.workload.NodeActivities.NodeStatusChange;
import io.opsflow.workload.NodeActivitiesImpl;
import io.opsflow.workload.NodeRegistry;
import io.opsflow.workload.NodeStatus;
import io.opsflow.workload.Placement;
import io.opsflow.workload.PlacementPolicy;
import io.opsflow.workload.RestartMode;
import io.opsflow.workload.RestartPolicy;
import io.opsflow.workload.WorkloadSpec;
import io.opsflow.workload.WorkloadStatus;
import io.opsflow.workload.WorkloadStoreActivities.PlaceRequest;
import io.opsflow.workload.WorkloadStoreActivities.StatusChange;
import io.opsflow.workload.WorkloadStoreActivitiesImpl;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The workload store and node activities against PostgreSQL (embedded, migrated by Flyway):
 * placement by free capacity under concurrency, idempotent writes, node loss.
 */
class WorkloadStoreIT {

  private static EmbeddedPostgres postgres;
  private static HikariDataSource dataSource;
  private static JdbcTemplate jdbc;

  private SimpleMeterRegistry meters;
  private WorkloadStoreActivitiesImpl store;
  private NodeActivitiesImpl nodeActivities;
  private NodeRegistry registry;
  private final Map<UUID, Integer> sequences = new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeAll
  static void database() {
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(24);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
  }

  @AfterAll
  static void stop() {
    dataSource.close();
    postgres.close();
  }

  @BeforeEach
  void emptyTables() {
    jdbc.execute("truncate workload_events, workloads, nodes, events restart identity");
    ObjectMapper mapper = new ObjectMapper();
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    EventLog eventLog = new EventLog(jdbc, mapper);
    meters = new SimpleMeterRegistry();
    store = new WorkloadStoreActivitiesImpl(jdbc, tx, mapper, meters);
    nodeActivities = new NodeActivitiesImpl(jdbc, tx, eventLog, mapper);
    registry = new NodeRegistry(jdbc, eventLog);
  }

  @Test
  void spreadPicksTheNodeWithTheMostRoomLeft() {
    node("big", 4, 8192);
    node("small", 2, 4096);

    Placement placement = place(UUID.randomUUID(), 1, 1024, PlacementPolicy.SPREAD);

    assertThat(placement.nodeId()).isEqualTo("big");
    assertThat(placement.status()).isEqualTo(WorkloadStatus.SCHEDULED);
    Map<String, Object> row = row(placement.workloadId());
    assertThat(row)
        .containsEntry("status", "SCHEDULED")
        .containsEntry("node_id", "big")
        .containsEntry("name", "celery-worker")
        .containsEntry("image", "python:3.9")
        .containsEntry("restart_mode", "ON_FAILURE")
        .containsEntry("restart_max", 3)
        .containsEntry("revision", 1);
    assertThat(
            jdbc.queryForObject(
                "select array_to_string(command, '|') from workloads where id = ?::uuid",
                String.class,
                placement.workloadId()))
        .isEqualTo("celery|worker");
    assertThat(
            jdbc.queryForObject(
                "select env->>'BROKER' from workloads where id = ?::uuid",
                String.class,
                placement.workloadId()))
        .isEqualTo("redis://127.0.0.1");
    assertThat(events(placement.workloadId())).containsExactly("placed:SCHEDULED:big");
  }

  @Test
  void binPackPicksTheFullestNodeThatStillFits() {
    node("big", 4, 8192);
    node("small", 2, 4096);
    node("tiny", 0.5, 512);

    Placement placement = place(UUID.randomUUID(), 1, 1024, PlacementPolicy.BIN_PACK);

    assertThat(placement.nodeId()).isEqualTo("small");
  }

  @Test
  void neverPlacesOnANodeWithoutRoomForCpuOrMemory() {
    node("cpu-poor", 1, 8192);
    node("memory-poor", 8, 512);
    node("gone", 16, 65536);
    nodeActivities.status(
        new NodeStatusChange("gone", NodeStatus.INACTIVE, Instant.now(), null, "no heartbeat"));

    Placement placement = place(UUID.randomUUID(), 2, 1024, PlacementPolicy.SPREAD);

    assertThat(placement.status()).isEqualTo(WorkloadStatus.PENDING);
    assertThat(placement.nodeId()).isNull();
    assertThat(row(placement.workloadId()))
        .containsEntry("status", "PENDING")
        .containsEntry("node_id", null);
    assertThat((String) row(placement.workloadId()).get("message"))
        .startsWith("no node fits cpu=2.0 memory=1024MiB");
    assertThat(events(placement.workloadId())).containsExactly("pending:PENDING:null");
  }

  @Test
  void liveWorkloadsUseTheirNodesCapacityUntilTheyEnd() {
    node("only", 2, 4096);
    UUID first = UUID.randomUUID();
    UUID second = UUID.randomUUID();
    assertThat(place(first, 1.5, 1024, PlacementPolicy.SPREAD).nodeId()).isEqualTo("only");

    assertThat(place(second, 1, 1024, PlacementPolicy.SPREAD).status())
        .isEqualTo(WorkloadStatus.PENDING);
    // Still pending on a re-check: nothing new is recorded.
    assertThat(place(second, 1, 1024, PlacementPolicy.SPREAD).status())
        .isEqualTo(WorkloadStatus.PENDING);
    store.status(change(first, 2, WorkloadStatus.EXITED, 0));
    Placement placed = place(second, 1, 1024, PlacementPolicy.SPREAD);

    assertThat(placed.status()).isEqualTo(WorkloadStatus.SCHEDULED);
    assertThat(placed.nodeId()).isEqualTo("only");
    assertThat(events(second.toString()))
        .containsExactly("pending:PENDING:null", "placed:SCHEDULED:only");
  }

  @Test
  void liveWorkloadsOfANodeAreItsScheduledRunningAndRestartingOnesSorted() {
    node("keep", 8, 8192);
    node("elsewhere", 8, 8192);
    UUID running = UUID.randomUUID();
    UUID scheduled = UUID.randomUUID();
    UUID exited = UUID.randomUUID();
    UUID restarting = UUID.randomUUID();
    for (UUID id : List.of(running, scheduled, exited, restarting)) {
      store.place(
          request(
              id,
              1,
              sequences.merge(id, 1, Integer::sum),
              1,
              256,
              PlacementPolicy.SPREAD,
              List.of("elsewhere")));
    }
    UUID other = UUID.randomUUID();
    store.place(
        request(
            other,
            1,
            sequences.merge(other, 1, Integer::sum),
            1,
            256,
            PlacementPolicy.SPREAD,
            List.of("keep")));
    store.status(change(running, 2, WorkloadStatus.RUNNING, null));
    store.status(change(exited, 2, WorkloadStatus.EXITED, 0));
    store.status(change(restarting, 2, WorkloadStatus.RESTARTING, null));

    List<String> live =
        nodeActivities.liveWorkloads(new NodeActivities.LiveWorkloadsRequest("keep"));

    assertThat(live)
        .containsExactlyElementsOf(
            List.of(running, scheduled, restarting).stream().map(UUID::toString).sorted().toList());
    assertThat(nodeActivities.liveWorkloads(new NodeActivities.LiveWorkloadsRequest("elsewhere")))
        .containsExactly(other.toString());
  }

  @Test
  void concurrentPlacementsNeverOvercommitANode() throws Exception {
    node("a", 4, 4096);
    node("b", 4, 4096);
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Callable<Placement>> requests = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        requests.add(() -> place(UUID.randomUUID(), 1, 512, PlacementPolicy.SPREAD));
      }
      List<Placement> placements = new ArrayList<>();
      for (Future<Placement> f : pool.invokeAll(requests, 60, TimeUnit.SECONDS)) {
        placements.add(f.get());
      }

      assertThat(placements).filteredOn(p -> p.status() == WorkloadStatus.SCHEDULED).hasSize(8);
      assertThat(placements).filteredOn(p -> p.status() == WorkloadStatus.PENDING).hasSize(12);
      List<Map<String, Object>> load =
          jdbc.queryForList(
              "select node_id, sum(cpu) as cpu, sum(memory_mb) as memory from workloads"
                  + " where status = 'SCHEDULED' group by node_id order by node_id");
      assertThat(load)
          .extracting(r -> r.get("node_id"), r -> ((Number) r.get("cpu")).doubleValue())
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("a", 4.0),
              org.assertj.core.groups.Tuple.tuple("b", 4.0));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void placingTheSameRevisionTwiceReturnsTheStoredPlacement() {
    node("a", 4, 4096);
    node("b", 4, 4096);
    UUID id = UUID.randomUUID();

    Placement first = place(id, 1, 512, PlacementPolicy.SPREAD);
    node("c", 64, 65536);
    Placement again = place(id, 1, 512, PlacementPolicy.SPREAD);

    assertThat(again).isEqualTo(first);
    assertThat(events(id.toString())).hasSize(1);
    assertThat(meters.get(WorkloadStoreActivitiesImpl.PLACEMENTS_METRIC).counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void statusIsWrittenOnceAndAnOlderChangeNeverOverwritesANewerOne() {
    node("a", 4, 4096);
    UUID id = UUID.randomUUID();
    place(id, 1, 512, PlacementPolicy.SPREAD);

    store.status(change(id, 2, WorkloadStatus.RUNNING, null));
    store.status(change(id, 2, WorkloadStatus.RUNNING, null));
    StatusChange exited =
        new StatusChange(
            id.toString(),
            1,
            3,
            WorkloadStatus.EXITED,
            "a",
            3,
            "exited with code 3",
            "boom\n",
            Instant.now());
    store.status(exited);
    // A late retry of the earlier change.
    store.status(change(id, 2, WorkloadStatus.RUNNING, null));

    assertThat(row(id.toString()))
        .containsEntry("status", "EXITED")
        .containsEntry("exit_code", 3)
        .containsEntry("logs", "boom\n")
        .containsEntry("message", "exited with code 3")
        .containsEntry("sequence", 3);
    assertThat(events(id.toString()))
        .containsExactly("placed:SCHEDULED:a", "status:RUNNING:a", "status:EXITED:a");
  }

  @Test
  void restartsAreCountedOncePerRestartingChange() {
    node("a", 4, 4096);
    UUID id = UUID.randomUUID();
    place(id, 1, 512, PlacementPolicy.SPREAD);

    store.status(change(id, 2, WorkloadStatus.RUNNING, null));
    store.status(change(id, 3, WorkloadStatus.RESTARTING, 1));
    store.status(change(id, 3, WorkloadStatus.RESTARTING, 1));
    store.status(change(id, 4, WorkloadStatus.RUNNING, null));
    store.status(change(id, 5, WorkloadStatus.RESTARTING, 1));

    assertThat(row(id.toString()))
        .containsEntry("restarts", 2)
        .containsEntry("status", "RESTARTING");
  }

  @Test
  void aNewRevisionIsPlacedAfreshAndClearsTheOldOutcome() {
    node("a", 4, 4096);
    UUID id = UUID.randomUUID();
    place(id, 1, 512, PlacementPolicy.SPREAD);
    store.status(
        new StatusChange(
            id.toString(), 1, 5, WorkloadStatus.FAILED, "a", 127, "not found", "x", Instant.now()));

    Placement retried = store.place(request(id, 2, 1, 1, 512, PlacementPolicy.SPREAD, List.of()));

    assertThat(retried.status()).isEqualTo(WorkloadStatus.SCHEDULED);
    assertThat(row(id.toString()))
        .containsEntry("revision", 2)
        .containsEntry("sequence", 1)
        .containsEntry("status", "SCHEDULED")
        .containsEntry("exit_code", null)
        .containsEntry("logs", null);
    // Revision 2's sequences start at 1 again: new events, not duplicates of revision 1's.
    store.status(change(id, 2, 2, WorkloadStatus.RUNNING));
    assertThat(row(id.toString())).containsEntry("status", "RUNNING");
    assertThat(
            jdbc.queryForList(
                "select revision || '/' || sequence || ':' || status from workload_events"
                    + " where workload_id = ? order by id",
                String.class,
                id))
        .containsExactly("1/1:SCHEDULED", "1/5:FAILED", "2/1:SCHEDULED", "2/2:RUNNING");
  }

  @Test
  void statusOfAWorkloadNeverPlacedFailsWithoutRetry() {
    assertThatThrownBy(
            () -> store.status(change(UUID.randomUUID(), 1, WorkloadStatus.RUNNING, null)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue());
  }

  @Test
  void inactiveNodeMarksItsLiveWorkloadsLostAndReturnsThemAlsoOnRetry() {
    node("a", 8, 8192);
    UUID running = uuid("00000000-0000-0000-0000-00000000000a");
    UUID scheduled = uuid("00000000-0000-0000-0000-00000000000b");
    UUID exited = uuid("00000000-0000-0000-0000-00000000000c");
    for (UUID id : List.of(running, scheduled, exited)) {
      place(id, 1, 512, PlacementPolicy.SPREAD);
    }
    store.status(change(running, 2, WorkloadStatus.RUNNING, null));
    store.status(change(exited, 2, WorkloadStatus.EXITED, 0));
    Instant lastHeartbeat = Instant.parse("2026-01-01T10:00:00Z");
    Instant at = lastHeartbeat.plus(10, ChronoUnit.MINUTES);
    NodeStatusChange inactive =
        new NodeStatusChange("a", NodeStatus.INACTIVE, at, lastHeartbeat, "no heartbeat for 600 s");

    List<String> lost = nodeActivities.status(inactive);
    List<String> again = nodeActivities.status(inactive);

    assertThat(lost).containsExactly(running.toString(), scheduled.toString());
    assertThat(again).isEqualTo(lost);
    assertThat(row(running.toString()))
        .containsEntry("status", "LOST")
        .containsEntry("message", "no heartbeat for 600 s");
    assertThat(row(exited.toString())).containsEntry("status", "EXITED");
    assertThat(events(running.toString()))
        .containsExactly("placed:SCHEDULED:a", "status:RUNNING:a", "node_lost:LOST:a");
    Map<String, Object> node = jdbc.queryForMap("select * from nodes where node_id = 'a'");
    assertThat(node.get("status")).isEqualTo("INACTIVE");
    assertThat(((java.sql.Timestamp) node.get("inactive_since")).toInstant()).isEqualTo(at);
    assertThat(nodeStatusEvents()).containsExactly("Inactive");

    nodeActivities.status(
        new NodeStatusChange("a", NodeStatus.ACTIVE, at.plusSeconds(30), at.plusSeconds(30), null));

    assertThat(jdbc.queryForMap("select * from nodes where node_id = 'a'"))
        .containsEntry("status", "ACTIVE")
        .containsEntry("inactive_since", null);
    assertThat(nodeStatusEvents()).containsExactly("Inactive", "Active");
  }

  @Test
  void aLostWorkloadIsPlacedAgainAwayFromTheLostNode() {
    node("a", 8, 8192);
    node("b", 2, 2048);
    UUID id = UUID.randomUUID();
    assertThat(place(id, 1, 512, PlacementPolicy.SPREAD).nodeId()).isEqualTo("a");
    nodeActivities.status(
        new NodeStatusChange("a", NodeStatus.INACTIVE, Instant.now(), null, null));

    Placement moved = store.place(request(id, 1, 2, 1, 512, PlacementPolicy.SPREAD, List.of("a")));

    assertThat(moved.nodeId()).isEqualTo("b");
    assertThat(row(id.toString()))
        .containsEntry("status", "SCHEDULED")
        .containsEntry("node_id", "b");
    assertThat(
            nodeActivities.status(
                new NodeStatusChange("a", NodeStatus.INACTIVE, Instant.now(), null, null)))
        .isEmpty();
  }

  @Test
  void registrationAndHeartbeatsRecordAddressAndOffer() {
    Instant at = Instant.parse("2026-01-01T10:00:00Z");
    registry.register("node-1", "127.0.0.1", "worker-1", at);
    registry.heartbeat(new Heartbeat("node-1", "active", 2.5, 8192, at.plusSeconds(30)));
    registry.heartbeat(new Heartbeat("node-1", "active", 3.0, 4096, at.plusSeconds(60)));

    Map<String, Object> node = jdbc.queryForMap("select * from nodes where node_id = 'node-1'");
    assertThat(node)
        .containsEntry("ip_address", "127.0.0.1")
        .containsEntry("hostname", "worker-1")
        .containsEntry("status", "ACTIVE")
        .containsEntry("offered_cpu", 3.0)
        .containsEntry("offered_memory_mb", 4096L)
        .containsEntry("heartbeats", 2L);
    assertThat(((java.sql.Timestamp) node.get("last_heartbeat_at")).toInstant())
        .isEqualTo(at.plusSeconds(60));
  }

  @Test
  void placementEventsAreKeyedByTheRequestSequenceAndOnlyForAChange() {
    UUID id = UUID.randomUUID();
    PlaceRequest first = request(id, 1, 1, 1, 512, PlacementPolicy.SPREAD, List.of());

    assertThat(store.place(first).status()).isEqualTo(WorkloadStatus.PENDING);
    // The same attempt retried, then a re-check that changes nothing: no event.
    store.place(first);
    store.place(request(id, 1, 2, 1, 512, PlacementPolicy.SPREAD, List.of()));
    node("a", 2, 2048);
    store.place(request(id, 1, 3, 1, 512, PlacementPolicy.SPREAD, List.of()));

    assertThat(
            jdbc.queryForList(
                "select sequence || ':' || status from workload_events where workload_id = ?"
                    + " order by id",
                String.class,
                id))
        .containsExactly("1:PENDING", "3:SCHEDULED");
    assertThat(row(id.toString())).containsEntry("sequence", 3);
  }

  @Test
  void nodeLossEventsNeverCollideWithTheWorkflowsSequencesAndAreWrittenOnce() {
    node("a", 8, 8192);
    node("b", 8, 8192);
    UUID id = uuid("00000000-0000-0000-0000-0000000000aa");
    assertThat(place(id, 1, 512, PlacementPolicy.BIN_PACK).nodeId()).isEqualTo("a");
    store.status(change(id, 2, WorkloadStatus.RUNNING, null));
    Instant at = Instant.parse("2026-01-01T10:10:00Z");
    NodeStatusChange inactive =
        new NodeStatusChange("a", NodeStatus.INACTIVE, at, at.minusSeconds(600), "gone");

    assertThat(nodeActivities.status(inactive)).containsExactly(id.toString());
    // The workflow goes on with its own sequence 3 (placement elsewhere), 4 (running).
    store.place(request(id, 1, 3, 1, 512, PlacementPolicy.BIN_PACK, List.of("a")));
    store.status(change(id, 4, WorkloadStatus.RUNNING, null));
    // A late retry of the same INACTIVE decision adds nothing.
    nodeActivities.status(inactive);

    assertThat(
            jdbc.queryForList(
                "select coalesce(sequence::text, dedup_key) || ':' || status"
                    + " from workload_events where workload_id = ? order by id",
                String.class,
                id))
        .containsExactly(
            "1:SCHEDULED", "2:RUNNING", "node_lost/a/" + at + ":LOST", "3:SCHEDULED", "4:RUNNING");
    assertThat(row(id.toString())).containsEntry("node_id", "b").containsEntry("status", "RUNNING");
  }

  @Test
  void theKeyOfALossKeepsARetryFromWritingItTwice() {
    node("a", 8, 8192);
    UUID id = UUID.randomUUID();
    place(id, 1, 512, PlacementPolicy.SPREAD);
    Instant at = Instant.parse("2026-01-01T10:10:00Z");
    NodeStatusChange inactive = new NodeStatusChange("a", NodeStatus.INACTIVE, at, null, "gone");
    nodeActivities.status(inactive);
    // As if the first attempt's commit raced a retry: the row looks live again on that node.
    jdbc.update("update workloads set status = 'SCHEDULED' where id = ?", id);

    nodeActivities.status(inactive);

    assertThat(events(id.toString())).containsExactly("placed:SCHEDULED:a", "node_lost:LOST:a");
  }

  @Test
  void registrationThroughTheWorkflowStoresTheReportAndNudgesPendingWorkloads() {
    UUID older = uuid("00000000-0000-0000-0000-0000000000b2");
    UUID newer = uuid("00000000-0000-0000-0000-0000000000b1");
    place(older, 1, 512, PlacementPolicy.SPREAD);
    place(newer, 1, 512, PlacementPolicy.SPREAD);
    Instant at = Instant.parse("2026-01-01T10:00:00Z");
    NodeStatusChange registered =
        new NodeStatusChange(
            "n1",
            NodeStatus.ACTIVE,
            at,
            at,
            "registered",
            new NodeReport("127.0.0.1", "worker-1", "active", null, null));

    List<String> nudged = nodeActivities.status(registered);

    // Oldest first; a retry of the same call answers the same.
    assertThat(nudged).containsExactly(older.toString(), newer.toString());
    assertThat(nodeActivities.status(registered)).isEqualTo(nudged);
    assertThat(jdbc.queryForMap("select * from nodes where node_id = 'n1'"))
        .containsEntry("ip_address", "127.0.0.1")
        .containsEntry("hostname", "worker-1")
        .containsEntry("agent_status", "active")
        .containsEntry("status", "ACTIVE");

    // The first heartbeat offers capacity: more than nothing.
    assertThat(heartbeat("n1", at.plusSeconds(30), "active", 2.0, 2048L)).hasSize(2);
    // The same offer again: nothing to nudge; the address is kept.
    assertThat(heartbeat("n1", at.plusSeconds(60), "draining", 2.0, 2048L)).isEmpty();
    // More memory alone is more.
    assertThat(heartbeat("n1", at.plusSeconds(90), "active", 2.0, 4096L)).hasSize(2);
    // Less is not.
    assertThat(heartbeat("n1", at.plusSeconds(120), "active", 1.0, 1024L)).isEmpty();
    assertThat(jdbc.queryForMap("select * from nodes where node_id = 'n1'"))
        .containsEntry("ip_address", "127.0.0.1")
        .containsEntry("hostname", "worker-1")
        .containsEntry("offered_cpu", 1.0)
        .containsEntry("offered_memory_mb", 1024L);

    // Inactive, then back with the same offer: a node that came back nudges.
    nodeActivities.status(
        new NodeStatusChange("n1", NodeStatus.INACTIVE, at.plusSeconds(720), at, "gone"));
    assertThat(heartbeat("n1", at.plusSeconds(750), "active", 1.0, 1024L))
        .containsExactly(older.toString(), newer.toString());
  }

  @Test
  void aHeartbeatsAgentStatusIsRecorded() {
    Instant at = Instant.parse("2026-01-01T10:00:00Z");
    heartbeat("n2", at, "draining", 1.0, 512L);

    assertThat(jdbc.queryForMap("select * from nodes where node_id = 'n2'"))
        .containsEntry("agent_status", "draining")
        .containsEntry("offered_cpu", 1.0)
        .containsEntry("offered_memory_mb", 512L);
  }

  @Test
  void theEventLogIsAppendOnly() {
    node("a", 1, 1024);
    UUID id = UUID.randomUUID();
    place(id, 0.5, 128, PlacementPolicy.SPREAD);

    assertThatThrownBy(() -> jdbc.update("update workload_events set message = 'rewritten'"))
        .isInstanceOf(DataAccessException.class)
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> jdbc.update("delete from workload_events"))
        .isInstanceOf(DataAccessException.class);
  }

  private List<String> heartbeat(
      String nodeId, Instant at, String agentStatus, double cpu, long memoryMb) {
    return nodeActivities.status(
        new NodeStatusChange(
            nodeId,
            NodeStatus.ACTIVE,
            at,
            at,
            "heartbeat",
            new NodeReport(null, null, agentStatus, cpu, memoryMb)));
  }

  private void node(String id, double cpu, long memoryMb) {
    registry.register(id, "127.0.0.1", id + ".local", Instant.now());
    registry.heartbeat(new Heartbeat(id, "active", cpu, memoryMb, Instant.now()));
  }

  /** Places revision 1 with the workload's next sequence, as the workflow counts them. */
  private Placement place(UUID id, double cpu, long memoryMb, PlacementPolicy policy) {
    int sequence = sequences.merge(id, 1, Integer::sum);
    return store.place(request(id, 1, sequence, cpu, memoryMb, policy, List.of()));
  }

  private static PlaceRequest request(
      UUID id,
      int revision,
      int sequence,
      double cpu,
      long memoryMb,
      PlacementPolicy policy,
      List<String> exclude) {
    WorkloadSpec spec =
        new WorkloadSpec(
            "celery-worker",
            "docker-container",
            "python:3.9",
            List.of("celery", "worker"),
            Map.of("BROKER", "redis://127.0.0.1"),
            cpu,
            memoryMb,
            new RestartPolicy(RestartMode.ON_FAILURE, 3));
    return new PlaceRequest(id.toString(), spec, revision, policy, exclude, sequence);
  }

  private static StatusChange change(UUID id, int sequence, WorkloadStatus status, Integer exit) {
    return new StatusChange(
        id.toString(), 1, sequence, status, null, exit, null, null, Instant.now());
  }

  private static StatusChange change(UUID id, int revision, int sequence, WorkloadStatus status) {
    return new StatusChange(
        id.toString(), revision, sequence, status, null, null, null, null, Instant.now());
  }

  private static Map<String, Object> row(String id) {
    return jdbc.queryForMap("select * from workloads where id = ?::uuid", id);
  }

  private static List<String> events(String id) {
    return jdbc.queryForList(
        "select type || ':' || coalesce(status, '') || ':' || coalesce(node_id, 'null')"
            + " from workload_events where workload_id = ?::uuid order by id",
        String.class,
        id);
  }

  private static List<String> nodeStatusEvents() {
    return jdbc.queryForList(
        "select data::json->>'status' from events where type = 'node_status' order by id",
        String.class);
  }

  private static UUID uuid(String value) {
    return UUID.fromString(value);
  }
}
