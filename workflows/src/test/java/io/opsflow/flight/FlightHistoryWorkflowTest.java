package io.opsflow.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FlightHistoryWorkflowTest {

  private static final String QUEUE = "flight-history-test";
  private static final long DEVICE = 7;

  /** Bump with the next change that breaks replay of the recorded histories. */
  private static final String RECORDED_VERSION = "v3";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeFlightStore store;
  private FakeFlightRetention retention;

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    env.registerSearchAttribute(
        FlightSearchAttributes.AIRBORNE.getName(), IndexedValueType.INDEXED_VALUE_TYPE_BOOL);
    store = new FakeFlightStore();
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(FlightHistoryWorkflowImpl.class);
    retention = new FakeFlightRetention();
    worker.registerActivitiesImplementations(store, retention);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  /** A flight with a link drop, a GPS loss and a failsafe; a second one, overheating. */
  private static List<TelemetryPoint> telemetry() {
    Telemetry t = new Telemetry().heartbeat(-1, false).heartbeat(0, true).ground(0, 3);
    for (int s = 4; s <= 200; s++) {
      if (s < 60 || s > 70) {
        t.position(s, 30, 5.0 * s, 5, 0).gps(s + 0.5, s > 100 && s < 110 ? 1 : 3, 10);
      }
      if (s == 150) {
        t.text(s + 0.7, 2, "Radio Failsafe");
      } else if (s == 160) {
        t.text(s + 0.7, 6, "Radio Failsafe Cleared");
      }
    }
    t.ground(201, 240, 1000).heartbeat(241, false);
    t.heartbeat(900, true).ground(900, 903);
    for (int s = 904; s <= 1000; s++) {
      t.position(s, 40, 0, 0, 0).temperature(s + 0.5, 30 + s / 20.0);
    }
    t.ground(1001, 1010).heartbeat(1011, false);
    return t.points();
  }

  private FlightHistoryWorkflow startHistory(FlightHistoryRequest request) {
    FlightHistoryWorkflow workflow =
        client.newWorkflowStub(
            FlightHistoryWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(FlightHistoryWorkflow.workflowId(DEVICE))
                .setTaskQueue(QUEUE)
                .setTypedSearchAttributes(
                    SearchAttributes.newBuilder()
                        .set(FlightSearchAttributes.AIRBORNE, false)
                        .build())
                .build());
    firstRun = WorkflowClient.start(workflow::run, request);
    return workflow;
  }

  private WorkflowExecution firstRun;

  private void waitForCursor(FlightHistoryWorkflow workflow, long id) {
    for (int i = 0; i < 2_000 && workflow.view().cursor() < id; i++) {
      env.sleep(Duration.ofSeconds(1));
    }
    assertThat(workflow.view().cursor()).isEqualTo(id);
  }

  @Test
  void classifiesEveryRecordOnceAcrossContinueAsNew() throws IOException {
    List<TelemetryPoint> points = telemetry();
    store.append(points);
    FlightHistoryWorkflow workflow =
        startHistory(
            new FlightHistoryRequest(DEVICE, null, 40, Duration.ofSeconds(5), 4, null, null));

    waitForCursor(workflow, points.getLast().id());

    // every record pulled once, in order: no gap, no duplicate, over many continue-as-new runs
    assertThat(store.pulledIds())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, points.size()).boxed().toList());
    FlightHistory expected = Telemetry.classify(points);
    assertThat(expected.flights()).hasSize(2);
    assertThat(store.flights()).isEqualTo(expected.flights());
    assertThat(store.incidents())
        .isEqualTo(
            expected.incidents().stream()
                .sorted(Comparator.comparing(Incident::start).thenComparing(Incident::kind))
                .toList());
    assertThat(store.incidents())
        .extracting(Incident::kind)
        .containsExactly(
            IncidentKind.LINK_DROP,
            IncidentKind.GPS_LOSS,
            IncidentKind.FAILSAFE,
            IncidentKind.OVERHEAT);
    assertThat(store.buckets()).isEqualTo(expected.buckets());
    FlightHistoryView view = workflow.view();
    assertThat(view.points()).isEqualTo(points.size());
    assertThat(view.flights()).isEqualTo(2);
    assertThat(view.openFlight()).isNull();
    recordHistory("first-run", firstRun);
  }

  @Test
  void telemetryArrivingLaterIsPickedUpAfterTheCursor() throws IOException {
    List<TelemetryPoint> points = telemetry();
    int half = points.size() / 2;
    store.append(points.subList(0, half));
    FlightHistoryWorkflow workflow = startHistory(FlightHistoryRequest.of(DEVICE));
    waitForCursor(workflow, points.get(half - 1).id());
    assertThat(workflow.view().openFlight()).as("in the air at the half").isNotNull();

    store.append(points.subList(half, points.size()));
    waitForCursor(workflow, points.getLast().id());

    assertThat(store.pulledIds()).doesNotHaveDuplicates().hasSize(points.size());
    assertThat(store.flights()).isEqualTo(Telemetry.classify(points).flights());
    recordHistory("late-telemetry", null);
  }

  @Test
  void aPullThatFailsIsRetriedWithoutGapOrDuplicate() {
    List<TelemetryPoint> points = telemetry();
    store.append(points);
    store.failNextPulls(3);
    FlightHistoryWorkflow workflow =
        startHistory(
            new FlightHistoryRequest(DEVICE, null, 100, Duration.ofSeconds(5), 200, null, null));
    waitForCursor(workflow, points.getLast().id());
    assertThat(store.pulledIds())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, points.size()).boxed().toList());
    assertThat(store.flights()).isEqualTo(Telemetry.classify(points).flights());
  }

  @Test
  void closedFlightsAreArchivedPastTheMarginAndPrunedAfterKeepHot() throws IOException {
    List<TelemetryPoint> points = telemetry();
    store.append(points);
    FlightHistoryRequest.Retention settings =
        new FlightHistoryRequest.Retention(Duration.ofSeconds(30), Duration.ofHours(1));
    FlightHistoryWorkflow workflow =
        startHistory(
            new FlightHistoryRequest(
                DEVICE, null, 500, Duration.ofSeconds(5), 200, null, settings));
    waitForCursor(workflow, points.getLast().id());
    // flight 1 lands at ~240 s and the log goes on to ~1011 s: archived as the pull passes it
    assertThat(retention.archived()).extracting(a -> a.flightNumber()).containsExactly(1);
    assertThat(retention.archived().getFirst().margin()).isEqualTo(Duration.ofSeconds(30));
    // flight 2 lands near the end of the log: archived once the device was silent for the margin
    env.sleep(Duration.ofMinutes(1));
    assertThat(retention.archived()).extracting(a -> a.flightNumber()).containsExactly(1, 2);
    assertThat(retention.pruned()).isEmpty();
    recordHistory("retention-archive", firstRun);
    env.sleep(Duration.ofMinutes(61));
    assertThat(retention.pruned()).isNotEmpty();
    assertThat(retention.pruned())
        .allSatisfy(
            p -> {
              assertThat(p.deviceId()).isEqualTo(DEVICE);
              assertThat(p.keepHot()).isEqualTo(Duration.ofHours(1));
            });
    assertThat(retention.archived()).as("each flight archived once").hasSize(2);
    assertThat(store.pulledIds()).doesNotHaveDuplicates().hasSize(points.size());
    recordHistory("retention-prune", null);
  }

  @Test
  void telemetryStoppingInFlightOpensALinkDropClosedWhenItComesBack() throws IOException {
    List<TelemetryPoint> points = telemetry();
    // the log's own silence in flight: nothing between 59.5 s and 71 s
    int split = 0;
    while (points.get(split).time().isBefore(Telemetry.T0.plusSeconds(60))) {
      split++;
    }
    store.append(points.subList(0, split));
    FlightHistoryWorkflow workflow = startHistory(FlightHistoryRequest.of(DEVICE));
    waitForCursor(workflow, points.get(split - 1).id());
    assertThat(store.incidents()).isEmpty();
    env.sleep(Duration.ofSeconds(30));
    List<Incident> open = store.incidents();
    assertThat(open).hasSize(1);
    assertThat(open.getFirst().kind()).isEqualTo(IncidentKind.LINK_DROP);
    assertThat(open.getFirst().end()).as("still silent").isNull();
    assertThat(open.getFirst().start()).isEqualTo(points.get(split - 1).time());
    assertThat(open.getFirst().flightNumber()).isEqualTo(1);

    store.append(points.subList(split, points.size()));
    waitForCursor(workflow, points.getLast().id());
    List<Incident> drops =
        store.incidents().stream().filter(i -> i.kind() == IncidentKind.LINK_DROP).toList();
    assertThat(drops).hasSize(1);
    assertThat(drops.getFirst().start()).isEqualTo(points.get(split - 1).time());
    assertThat(drops.getFirst().end()).isEqualTo(points.get(split).time());
    assertThat(store.incidents())
        .isEqualTo(
            Telemetry.classify(points).incidents().stream()
                .sorted(Comparator.comparing(Incident::start).thenComparing(Incident::kind))
                .toList());
    recordHistory("silence", null);
  }

  /** Writes a history for FlightHistoryWorkflowReplayTest when opsflow.recordHistories is set. */
  private void recordHistory(String scenario, WorkflowExecution run) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path file =
        Path.of(dir).resolve("flight-history-" + RECORDED_VERSION + "-" + scenario + ".json");
    Files.createDirectories(file.getParent());
    String id = FlightHistoryWorkflow.workflowId(DEVICE);
    Files.writeString(
        file,
        (run == null ? client.fetchHistory(id) : client.fetchHistory(id, run.getRunId()))
            .toJson(true));
  }
}
