package io.opsflow.workload;

import io.temporal.activity.ActivityInterface;
import java.time.Instant;
import java.util.List;

/** Node rows in PostgreSQL, written by {@code node-<id>} (idempotent). */
@ActivityInterface(namePrefix = "Node")
public interface NodeActivities {

  /**
   * Creates the node row on registration or updates it: status, last heartbeat time and what the
   * agent reported (null report fields keep the stored values); appends a {@code node_status} event
   * when the status changes. Called on registration, on every heartbeat and when the node turns
   * INACTIVE.
   *
   * @return the workloads the node workflow must signal. INACTIVE: every live workload on the node
   *     (SCHEDULED, RUNNING, RESTARTING), which this call marks LOST; the workflow sends each
   *     {@code nodeLost}. ACTIVE: when the node is new, turned active again or offers more CPU or
   *     memory than before, the PENDING workloads (oldest first), which the workflow nudges with
   *     {@code capacityChanged}; otherwise empty.
   */
  List<String> status(NodeStatusChange change);

  /**
   * The workloads whose row places them on this node with a live status ({@link
   * WorkloadStatus#isLive()}: SCHEDULED, RUNNING, RESTARTING), sorted by id. Read-only.
   */
  List<String> liveWorkloads(LiveWorkloadsRequest request);

  /** Input of {@link #liveWorkloads}. */
  record LiveWorkloadsRequest(String nodeId) {}

  /**
   * @param at workflow time of the change
   * @param lastHeartbeatAt the heartbeat the decision is based on
   * @param report what the agent reported with this registration or heartbeat; null when the
   *     workflow decides alone (INACTIVE)
   */
  record NodeStatusChange(
      String nodeId,
      NodeStatus status,
      Instant at,
      Instant lastHeartbeatAt,
      String reason,
      NodeReport report) {

    public NodeStatusChange(
        String nodeId, NodeStatus status, Instant at, Instant lastHeartbeatAt, String reason) {
      this(nodeId, status, at, lastHeartbeatAt, reason, null);
    }
  }

  /**
   * What an agent reported (seed's register and heartbeat bodies); null fields are unknown.
   *
   * @param agentStatus the agent's own status string, e.g. {@code active}; recorded, while the node
   *     status is decided by heartbeats alone
   * @param availableCpu cores the node offers
   * @param availableMemoryMb memory the node offers, MiB
   */
  record NodeReport(
      String ipAddress,
      String hostname,
      String agentStatus,
      Double availableCpu,
      Long availableMemoryMb) {}
}
