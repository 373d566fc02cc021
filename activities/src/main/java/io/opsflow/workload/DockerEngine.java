package io.opsflow.workload;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/** Connects docker-java to one Docker engine: the node's local one unless told otherwise. */
public final class DockerEngine {

  /** The engine's usual socket, used when neither a host nor {@code DOCKER_HOST} is given. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  // Longer than any single call we make (stop waits up to its grace period); an idle events
  // stream that hits it is simply re-subscribed by follow.
  private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  // The newest API version docker-java 3.7 knows.
  private static final RemoteApiVersion CLIENT_API = RemoteApiVersion.VERSION_1_44;

  private DockerEngine() {}

  /** The configured host, else {@code DOCKER_HOST}, else {@value #DEFAULT_HOST}. */
  public static String resolveHost(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured.trim();
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? DEFAULT_HOST : env.trim();
  }

  /**
   * A client for the engine at {@code host} ({@code unix:///path} or {@code tcp://host:port}); null
   * or blank: {@link #resolveHost}. It speaks the newest API version both sides know, like the
   * docker CLI's negotiation: docker-java 3.7 defaults to 1.44, which older engines refuse. When
   * the engine cannot be asked (not up yet), unversioned paths are used: the engine's own version.
   * Close it when done.
   */
  public static DockerClient connect(String host) {
    String resolved = resolveHost(host);
    return client(resolved, negotiate(resolved));
  }

  private static RemoteApiVersion negotiate(String host) {
    try (DockerClient probe = client(host, RemoteApiVersion.UNKNOWN_VERSION)) {
      RemoteApiVersion engine =
          RemoteApiVersion.parseConfig(probe.versionCmd().exec().getApiVersion());
      return engine.isGreater(CLIENT_API) ? CLIENT_API : engine;
    } catch (IOException | RuntimeException unreachable) {
      return RemoteApiVersion.UNKNOWN_VERSION;
    }
  }

  private static DockerClient client(String host, RemoteApiVersion version) {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(host)
            .withApiVersion(version)
            .build();
    ApacheDockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(CONNECT_TIMEOUT)
            .responseTimeout(RESPONSE_TIMEOUT)
            .build();
    return DockerClientImpl.getInstance(config, http);
  }
}
