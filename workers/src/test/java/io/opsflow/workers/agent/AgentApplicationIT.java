package io.opsflow.workers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.workers.codec.PayloadCodecAutoConfiguration;
import io.opsflow.workers.codec.PayloadKeys;
import io.opsflow.workers.embedded.EmbeddedTemporal;
import io.opsflow.workload.ContainerActivities;
import io.opsflow.workload.ContainerActivities.ContainerRef;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.DataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The workers app in agent-only mode, as {@code AgentApplication.main} starts it, against a
 * Temporal server on a loopback port: it registers and heartbeats with the configured secret, its
 * agent polls {@code node-<id>}, and it runs no database and no other worker pool.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class AgentApplicationIT {

  static final String CALLER_QUEUE = "agent-application-it";

  /** The deployment's payload key: an agent joins a cluster and has none of its own. */
  static final String PAYLOAD_KEY = Base64.getEncoder().encodeToString(PayloadKeys.generate());

  /** Removes a container through the node's queue. */
  @WorkflowInterface
  public interface RemoveOnNode {
    @WorkflowMethod
    void remove(String nodeQueue, String workloadId);
  }

  /** Calls the node's remove activity once. */
  public static class RemoveOnNodeImpl implements RemoveOnNode {
    @Override
    public void remove(String nodeQueue, String workloadId) {
      Workflow.newActivityStub(
              ContainerActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue(nodeQueue)
                  .setScheduleToStartTimeout(Duration.ofSeconds(30))
                  .setStartToCloseTimeout(Duration.ofSeconds(30))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build())
          .remove(new ContainerRef(workloadId, 1));
    }
  }

  @Test
  void agentOnlyModeRegistersHeartbeatsAndServesItsNodeQueueOnly() throws Exception {
    String nodeId = "spring-" + UUID.randomUUID().toString().substring(0, 8);
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
        RecordingApi api = RecordingApi.start(0);
        ConfigurableApplicationContext agentApp =
            AgentApplication.builder()
                .run(
                    "--spring.temporal.connection.target=" + temporal.target(),
                    "--opsflow.temporal.codec.key=" + PAYLOAD_KEY,
                    "--opsflow.agent.node-id=" + nodeId,
                    "--opsflow.agent.api-url=" + api.url(),
                    "--opsflow.agent.secret=from-config",
                    "--opsflow.agent.heartbeat-interval=200ms",
                    "--opsflow.agent.offered-cpu=1.5",
                    "--opsflow.agent.offered-memory-mb=3072")) {
      NodeAgent agent = agentApp.getBean(AgentConfiguration.NODE_AGENT_BEAN, NodeAgent.class);
      await(() -> api.heartbeats().size() >= 2);

      assertThat(api.registrations().get(0).authorization()).isEqualTo("Bearer from-config");
      assertThat(api.registrations().get(0).body().get("nodeId").asText()).isEqualTo(nodeId);
      assertThat(api.heartbeats().get(0).body().get("availableCpu").asDouble()).isEqualTo(1.5);
      assertThat(api.heartbeats().get(0).body().get("availableMemory").asLong()).isEqualTo(3072);
      assertThat(agent.nodeQueue()).isEqualTo("node-" + nodeId);
      // Agent only: no database, and no other pool (the starter makes no worker factory at all
      // when no worker is configured; if it made one, it would have to be empty).
      assertThat(agentApp.getBeanNamesForType(DataSource.class)).isEmpty();
      assertThat(agentApp.getBeansOfType(WorkerFactory.class).values())
          .allSatisfy(
              f -> {
                assertThat(f.tryGetWorker("orchestration")).isNull();
                assertThat(f.tryGetWorker("devices")).isNull();
              });

      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      WorkerFactory callerWorkers = null;
      try {
        // The caller encrypts as the rest of the deployment does.
        DataConverter converter =
            agentApp.getBean(
                PayloadCodecAutoConfiguration.DATA_CONVERTER_BEAN, DataConverter.class);
        WorkflowClient client =
            WorkflowClient.newInstance(
                stubs, WorkflowClientOptions.newBuilder().setDataConverter(converter).build());
        callerWorkers = WorkerFactory.newInstance(client);
        callerWorkers
            .newWorker(CALLER_QUEUE)
            .registerWorkflowImplementationTypes(RemoveOnNodeImpl.class);
        callerWorkers.start();
        RemoveOnNode caller =
            client.newWorkflowStub(
                RemoveOnNode.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(CALLER_QUEUE)
                    .setWorkflowExecutionTimeout(Duration.ofMinutes(1))
                    .build());

        // Removing a container that is not there is a no-op: the agent answered on its queue.
        caller.remove(agent.nodeQueue(), UUID.randomUUID().toString());
      } finally {
        if (callerWorkers != null) {
          callerWorkers.shutdownNow();
          callerWorkers.awaitTermination(10, TimeUnit.SECONDS);
        }
        stubs.shutdownNow();
      }
    }
  }

  @Test
  void anAgentWithoutThePayloadKeyRefusesToStartNamingIt() throws Exception {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      assertThatThrownBy(
              () ->
                  AgentApplication.builder()
                      .run(
                          "--spring.temporal.connection.target=" + temporal.target(),
                          "--opsflow.agent.node-id=keyless",
                          "--opsflow.agent.secret=s")
                      .close())
          .rootCause()
          .hasMessageContaining("No payload encryption key")
          .hasMessageContaining("OPSFLOW_PAYLOAD_KEY");
    }
  }

  private static void await(BooleanSupplier condition) {
    Await.until(Duration.ofSeconds(30), condition);
  }
}
