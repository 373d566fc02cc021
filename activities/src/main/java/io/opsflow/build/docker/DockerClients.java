package io.opsflow.build.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/** Docker engine clients over docker-java's httpclient5 transport. */
public final class DockerClients {

  /** The engine's socket when neither the configuration nor {@code DOCKER_HOST} names one. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  // The newest API version docker-java 3.7 models; newer engines still speak it.
  private static final RemoteApiVersion CLIENT_MAX = RemoteApiVersion.VERSION_1_44;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

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
   * A client of the engine at {@code host}, speaking the newest API version both sides know (like
   * the docker CLI's negotiation; {@code DOCKER_API_VERSION} pins one). No response timeout: a
   * followed log stream stays silent as long as the job prints nothing.
   *
   * @throws IllegalStateException when the engine does not answer
   */
  public static DockerClient connect(String host) {
    return client(host, apiVersion(host), null);
  }

  /** Whether the engine at {@code host} answers a ping within {@code timeout}. */
  public static boolean answers(String host, Duration timeout) {
    try (DockerClient client = client(host, RemoteApiVersion.UNKNOWN_VERSION, timeout)) {
      client.pingCmd().exec();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static RemoteApiVersion apiVersion(String host) {
    String pinned = System.getenv("DOCKER_API_VERSION");
    if (pinned != null && !pinned.isBlank()) {
      return RemoteApiVersion.parseConfig(pinned);
    }
    // Unversioned requests are answered in the engine's own (newest) version.
    try (DockerClient probe = client(host, RemoteApiVersion.UNKNOWN_VERSION, PROBE_TIMEOUT)) {
      RemoteApiVersion engine =
          RemoteApiVersion.parseConfig(probe.versionCmd().exec().getApiVersion());
      return engine.isGreater(CLIENT_MAX) ? CLIENT_MAX : engine;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("the Docker engine at " + host + " does not answer: " + e, e);
    }
  }

  private static DockerClient client(
      String host, RemoteApiVersion version, Duration responseTimeout) {
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(host)
            .withApiVersion(version)
            .build();
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
