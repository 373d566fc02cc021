package io.opsflow.workload;

import io.temporal.activity.ActivityInterface;
import java.time.Instant;
import java.util.List;

/** Node rows in PostgreSQL, written by {@code node-<id>} (idempotent). */
@ActivityInterface(namePrefix = "Node")
public interface NodeActivities {

  /**
   * Sets the node's status and last heartbeat time and appends a {@code node_status} event when the
   * status changes. Turning INACTIVE also marks every live workload on the node LOST and returns
   * their ids, for the workflow to signal them.
   */
  List<String> status(NodeStatusChange change);

  /**
   * @param lastHeartbeatAt the heartbeat the decision is based on
   */
  record NodeStatusChange(
      String nodeId, NodeStatus status, Instant at, Instant lastHeartbeatAt, String reason) {}
}
