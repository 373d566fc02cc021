package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A time-skipping test server with the orchestration worker (both workflows, the fake database) and
 * one agent per node: a worker of its own on {@code node-<id>} over that node's {@link FakeEngine},
 * which a test can kill and start again like the agent process.
 *
 * <p>Time skipping stops while any activity is scheduled or runs (a follower waiting on a
 * long-running container, a task waiting on a dead agent's queue), so tests skip through periods in
 * which no activity is in flight and otherwise use short real-time settings.
 */
final class WorkloadHarness implements AutoCloseable {

  static final String ORCHESTRATION = "orchestration-test";

  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final FakeDatabase db;
  private final Map<String, FakeEngine> engines = new HashMap<>();
  private final Map<String, FakeEngine.Behaviour> images = new HashMap<>();
  private final Map<String, WorkerFactory> agents = new HashMap<>();

  WorkloadHarness() {
    env = TestWorkflowEnvironment.newInstance(); // time skipping is on by default
    env.registerSearchAttribute(
        WorkloadSearchAttributes.STATUS.getName(), WorkloadSearchAttributes.STATUS.getValueType());
    env.registerSearchAttribute(
        WorkloadSearchAttributes.NODE_ID.getName(),
        WorkloadSearchAttributes.NODE_ID.getValueType());
    db = new FakeDatabase(env::currentTimeMillis);
    Worker orchestration = env.newWorker(ORCHESTRATION);
    orchestration.registerWorkflowImplementationTypes(
        WorkloadWorkflowImpl.class, NodeWorkflowImpl.class);
    orchestration.registerActivitiesImplementations(db);
    env.start();
    client = env.getWorkflowClient();
  }

  /**
   * Test settings: the defaults, except short agent pickup, follower heartbeat and action timeouts.
   * They run in real time: the test server does not skip time while an activity is scheduled or
   * running, also one waiting on the queue of an agent that is not there.
   */
  static WorkloadSettings settings() {
    WorkloadSettings d = WorkloadSettings.defaults();
    return new WorkloadSettings(
        d.placement(),
        d.pendingDeadline(),
        d.pendingRecheck(),
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        d.restartInitialBackoff(),
        d.restartMaxBackoff(),
        d.actionAttempts(),
        d.nodeQueuePrefix(),
        Duration.ofSeconds(3));
  }

  /** An image present on every node, with what its containers do. */
  void image(String name, FakeEngine.Behaviour behaviour) {
    images.put(name, behaviour);
    engines.values().forEach(e -> e.image(name, behaviour));
  }

  FakeEngine engine(String nodeId) {
    return engines.computeIfAbsent(
        nodeId,
        id -> {
          FakeEngine engine = new FakeEngine(id, env::currentTimeMillis);
          images.forEach(engine::image);
          return engine;
        });
  }

  /** Starts the node's agent: a worker polling {@code node-<id>} over its engine. */
  void startAgent(String nodeId) {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    Worker worker =
        factory.newWorker(
            settings().nodeQueue(nodeId),
            WorkerOptions.newBuilder()
                // Cancellation reaches a follower with its next heartbeat: keep that prompt.
                .setMaxHeartbeatThrottleInterval(Duration.ofMillis(200))
                .setDefaultHeartbeatThrottleInterval(Duration.ofMillis(200))
                .build());
    worker.registerActivitiesImplementations(engine(nodeId));
    factory.start();
    agents.put(nodeId, factory);
  }

  /** The agent process dies: its worker stops at once, activities in flight never answer. */
  void killAgent(String nodeId) {
    agents.remove(nodeId).shutdownNow();
  }

  // ---- workloads -------------------------------------------------------------------------------

  static WorkloadSpec spec(String image, double cpu, long memoryMb, RestartPolicy restart) {
    return new WorkloadSpec(
        "celery-worker",
        "docker-container",
        image,
        List.of("celery", "worker"),
        Map.of("QUEUE", "default"),
        cpu,
        memoryMb,
        restart);
  }

  static WorkloadRequest request(String workloadId, WorkloadSpec spec) {
    return new WorkloadRequest(workloadId, spec, 1, settings());
  }

  /** Schedules as the API does: update-with-start, answered with the placement. */
  Placement schedule(WorkloadRequest request) {
    return schedule(request, null);
  }

  Placement schedule(WorkloadRequest request, SearchAttributes attributes) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(WorkloadRequest.workflowId(request.workloadId()))
            .setTaskQueue(ORCHESTRATION)
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL);
    if (attributes != null) {
      options.setTypedSearchAttributes(attributes);
    }
    WorkloadWorkflow stub = client.newWorkflowStub(WorkloadWorkflow.class, options.build());
    return WorkflowClient.executeUpdateWithStart(
        stub::placement,
        UpdateOptions.<Placement>newBuilder()
            .setWaitForStage(io.temporal.client.WorkflowUpdateStage.COMPLETED)
            .build(),
        new WithStartWorkflowOperation<>(stub::run, request));
  }

  WorkloadWorkflow workload(String workloadId) {
    return client.newWorkflowStub(WorkloadWorkflow.class, WorkloadRequest.workflowId(workloadId));
  }

  WorkloadView result(String workloadId) {
    return client
        .newUntypedWorkflowStub(WorkloadRequest.workflowId(workloadId))
        .getResult(WorkloadView.class);
  }

  WorkflowStub untyped(String workflowId) {
    return client.newUntypedWorkflowStub(workflowId);
  }

  /**
   * Waits, in steps of test-server time, until the workload's state matches; the steps are skipped
   * unless an activity is in flight, then they take real time.
   */
  WorkloadView awaitWorkload(String workloadId, Predicate<WorkloadView> condition) {
    return awaitWorkload(workloadId, condition, Duration.ofMillis(200));
  }

  WorkloadView awaitWorkload(String workloadId, Predicate<WorkloadView> condition, Duration step) {
    for (int i = 0; i < 600; i++) {
      WorkloadView view = workload(workloadId).state();
      if (condition.test(view)) {
        return view;
      }
      env.sleep(step);
    }
    throw new AssertionError(
        "workload " + workloadId + " never got there: " + workload(workloadId).state());
  }

  /**
   * Waits until the workload reached a final status: its run stays open after one (terminal
   * retention), so its result would come only once the retention expired.
   */
  WorkloadView ended(String workloadId) {
    WorkloadView view = awaitWorkload(workloadId, v -> v.status().isFinal(), Duration.ofSeconds(2));
    // The query sees the status as soon as the workflow sets it, before the activity that stores
    // it has run: wait for the row too, so assertions on the stored history see it.
    for (int i = 0; i < 600 && !storedLast(workloadId, view.status()); i++) {
      env.sleep(Duration.ofMillis(200));
    }
    return view;
  }

  private boolean storedLast(String workloadId, WorkloadStatus status) {
    List<WorkloadStatus> stored = db.statuses(workloadId);
    return !stored.isEmpty() && stored.get(stored.size() - 1) == status;
  }

  // ---- nodes -----------------------------------------------------------------------------------

  static NodeRegistration registration(String nodeId, Duration inactiveAfter, int perRun) {
    return new NodeRegistration(nodeId, "127.0.0.1", "host-" + nodeId, inactiveAfter, perRun);
  }

  /** Registers the node: starts {@code node-<id>}. */
  void register(NodeRegistration registration) {
    NodeWorkflow stub =
        client.newWorkflowStub(
            NodeWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(NodeRegistration.workflowId(registration.nodeId()))
                .setTaskQueue(ORCHESTRATION)
                .build());
    WorkflowClient.start(stub::run, registration);
  }

  void heartbeat(String nodeId, String status, double cpu, long memoryMb) {
    node(nodeId).heartbeat(new Heartbeat(nodeId, status, cpu, memoryMb, now()));
  }

  /** Heartbeats and waits until the node workflow stored it (capacity is then placeable). */
  void heartbeatStored(String nodeId, String status, double cpu, long memoryMb) {
    int before = db.nodeCalls(nodeId).size();
    heartbeat(nodeId, status, cpu, memoryMb);
    for (int i = 0; i < 100 && db.nodeCalls(nodeId).size() <= before; i++) {
      env.sleep(Duration.ofMillis(100));
    }
    assertThat(db.nodeCalls(nodeId)).hasSizeGreaterThan(before);
  }

  NodeWorkflow node(String nodeId) {
    return client.newWorkflowStub(NodeWorkflow.class, NodeRegistration.workflowId(nodeId));
  }

  Instant now() {
    return Instant.ofEpochMilli(env.currentTimeMillis());
  }

  /**
   * Writes the run's history for the replay tests when the system property {@code
   * opsflow.recordHistories} names a directory.
   */
  void recordHistory(String file, String workflowId, String runId) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path path = Path.of(dir).resolve(file + ".json");
    Files.createDirectories(path.getParent());
    Files.writeString(
        path,
        (runId == null ? client.fetchHistory(workflowId) : client.fetchHistory(workflowId, runId))
            .toJson(true));
    assertThat(path).exists();
  }

  @Override
  public void close() {
    engines.values().forEach(FakeEngine::close);
    agents.values().forEach(WorkerFactory::shutdownNow);
    env.close();
  }
}
