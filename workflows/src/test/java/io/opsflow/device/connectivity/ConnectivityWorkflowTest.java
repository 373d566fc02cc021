package io.opsflow.device.connectivity;

import static io.opsflow.device.connectivity.ConnectivityStatus.DEGRADED;
import static io.opsflow.device.connectivity.ConnectivityStatus.OFFLINE;
import static io.opsflow.device.connectivity.ConnectivityStatus.ONLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Connectivity monitors against scripted probes on the time-skipping test server. */
class ConnectivityWorkflowTest {

  private static final String ORCHESTRATION = "orchestration";
  private static final String DEVICES = "devices";
  private static final Duration INTERVAL = Duration.ofSeconds(30);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeConnectivity fake;
  private final Map<String, String> firstRuns = new HashMap<>();

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    env.registerSearchAttribute(
        ConnectivitySearchAttributes.STATUS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    fake = new FakeConnectivity(env::currentTimeMillis);
    Worker orchestration = env.newWorker(ORCHESTRATION);
    orchestration.registerWorkflowImplementationTypes(
        ConnectivityWorkflowImpl.class, ConnectivitySupervisorWorkflowImpl.class);
    env.newWorker(DEVICES).registerActivitiesImplementations(fake);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  static ConnectivitySettings settings(int probesPerRun) {
    return new ConnectivitySettings(
        INTERVAL, Duration.ofSeconds(2), 5, 3, 250.0, probesPerRun, DEVICES);
  }

  private ConnectivityWorkflow monitor(long endpoint) {
    return client.newWorkflowStub(
        ConnectivityWorkflow.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(ORCHESTRATION)
            .setWorkflowId(ConnectivityRequest.workflowId(endpoint))
            .build());
  }

  private ConnectivityWorkflow running(long endpoint) {
    return client.newWorkflowStub(
        ConnectivityWorkflow.class, ConnectivityRequest.workflowId(endpoint));
  }

  private void started(WorkflowExecution execution) {
    firstRuns.put(execution.getWorkflowId(), execution.getRunId());
  }

  private void awaitUpdates(int n) {
    for (int i = 0; i < 400 && fake.updates.size() < n; i++) {
      env.sleep(Duration.ofSeconds(5));
    }
    assertThat(fake.updates).hasSizeGreaterThanOrEqualTo(n);
  }

  @Test
  void flappingEndpointShowsEveryTransitionAndOfflineAfterThreeFailures() throws IOException {
    fake.script("110001111101");
    started(
        WorkflowClient.start(monitor(1)::run, new ConnectivityRequest(1, settings(1000), null)));

    awaitUpdates(12);

    assertThat(fake.statuses().subList(0, 12))
        .containsExactly(
            ONLINE, ONLINE, DEGRADED, DEGRADED, OFFLINE, DEGRADED, DEGRADED, DEGRADED, DEGRADED,
            ONLINE, DEGRADED, DEGRADED);
    assertThat(fake.transitions().subList(0, 6))
        .containsExactly(
            "unknown->online",
            "online->degraded",
            "degraded->offline",
            "offline->degraded",
            "degraded->online",
            "online->degraded");
    ConnectivityActivities.ConnectivityUpdate offline = fake.updates.get(4);
    assertThat(offline.reason()).isEqualTo("3 consecutive probes failed (timeout)");
    assertThat(offline.health().consecutiveFailures()).isEqualTo(3);
    assertThat(offline.health().lastPingSuccess()).isEqualTo(fake.updates.get(1).probe().at());
    assertThat(fake.updates.get(5).reason()).isEqualTo("3 of the last 5 probes failed");
    // On the durable timer: one probe per interval.
    List<Long> times = fake.probeTimes.subList(0, 12);
    for (int i = 1; i < times.size(); i++) {
      assertThat(times.get(i) - times.get(i - 1))
          .isBetween(INTERVAL.toMillis(), INTERVAL.toMillis() + 1000);
    }
    assertThat(running(1).state().health().transitions()).isGreaterThanOrEqualTo(6);
    recordHistory("flapping", 1);
  }

  @Test
  void slowAnswersAreDegraded() {
    fake.script("1s1");
    started(
        WorkflowClient.start(monitor(2)::run, new ConnectivityRequest(2, settings(1000), null)));

    awaitUpdates(3);

    assertThat(fake.statuses().subList(0, 3)).containsExactly(ONLINE, DEGRADED, ONLINE);
    assertThat(fake.updates.get(1).reason()).isEqualTo("rtt 900.0 ms above 250.0 ms");
  }

  @Test
  void releasedEndpointEndsItsMonitor() throws IOException {
    fake.script("11r");
    started(
        WorkflowClient.start(monitor(3)::run, new ConnectivityRequest(3, settings(1000), null)));

    WorkflowStub.fromTyped(running(3)).getResult(Void.class);

    assertThat(fake.updates).hasSize(2);
    assertThat(fake.stops)
        .singleElement()
        .extracting(s -> s.reason())
        .isEqualTo("endpoint released");
    recordHistory("released", 3);
  }

  @Test
  void continuesAsNewAndCarriesTheHealth() throws IOException {
    fake.script("1100000");
    started(WorkflowClient.start(monitor(4)::run, new ConnectivityRequest(4, settings(3), null)));

    awaitUpdates(7);

    assertThat(fake.updates.get(6).health().probeSeq()).isEqualTo(7);
    assertThat(fake.updates.get(6).health().consecutiveFailures()).isEqualTo(5);
    assertThat(fake.statuses().subList(0, 7))
        .containsExactly(ONLINE, ONLINE, DEGRADED, DEGRADED, OFFLINE, OFFLINE, OFFLINE);
    // Only the run's own probes in its history: it continued as new twice.
    var description = client.newUntypedWorkflowStub(ConnectivityRequest.workflowId(4)).describe();
    assertThat(description.getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    assertThat(running(4).state().health().probeSeq()).isGreaterThanOrEqualTo(7);
    recordHistory("continued", 4);
  }

  @Test
  void stopNeedsAReasonAndEndsTheMonitor() throws IOException {
    started(
        WorkflowClient.start(monitor(5)::run, new ConnectivityRequest(5, settings(1000), null)));
    awaitUpdates(1);

    assertThatThrownBy(() -> running(5).stop(new StopMonitoring(" ", "alice")))
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("reason is required");
    ConnectivityView view = running(5).stop(new StopMonitoring("device in maintenance", "alice"));
    WorkflowStub.fromTyped(running(5)).getResult(Void.class);

    assertThat(view.stopping()).isTrue();
    assertThat(fake.stops)
        .singleElement()
        .extracting(s -> s.reason())
        .isEqualTo("stopped by alice: device in maintenance");
    recordHistory("stop", 5);
  }

  @Test
  void supervisorLooksForMissingMonitorsEveryInterval() throws IOException {
    ConnectivitySupervisorWorkflow supervisor =
        client.newWorkflowStub(
            ConnectivitySupervisorWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(ORCHESTRATION)
                .setWorkflowId(ConnectivitySupervisorWorkflow.WORKFLOW_ID)
                .build());
    started(
        WorkflowClient.start(
            supervisor::run,
            new ConnectivitySupervisorWorkflow.SupervisorRequest(
                Duration.ofMinutes(1), 3, DEVICES)));

    env.sleep(Duration.ofMinutes(4).plusSeconds(30));

    // Rounds at 0, 1, 2 min, continue-as-new, then 3, 4 min.
    assertThat(fake.supervisorRounds).hasSize(5);
    recordHistory("supervisor", ConnectivitySupervisorWorkflow.WORKFLOW_ID);
  }

  private void recordHistory(String scenario, long endpoint) throws IOException {
    recordHistory(scenario, ConnectivityRequest.workflowId(endpoint));
  }

  /**
   * Writes the first run's history for {@link ConnectivityWorkflowReplayTest} when the system
   * property {@code opsflow.recordHistories} names a directory.
   */
  private void recordHistory(String scenario, String workflowId) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path file = Path.of(dir).resolve("connectivity-" + scenario + ".json");
    Files.createDirectories(file.getParent());
    // The first run's history (for a monitor that continued as new, the run that did).
    String runId = firstRuns.get(workflowId);
    Files.writeString(file, client.fetchHistory(workflowId, runId).toJson(true));
  }
}
