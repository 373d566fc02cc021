package io.opsflow.workers.agent;

import com.github.dockerjava.api.DockerClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.workload.ContainerSettings;
import io.opsflow.workload.DockerEngineConfiguration;
import io.temporal.client.WorkflowClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Agent mode: with {@code opsflow.agent.node-id} set, the process runs a {@link NodeAgent} on the
 * Temporal starter's {@link WorkflowClient} and the node's Docker engine. Works beside the other
 * worker pools (everything on one machine) or alone ({@link AgentApplication}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "opsflow.agent", name = "node-id")
@EnableConfigurationProperties(AgentProperties.class)
@Import(DockerEngineConfiguration.class)
public class AgentConfiguration {

  /** Bean name of the agent. */
  public static final String NODE_AGENT_BEAN = "nodeAgent";

  /** The environment variable holding the shared agent secret. */
  public static final String AGENT_SECRET = "AGENT_SECRET";

  @Bean(name = NODE_AGENT_BEAN, destroyMethod = "close")
  public NodeAgent nodeAgent(
      AgentProperties properties,
      WorkflowClient workflowClient,
      @Qualifier(DockerEngineConfiguration.DOCKER_CLIENT_BEAN) DockerClient docker,
      Environment environment,
      ObjectProvider<MeterRegistry> meters) {
    if (properties.nodeId().isBlank()) {
      throw new IllegalStateException(
          "Agent mode needs a node id: set opsflow.agent.node-id (or OPSFLOW_NODE_ID)");
    }
    String secret =
        properties.secret().isBlank()
            ? environment.getProperty(AGENT_SECRET, "")
            : properties.secret();
    NodeAgent.Builder builder =
        NodeAgent.Options.builder(properties.nodeId(), properties.apiUrl(), workflowClient);
    if (!properties.clientId().isBlank()) {
      builder.clientCredentials(
          properties.effectiveTokenUrl(), properties.clientId(), properties.clientSecret());
    }
    NodeAgent.Options options =
        builder
            .agentSecret(secret)
            .heartbeatInterval(properties.heartbeatInterval())
            .offered(properties.offeredCpu(), properties.offeredMemoryMb())
            .reserved(properties.reservedCpu(), properties.reservedMemoryMb())
            .dockerHost(properties.dockerHost())
            .address(properties.ipAddress(), properties.hostname())
            .nodeQueuePrefix(properties.nodeQueuePrefix())
            .containers(
                new ContainerSettings(
                    properties.nodeId(),
                    properties.networkMode(),
                    properties.stopGrace(),
                    properties.logLines(),
                    properties.inspectInterval()))
            .engine(properties.engineResponseTimeout(), properties.engineBreakerWait())
            .meters(meters.getIfAvailable())
            .build();
    return NodeAgent.start(options, docker);
  }
}
