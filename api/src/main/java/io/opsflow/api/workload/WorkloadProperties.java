package io.opsflow.api.workload;

import io.opsflow.workload.NodeRegistration;
import io.opsflow.workload.PlacementPolicy;
import io.opsflow.workload.WorkloadSettings;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Workload scheduling configuration; copied into each workflow's input.
 *
 * @param placement SPREAD (default: the emptiest node that fits) or BIN_PACK (the fullest)
 * @param pendingDeadline how long a workload no node fits waits for capacity before it fails
 * @param pendingRecheck how often a pending workload re-checks capacity without a nudge
 * @param agentPickupTimeout how long a start may wait for the node's agent to pick it up
 * @param followHeartbeatTimeout silence of the container-following activity before it is retried
 * @param restartInitialBackoff first restart backoff (seed's newer design: 5 s)
 * @param restartMaxBackoff restart backoff cap (120 s)
 * @param actionAttempts attempts of one Docker action (5)
 * @param nodeQueuePrefix a node's Docker activities run on this prefix + node id
 * @param inactiveAfter a node without a heartbeat for this long is Inactive (seed: 10 min)
 * @param heartbeatsPerRun heartbeats one node workflow run handles before continue-as-new
 * @param actionTimeout start-to-close of one Docker action (start, restart, remove) on a node
 * @param retention how long an ended (Exited, Failed, Missing) workload keeps its container for
 *     logs, delete or retry before it is removed (Nomad's garbage collection)
 */
@ConfigurationProperties(prefix = "opsflow.workloads")
public record WorkloadProperties(
    @DefaultValue("SPREAD") PlacementPolicy placement,
    @DefaultValue("1h") Duration pendingDeadline,
    @DefaultValue("30s") Duration pendingRecheck,
    @DefaultValue("60s") Duration agentPickupTimeout,
    @DefaultValue("30s") Duration followHeartbeatTimeout,
    @DefaultValue("5s") Duration restartInitialBackoff,
    @DefaultValue("120s") Duration restartMaxBackoff,
    @DefaultValue("5") int actionAttempts,
    @DefaultValue("node-") String nodeQueuePrefix,
    @DefaultValue("10m") Duration inactiveAfter,
    @DefaultValue("500") int heartbeatsPerRun,
    @DefaultValue("60s") Duration actionTimeout,
    @DefaultValue("24h") Duration retention) {

  public WorkloadSettings toSettings() {
    return new WorkloadSettings(
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
        retention);
  }

  public NodeRegistration registration(String nodeId, String ipAddress, String hostname) {
    return new NodeRegistration(
        nodeId, ipAddress, hostname, inactiveAfter, heartbeatsPerRun, null, nodeQueuePrefix);
  }
}
