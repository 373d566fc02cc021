package io.opsflow.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/**
 * docker-java clients of one Docker engine over the httpclient5 transport, shared by the CI Docker
 * runner and the workload agent.
 */
public final class DockerConnections {

  /** The engine's usual socket, used when neither a host nor {@code DOCKER_HOST} is given. */
  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

  // The newest API version docker-java 3.7 models; newer engines still speak it.
  private static final RemoteApiVersion CLIENT_MAX = RemoteApiVersion.VERSION_1_44;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private DockerConnections() {}

  /** The configured host, else {@code DOCKER_HOST}, else {@value #DEFAULT_HOST}. */
  public static String resolveHost(String configured) {
    if (configured != null && !configured.isBlank()) {
      return configured.trim();
    }
    String env = System.getenv("DOCKER_HOST");
    return env == null || env.isBlank() ? DEFAULT_HOST : env.trim();
  }

  /**
   * A client of the engine at {@code host} (null or blank: {@link #resolveHost}), speaking the
   * newest API version both sides know, like the docker CLI's negotiation: docker-java 3.7 asks for
   * 1.44, which older engines (Debian's 20.10 speaks 1.41) refuse. {@code DOCKER_API_VERSION} pins
   * one. When the engine cannot be asked (not up yet), unversioned paths are used: the engine's own
   * version. Close it when done.
   *
   * @param responseTimeout the longest a call may wait for an answer; null for none (a followed log
   *     stream stays silent as long as the job prints nothing)
   */
  public static DockerClient connect(String host, Duration responseTimeout) {
    String resolved = resolveHost(host);
    return client(resolved, negotiate(resolved), responseTimeout);
  }

  /** Whether the engine at {@code host} answers a ping within {@code timeout}. */
  public static boolean answers(String host, Duration timeout) {
    try (DockerClient client =
        client(resolveHost(host), RemoteApiVersion.UNKNOWN_VERSION, timeout)) {
      client.pingCmd().exec();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static RemoteApiVersion negotiate(String host) {
    String pinned = System.getenv("DOCKER_API_VERSION");
    if (pinned != null && !pinned.isBlank()) {
      return RemoteApiVersion.parseConfig(pinned);
    }
    // Unversioned requests are answered in the engine's own (newest) version.
    try (DockerClient probe = client(host, RemoteApiVersion.UNKNOWN_VERSION, PROBE_TIMEOUT)) {
      RemoteApiVersion engine =
          RemoteApiVersion.parseConfig(probe.versionCmd().exec().getApiVersion());
      return engine.isGreater(CLIENT_MAX) ? CLIENT_MAX : engine;
    } catch (IOException | RuntimeException unreachable) {
      return RemoteApiVersion.UNKNOWN_VERSION;
    }
  }

  private static DockerClient client(
      String host, RemoteApiVersion version, Duration responseTimeout) {
    DefaultDockerClientConfig config =
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
