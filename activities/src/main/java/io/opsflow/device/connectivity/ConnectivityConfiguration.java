package io.opsflow.device.connectivity;

import io.opsflow.TaskQueueProperties;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** Connectivity monitors; the supervisor starts with the application when enabled. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConnectivityProperties.class)
public class ConnectivityConfiguration {

  private static final Logger log = LoggerFactory.getLogger(ConnectivityConfiguration.class);

  @Bean
  ConnectivityMonitors connectivityMonitors(
      WorkflowClient client,
      JdbcTemplate jdbc,
      ConnectivityProperties properties,
      TaskQueueProperties queues) {
    return new ConnectivityMonitors(client, jdbc, properties, queues);
  }

  @Bean
  ApplicationListener<ApplicationReadyEvent> connectivitySupervisorStart(
      WorkflowClient client, ConnectivityProperties properties, TaskQueueProperties queues) {
    return ready -> {
      ConnectivityProperties.Supervisor s = properties.supervisor();
      if (!s.enabled()) {
        return;
      }
      ConnectivitySupervisorWorkflow supervisor =
          client.newWorkflowStub(
              ConnectivitySupervisorWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(queues.orchestration())
                  .setWorkflowId(ConnectivitySupervisorWorkflow.WORKFLOW_ID)
                  // every process may try: the one running stays
                  .setWorkflowIdConflictPolicy(
                      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                  .build());
      WorkflowClient.start(
          supervisor::run,
          new ConnectivitySupervisorWorkflow.SupervisorRequest(
              s.interval(), s.roundsPerRun(), queues.health()));
      log.info("connectivity supervisor running (every {})", s.interval());
    };
  }
}
