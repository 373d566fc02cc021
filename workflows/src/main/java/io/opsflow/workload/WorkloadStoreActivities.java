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
   * fits; appends a {@code workload_event} keyed by the request's sequence when the placement
   * changed. Idempotent: a live placement already stored for this (workload, revision) on a node
   * that is not excluded is returned as is. Called again for the same revision after the node was
   * lost (its node excluded) and while PENDING (to re-check).
   */
  Placement place(PlaceRequest request);

  /**
   * Records a status change on the row and appends a {@code workload_event} keyed by (workload,
   * revision, sequence): a retried call appends nothing twice.
   */
  void status(StatusChange change);

  /**
   * @param exclude nodes not to use (the node just lost, agents that did not answer)
   * @param sequence the workflow's counter of store writes in this revision, shared with {@link
   *     StatusChange#sequence()}: the dedup key of the event this placement appends
   */
  record PlaceRequest(
      String workloadId,
      WorkloadSpec spec,
      int revision,
      PlacementPolicy policy,
      List<String> exclude,
      int sequence) {

    public PlaceRequest {
      exclude = exclude == null ? List.of() : List.copyOf(exclude);
    }
  }

  /**
   * @param sequence the workflow's counter of store writes in this revision (the event's dedup key;
   *     gaps are normal: a re-check that changes nothing appends nothing)
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
