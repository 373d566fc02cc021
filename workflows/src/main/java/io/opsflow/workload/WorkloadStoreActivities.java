package io.opsflow.workload;

import io.temporal.activity.ActivityInterface;
import java.time.Instant;
import java.util.List;

/** Workload rows and their append-only {@code workload_event} log in PostgreSQL (idempotent). */
@ActivityInterface(namePrefix = "WorkloadStore")
public interface WorkloadStoreActivities {

  /**
   * Chooses a node by free capacity ({@link NodeSelector}, under a lock so concurrent placements
   * see each other's requests) and stores the workload as SCHEDULED on it, or as PENDING when none
   * fits. Idempotent: a placement already stored for this (workload, revision) is returned as is.
   */
  Placement place(PlaceRequest request);

  /**
   * Records a status change on the row and appends a {@code workload_event} keyed by (workload,
   * revision, sequence): a retried call appends nothing twice.
   */
  void status(StatusChange change);

  /**
   * @param exclude nodes not to use (the node just lost)
   */
  record PlaceRequest(
      String workloadId,
      WorkloadSpec spec,
      int revision,
      PlacementPolicy policy,
      List<String> exclude) {}

  /**
   * @param sequence the workflow's counter of changes in this revision (the event's dedup key)
   * @param logs the container's captured logs (tail), or null to keep what is stored
   */
  record StatusChange(
      String workloadId,
      int revision,
      int sequence,
      WorkloadStatus status,
      String nodeId,
      Integer exitCode,
      String message,
      String logs,
      Instant at) {}
}
