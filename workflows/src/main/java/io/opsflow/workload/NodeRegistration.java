package io.opsflow.workload;

import java.time.Duration;
import java.time.Instant;

/**
 * Input of {@code node-<id>} (seed's register body) and its settings.
 *
 * @param inactiveAfter no heartbeat for this long marks the node Inactive (seed: 10 min; null:
 *     that)
 * @param heartbeatsPerRun heartbeats handled before continue-as-new (bounded history; 0 or less:
 *     {@link #DEFAULT_HEARTBEATS_PER_RUN})
 * @param carryOver null when the node registers; the state a run hands to the next one when it
 *     continues as new
 * @param nodeQueuePrefix the prefix of the node's Docker task queue ({@code node-} when null)
 */
public record NodeRegistration(
    String nodeId,
    String ipAddress,
    String hostname,
    Duration inactiveAfter,
    int heartbeatsPerRun,
    CarryOver carryOver,
    String nodeQueuePrefix) {

  /** The seed's node monitor threshold. */
  public static final Duration DEFAULT_INACTIVE_AFTER = Duration.ofMinutes(10);

  /** About 2,000 history events per run (some ten per heartbeat), 100 minutes at one per 30 s. */
  public static final int DEFAULT_HEARTBEATS_PER_RUN = 200;

  public NodeRegistration {
    inactiveAfter = inactiveAfter == null ? DEFAULT_INACTIVE_AFTER : inactiveAfter;
    heartbeatsPerRun = heartbeatsPerRun <= 0 ? DEFAULT_HEARTBEATS_PER_RUN : heartbeatsPerRun;
  }

  /** A registration on the default {@code node-} queue prefix. */
  public NodeRegistration(
      String nodeId,
      String ipAddress,
      String hostname,
      Duration inactiveAfter,
      int heartbeatsPerRun,
      CarryOver carryOver) {
    this(nodeId, ipAddress, hostname, inactiveAfter, heartbeatsPerRun, carryOver, null);
  }

  /** The node's Docker task queue. */
  public String nodeQueue() {
    return (nodeQueuePrefix == null ? "node-" : nodeQueuePrefix) + nodeId;
  }

  /** A fresh registration (no carried state). */
  public NodeRegistration(
      String nodeId,
      String ipAddress,
      String hostname,
      Duration inactiveAfter,
      int heartbeatsPerRun) {
    this(nodeId, ipAddress, hostname, inactiveAfter, heartbeatsPerRun, null, null);
  }

  public static String workflowId(String nodeId) {
    return "node-" + nodeId;
  }

  /** The same registration for the next run, carrying the node's state. */
  public NodeRegistration carrying(CarryOver state) {
    return new NodeRegistration(
        nodeId, ipAddress, hostname, inactiveAfter, heartbeatsPerRun, state, nodeQueuePrefix);
  }

  /**
   * What a run of {@code node-<id>} hands to the next one.
   *
   * @param lastHeartbeatAt workflow time of the last heartbeat (or of the registration): the
   *     inactivity timer of the next run counts from it, so continue-as-new does not move it
   * @param inactiveSince when the node turned Inactive, null while Active
   * @param heartbeats heartbeats received since registration, over all runs
   * @param agentStatus the status the agent reported last (seed: {@code active})
   */
  public record CarryOver(
      NodeStatus status,
      Instant lastHeartbeatAt,
      Instant inactiveSince,
      long heartbeats,
      String agentStatus) {}
}
