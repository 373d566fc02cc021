package io.opsflow.workers.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.TaskQueueProperties;
import io.opsflow.device.connectivity.ConnectivityActivitiesImpl;
import io.opsflow.device.connectivity.ConnectivityMonitors;
import io.opsflow.device.connectivity.ConnectivityProperties;
import io.opsflow.device.connectivity.ConnectivityRequest;
import io.opsflow.device.connectivity.ConnectivitySearchAttributes;
import io.opsflow.device.connectivity.ConnectivitySupervisorWorkflowImpl;
import io.opsflow.device.connectivity.ConnectivityWorkflowImpl;
import io.opsflow.device.connectivity.MonitorActivitiesImpl;
import io.opsflow.device.telemetry.FirstContactRecorder;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Monitors with real probes (the system ping, TCP connects, all on 127.x) and the real activities
 * on PostgreSQL; timers skip on the Temporal test server, the probes take their real time.
 */
class ConnectivityIT {

  private static FleetDatabase db;
  private TestWorkflowEnvironment env;
  private ConnectivityMonitors monitors;
  private long drone;

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
    drone = db.device(tenant, "drone-1", "drone", "primary");
    env = TestWorkflowEnvironment.newInstance();
    env.registerSearchAttribute(
        ConnectivitySearchAttributes.STATUS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    ConnectivityProperties properties =
        new ConnectivityProperties(
            Duration.ofSeconds(30),
            Duration.ofSeconds(1),
            "icmp",
            22,
            5,
            3,
            Duration.ofMillis(250),
            500,
            8,
            Duration.ofSeconds(30),
            List.of("127.0.0.0/8"),
            new ConnectivityProperties.Supervisor(false, Duration.ofMinutes(1), 60));
    TaskQueueProperties queues =
        new TaskQueueProperties(
            "orchestration", "devices", "health", "pass-executors", "agents-", "it");
    monitors = new ConnectivityMonitors(env.getWorkflowClient(), db.jdbc, properties, queues);
    Worker orchestration = env.newWorker("orchestration");
    orchestration.registerWorkflowImplementationTypes(
        ConnectivityWorkflowImpl.class, ConnectivitySupervisorWorkflowImpl.class);
    env.newWorker("health")
        .registerActivitiesImplementations(
            new ConnectivityActivitiesImpl(
                db.jdbc, properties, List.of(new FirstContactRecorder(db.jdbc))),
            new MonitorActivitiesImpl(monitors));
    env.start();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private Map<String, Object> status(long endpoint) {
    return db.jdbc.queryForMap("select * from connectivity_status where endpoint_id = ?", endpoint);
  }

  private List<String> transitions(long endpoint) {
    return db.jdbc.queryForList(
        "select from_status || '->' || to_status from connectivity_transitions"
            + " where endpoint_id = ? order by id",
        String.class,
        endpoint);
  }

  private void awaitProbes(long endpoint, long probes) {
    for (int i = 0; i < 400; i++) {
      Long seq =
          db.jdbc.queryForObject(
              "select coalesce(max(probe_seq), 0) from connectivity_status where endpoint_id = ?",
              Long.class,
              endpoint);
      if (seq >= probes) {
        return;
      }
      env.sleep(Duration.ofSeconds(5));
    }
    throw new AssertionError("endpoint " + endpoint + " not probed " + probes + " times");
  }

  @Test
  void loopbackAnswersThePingAndTheFirstAnswerIsTheDevicesFirstContact() {
    long endpoint = db.endpoint(drone, "127.0.0.1");

    assertThat(monitors.start(endpoint)).isTrue();
    assertThat(monitors.start(endpoint)).isFalse(); // idempotent: the running one stays
    awaitProbes(endpoint, 2);

    Map<String, Object> row = status(endpoint);
    assertThat(row.get("status")).isEqualTo("online");
    assertThat(row.get("last_ping_success")).isNotNull();
    assertThat((Double) row.get("rtt_ms")).isPositive().isLessThan(250.0);
    assertThat(row.get("consecutive_failures")).isEqualTo(0);
    assertThat(transitions(endpoint)).containsExactly("unknown->online");
    Map<String, Object> contact =
        db.jdbc.queryForMap("select * from device_first_contacts where device_id = ?", drone);
    assertThat(contact.get("via")).isEqualTo("ping");
    assertThat(contact.get("endpoint_id")).isEqualTo(endpoint);
  }

  @Test
  void anEndpointOutsideTheProbeNetworksIsNeverProbedAndGoesOfflineSayingWhy() {
    // A mesh address is data here: the test configuration probes loopback only.
    long endpoint = db.endpoint(drone, "192.168.100.9");

    monitors.start(endpoint);
    awaitProbes(endpoint, 3);

    Map<String, Object> row = status(endpoint);
    assertThat(row.get("status")).isEqualTo("offline");
    assertThat(row.get("last_ping_success")).isNull();
    assertThat((String) row.get("last_error"))
        .startsWith("not probed: outside opsflow.connectivity.probe-networks [127.0.0.0/8]");
  }

  @Test
  void tcpProbeGoesOfflineWhenThePortClosesAndRecoversThroughDegraded() throws Exception {
    long endpoint = db.endpoint(drone, "127.0.0.2");
    ServerSocket service = new ServerSocket();
    service.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
    int port = service.getLocalPort();
    db.jdbc.update(
        "insert into connectivity_status (endpoint_id, probe, tcp_port) values (?, 'tcp', ?)",
        endpoint,
        port);

    monitors.start(endpoint);
    awaitProbes(endpoint, 2);
    assertThat(status(endpoint).get("status")).isEqualTo("online");

    service.close();
    awaitProbes(endpoint, 5);
    Map<String, Object> down = status(endpoint);
    assertThat(down.get("status")).isEqualTo("offline");
    assertThat(down.get("last_error")).isEqualTo("connection refused");
    assertThat(down.get("consecutive_failures")).isEqualTo(3);

    try (ServerSocket back = new ServerSocket()) {
      back.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port));
      awaitProbes(endpoint, 11);
      assertThat(status(endpoint).get("status")).isEqualTo("online");
      assertThat(status(endpoint).get("recent_probes")).isEqualTo("11111");
    }
    assertThat(transitions(endpoint))
        .containsExactly(
            "unknown->online",
            "online->degraded",
            "degraded->offline",
            "offline->degraded",
            "degraded->online");
    String reason =
        db.jdbc.queryForObject(
            "select reason from connectivity_transitions where to_status = 'offline'",
            String.class);
    assertThat(reason).isEqualTo("3 consecutive probes failed (connection refused)");
  }

  @Test
  void releasingTheEndpointEndsItsMonitorAndTheSupervisorStartsOnlyMissingOnes() {
    long first = db.endpoint(drone, "127.0.0.1");
    long second = db.endpoint(drone, "127.0.0.3", "fts");

    assertThat(monitors.startMissing()).containsExactly(first, second);
    assertThat(monitors.startMissing()).isEmpty();
    awaitProbes(first, 1);

    db.release(first);
    WorkflowStub.fromTyped(
            env.getWorkflowClient()
                .newWorkflowStub(
                    io.opsflow.device.connectivity.ConnectivityWorkflow.class,
                    ConnectivityRequest.workflowId(first)))
        .getResult(Void.class);

    Map<String, Object> row = status(first);
    assertThat(row.get("monitoring")).isEqualTo(false);
    assertThat(row.get("stop_reason")).isEqualTo("endpoint released");
    assertThatThrownBy(() -> monitors.start(first))
        .isInstanceOf(ConnectivityMonitors.EndpointNotLive.class)
        .hasMessage("endpoint " + first + " is not a live VPN endpoint");
    // The other one is still watched, and the supervisor does not restart the released one.
    assertThat(monitors.startMissing()).isEmpty();
    assertThat(status(second).get("monitoring")).isEqualTo(true);
  }
}
