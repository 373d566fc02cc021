package io.opsflow;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Task queue names (DESIGN: worker pools). Workers subscribe through spring.temporal.workers, which
 * reads the same properties.
 *
 * @param orchestration all workflow types and their database activities
 * @param devices plug, router and payment gateway activities
 * @param health the health check: connectivity probes of the devices' endpoints and the
 *     supervisor's monitor activities (its own pool, so it is deployed and restarted alone)
 * @param passExecutors launching and tearing down pass executors (Pods or local processes); each
 *     executor then polls its own queue {@code pass-<id>}
 * @param agentsPrefix prefix of the per-process queue for PC agent messages; the full name is
 *     prefix + instance id
 * @param instanceId this process's id; the agents queue of this process is agentsPrefix +
 *     instanceId
 */
@ConfigurationProperties(prefix = "opsflow.task-queues")
public record TaskQueueProperties(
    @DefaultValue("orchestration") String orchestration,
    @DefaultValue("devices") String devices,
    @DefaultValue("health") String health,
    @DefaultValue("pass-executors") String passExecutors,
    @DefaultValue("agents-") String agentsPrefix,
    @DefaultValue("local") String instanceId) {

  /** The queue of this process's PC agent sockets. */
  public String agentsQueue() {
    return agentsPrefix + instanceId;
  }
}
