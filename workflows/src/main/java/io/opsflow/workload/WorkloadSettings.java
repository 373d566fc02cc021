package io.opsflow.workload;

import java.time.Duration;

/**
 * Scheduling and supervision settings from configuration (opsflow.workloads.*), fixed per run.
 *
 * @param placement spread or bin-pack
 * @param pendingDeadline how long a workload that fits no node waits before it FAILS
 * @param pendingRecheck how often a pending workload re-checks capacity without a nudge
 * @param agentPickupTimeout how long a start may wait on {@code node-<id>} for the agent to pick it
 *     up (schedule-to-start) before the agent counts as unreachable
 * @param followHeartbeatTimeout how long the follow activity may go silent before it is retried
 * @param restartInitialBackoff first restart backoff (seed's newer design: 5 s)
 * @param restartMaxBackoff backoff cap (120 s)
 * @param actionAttempts attempts of one Docker action (5)
 * @param nodeQueuePrefix {@code node-}: a node's Docker activities run on prefix + node id
 * @param actionTimeout start-to-close of one attempt of a Docker action (create and start, restart,
 *     stop and remove): a hung agent is retried after this long. Null: 1 minute.
 * @param retention how long a workload with a final status (EXITED, FAILED, MISSING) keeps its
 *     container for a remove or a retry before it is removed (Nomad keeps terminal allocations
 *     until garbage collection). Null: 24 hours.
 */
public record WorkloadSettings(
    PlacementPolicy placement,
    Duration pendingDeadline,
    Duration pendingRecheck,
    Duration agentPickupTimeout,
    Duration followHeartbeatTimeout,
    Duration restartInitialBackoff,
    Duration restartMaxBackoff,
    int actionAttempts,
    String nodeQueuePrefix,
    Duration actionTimeout,
    Duration retention) {

  public static final Duration DEFAULT_ACTION_TIMEOUT = Duration.ofMinutes(1);
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);

  public WorkloadSettings {
    placement = placement == null ? PlacementPolicy.SPREAD : placement;
    actionTimeout = actionTimeout == null ? DEFAULT_ACTION_TIMEOUT : actionTimeout;
    retention = retention == null ? DEFAULT_RETENTION : retention;
  }

  /** Settings with the default retention. */
  public WorkloadSettings(
      PlacementPolicy placement,
      Duration pendingDeadline,
      Duration pendingRecheck,
      Duration agentPickupTimeout,
      Duration followHeartbeatTimeout,
      Duration restartInitialBackoff,
      Duration restartMaxBackoff,
      int actionAttempts,
      String nodeQueuePrefix,
      Duration actionTimeout) {
    this(
        placement,
        pendingDeadline,
        pendingRecheck,
        agentPickupTimeout,
        followHeartbeatTimeout,
        restartInitialBackoff,
        restartMaxBackoff,
        actionAttempts,
        nodeQueuePrefix,
        actionTimeout,
        null);
  }

  /** Settings with the default action timeout. */
  public WorkloadSettings(
      PlacementPolicy placement,
      Duration pendingDeadline,
      Duration pendingRecheck,
      Duration agentPickupTimeout,
      Duration followHeartbeatTimeout,
      Duration restartInitialBackoff,
      Duration restartMaxBackoff,
      int actionAttempts,
      String nodeQueuePrefix) {
    this(
        placement,
        pendingDeadline,
        pendingRecheck,
        agentPickupTimeout,
        followHeartbeatTimeout,
        restartInitialBackoff,
        restartMaxBackoff,
        actionAttempts,
        nodeQueuePrefix,
        null,
        null);
  }

  /**
   * The defaults: spread; pending for at most 10 minutes, re-checked every 30 s; an agent that does
   * not pick a task up within 60 s (two heartbeat intervals) is unreachable; the follower must
   * heartbeat every 30 s; the seed's newer backoff (5 s doubling to 120 s, 5 attempts); a final
   * status is kept 24 hours.
   */
  public static WorkloadSettings defaults() {
    return new WorkloadSettings(
        PlacementPolicy.SPREAD,
        Duration.ofMinutes(10),
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofSeconds(30),
        Duration.ofSeconds(5),
        Duration.ofSeconds(120),
        5,
        "node-",
        DEFAULT_ACTION_TIMEOUT,
        DEFAULT_RETENTION);
  }

  public String nodeQueue(String nodeId) {
    return nodeQueuePrefix + nodeId;
  }
}
