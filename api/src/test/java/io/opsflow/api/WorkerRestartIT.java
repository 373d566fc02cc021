package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.agent.AgentActivitiesImpl;
import io.opsflow.session.PaymentGatewayActivitiesImpl;
import io.opsflow.session.SessionActivitiesImpl;
import io.opsflow.session.SessionWorkflowImpl;
import io.opsflow.session.StationDeviceActivitiesImpl;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Workers are cattle: shutting the worker factory down in the middle of a session and starting a
 * new one against the same Temporal server loses nothing, and the plug is turned off once.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=restart-it",
      "opsflow.sessions.warning-lead=20s",
      "opsflow.sessions.power-poll-interval=10s"
    })
@DirtiesContext
class WorkerRestartIT {

  static final ShellyPlugSimulator plug = Started.at(() -> ShellyPlugSimulator.start());

  @AfterAll
  static void stopPlug() {
    plug.close();
  }

  @LocalServerPort int port;
  @Autowired WorkerFactory workers;
  @Autowired WorkflowClient client;
  @Autowired TaskQueueProperties queues;
  @Autowired SessionActivitiesImpl sessionActivities;
  @Autowired StationDeviceActivitiesImpl deviceActivities;
  @Autowired PaymentGatewayActivitiesImpl gatewayActivities;
  @Autowired AgentActivitiesImpl agentActivities;

  @Test
  void restartingWorkersMidSessionLosesNothingAndTurnsThePlugOffOnce() throws Exception {
    ApiClient api = new ApiClient(port);
    long user = api.ok(api.post("/api/v1/users", "{\"name\":\"fay\"}"), 201).path("id").asLong();
    long station =
        api.ok(
                api.post(
                    "/api/v1/stations",
                    "{\"name\":\"xbox-restart\",\"type\":\"CONSOLE\",\"plug_url\":\""
                        + plug.baseUrl()
                        + "\"}"),
                201)
            .path("station")
            .path("id")
            .asLong();
    long session =
        api.ok(
                api.post(
                    "/api/v1/sessions/start",
                    "{\"station_id\":" + station + ",\"duration\":1,\"user_id\":" + user + "}"),
                201)
            .path("id")
            .asLong();
    assertThat(plug.isOn()).isTrue();

    // Every worker of this process goes away mid-session; the timer lives in the server.
    workers.shutdown();
    workers.awaitTermination(30, TimeUnit.SECONDS);
    assertThat(workers.isTerminated()).isTrue();
    // Down for a while: the power sample timer fires meanwhile and waits for a worker.
    Thread.sleep(15_000);
    assertThat(api.get("/api/v1/sessions/" + session).body().path("status").asText())
        .isEqualTo("ACTIVE");

    WorkerFactory fresh = WorkerFactory.newInstance(client);
    try {
      fresh
          .newWorker(queues.orchestration())
          .registerWorkflowImplementationTypes(SessionWorkflowImpl.class);
      fresh.getWorker(queues.orchestration()).registerActivitiesImplementations(sessionActivities);
      fresh
          .newWorker(queues.devices())
          .registerActivitiesImplementations(deviceActivities, gatewayActivities);
      fresh.newWorker(queues.agentsQueue()).registerActivitiesImplementations(agentActivities);
      fresh.start();

      JsonNode row;
      try {
        row =
            api.await(
                "/api/v1/sessions/" + session,
                r -> r.path("status").asText().equals("EXPIRED"),
                Duration.ofSeconds(90));
      } catch (AssertionError e) {
        throw new AssertionError(
            e.getMessage() + "\n" + client.fetchHistory("session-" + session).toJson(true), e);
      }
      assertThat(row.path("actual_end_at").isNull()).isFalse();
      await().atMost(Duration.ofSeconds(20)).until(() -> !plug.isOn());
      List<String> types =
          await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () -> eventTypes(api.get("/api/v1/sessions/" + session + "/events").body()),
                  t -> t.contains("station_enforced"));
      assertThat(plug.httpOffCount()).isEqualTo(1);
      assertThat(plug.httpOnCount()).isEqualTo(1);
      assertThat(types)
          .containsSubsequence(
              "payment_completed", "session_started", "session_expired", "station_enforced");
      assertThat(types.stream().filter("session_expired"::equals)).hasSize(1);
      assertThat(types.stream().filter("station_enforced"::equals)).hasSize(1);
    } finally {
      fresh.shutdown();
      fresh.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static List<String> eventTypes(JsonNode events) {
    return StreamSupport.stream(events.spliterator(), false)
        .map(e -> e.path("type").asText())
        .toList();
  }
}
