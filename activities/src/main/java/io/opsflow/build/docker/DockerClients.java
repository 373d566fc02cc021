package io.opsflow.build.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/** Docker engine clients over docker-java's httpclient5 transport. */
public final class DockerClients {

  /** The engine's socket when neither the configuration nor {@code DOCKER_HOST} names one. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private DockerClients() {}

  /** The configured host if set, else {@code DOCKER_HOST}, else {@link #DEFAULT_HOST}. */
  public static String resolveHost(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    String env = System.getenv("DOCKER_HOST");
    return env != null && !env.isBlank() ? env : DEFAULT_HOST;
  }

  /**
   * A client of the engine at {@code host}. No response timeout: a followed log stream stays silent
   * as long as the job prints nothing.
   */
  public static DockerClient connect(String host) {
    return connect(host, null);
  }

  /** Whether the engine at {@code host} answers a ping within {@code timeout}. */
  public static boolean answers(String host, Duration timeout) {
    try (DockerClient client = connect(host, timeout)) {
      client.pingCmd().exec();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static DockerClient connect(String host, Duration responseTimeout) {
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
    ApacheDockerHttpClient.Builder http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .maxConnections(100)
            .connectionTimeout(CONNECT_TIMEOUT);
    if (responseTimeout != null) {
      http.responseTimeout(responseTimeout);
    }
    return DockerClientImpl.getInstance(config, http.build());
  }
}
