package io.opsflow.workers.agent;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Agent mode of the workers app ({@code opsflow.agent.*}): set {@code node-id} and the process runs
 * a {@link NodeAgent} for this machine's Docker engine.
 *
 * @param nodeId the node's id; its Docker activities run on task queue {@code nodeQueuePrefix +
 *     nodeId}. Unset: no agent.
 * @param apiUrl the API the agent registers with and heartbeats to
 * @param secret the shared agent secret, sent as {@code Authorization: Bearer}; empty: the {@code
 *     AGENT_SECRET} environment variable
 * @param heartbeatInterval time between heartbeats (seed: 30 s)
 * @param offeredCpu cores offered to the scheduler; 0: measured (processors minus {@code
 *     reservedCpu})
 * @param offeredMemoryMb MiB offered to the scheduler; 0: measured (physical memory minus {@code
 *     reservedMemoryMb})
 * @param reservedCpu cores a measured offer keeps back for the OS, the agent and the engine
 * @param reservedMemoryMb MiB a measured offer keeps back
 * @param dockerHost the Docker engine; empty: {@code DOCKER_HOST}, else {@code
 *     unix:///var/run/docker.sock}
 * @param ipAddress the address sent on registration
 * @param hostname the host name sent on registration; empty: this machine's
 * @param nodeQueuePrefix prefix of the node's task queue (must match the scheduler's)
 * @param networkMode Docker network mode of the workloads' containers ({@code none}: no network)
 * @param stopGrace how long a removed workload may take to stop before it is killed
 * @param logLines trailing log lines captured when a container ends
 * @param inspectInterval how often a followed container is inspected without a Docker event
 * @param clientId the agent's OAuth2 client (client credentials, role node_agent); empty: the
 *     shared secret is sent instead
 * @param clientSecret that client's secret
 * @param tokenUrl the issuer's token endpoint; empty: the API's own ({@code
 *     <api-url>/oauth2/token}, the embedded issuer); Keycloak: {@code
 *     <issuer>/protocol/openid-connect/token}
 * @param engineResponseTimeout longest wait for one answer of the Docker engine; it must exceed
 *     {@code stopGrace} (a stop is answered after it), or the agent refuses to start
 * @param engineBreakerWait how long the engine's open circuit breaker ({@code docker:<host>}) waits
 *     before letting one call through
 */
@ConfigurationProperties(prefix = "opsflow.agent")
public record AgentProperties(
    String nodeId,
    @DefaultValue("http://127.0.0.1:8080") URI apiUrl,
    @DefaultValue("") String secret,
    @DefaultValue("30s") Duration heartbeatInterval,
    @DefaultValue("0") double offeredCpu,
    @DefaultValue("0") long offeredMemoryMb,
    @DefaultValue("0.5") double reservedCpu,
    @DefaultValue("512") long reservedMemoryMb,
    @DefaultValue("") String dockerHost,
    @DefaultValue("127.0.0.1") String ipAddress,
    @DefaultValue("") String hostname,
    @DefaultValue("node-") String nodeQueuePrefix,
    @DefaultValue("none") String networkMode,
    @DefaultValue("10s") Duration stopGrace,
    @DefaultValue("200") int logLines,
    @DefaultValue("5s") Duration inspectInterval,
    @DefaultValue("") String clientId,
    @DefaultValue("") String clientSecret,
    @DefaultValue("") String tokenUrl,
    @DefaultValue("2m") Duration engineResponseTimeout,
    @DefaultValue("10s") Duration engineBreakerWait) {

  public AgentProperties {
    if (engineResponseTimeout != null
        && stopGrace != null
        && engineResponseTimeout.compareTo(stopGrace) <= 0) {
      // A stop is answered once the container stopped: up to the grace period.
      throw new IllegalArgumentException(
          "opsflow.agent.engine-response-timeout ("
              + engineResponseTimeout
              + ") must be longer than opsflow.agent.stop-grace ("
              + stopGrace
              + ")");
    }
  }

  /** The token endpoint the agent's client uses. */
  public URI effectiveTokenUrl() {
    if (tokenUrl != null && !tokenUrl.isBlank()) {
      return URI.create(tokenUrl.strip());
    }
    String api = apiUrl.toString();
    return URI.create(
        (api.endsWith("/") ? api.substring(0, api.length() - 1) : api) + "/oauth2/token");
  }
}
