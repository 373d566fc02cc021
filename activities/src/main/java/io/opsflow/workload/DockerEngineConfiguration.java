package io.opsflow.workload;

import com.github.dockerjava.api.DockerClient;
import io.opsflow.docker.DockerConnections;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The node's Docker engine, for a process running as a node agent ({@code opsflow.agent.node-id}
 * set): {@code opsflow.agent.docker-host}, else {@code DOCKER_HOST}, else the local socket. Other
 * processes never touch Docker.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "opsflow.agent", name = "node-id")
public class DockerEngineConfiguration {

  /** Bean name of the agent's {@link DockerClient}. */
  public static final String DOCKER_CLIENT_BEAN = "agentDockerClient";

  @Bean(name = DOCKER_CLIENT_BEAN, destroyMethod = "close")
  public DockerClient agentDockerClient(@Value("${opsflow.agent.docker-host:}") String dockerHost) {
    return DockerConnections.connect(dockerHost, ContainerActivitiesImpl.ENGINE_RESPONSE_TIMEOUT);
  }
}
