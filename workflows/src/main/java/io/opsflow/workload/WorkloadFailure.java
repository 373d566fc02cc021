package io.opsflow.workload;

/** Failure types of the workload flow, used as ApplicationFailure types. */
public enum WorkloadFailure {
  /** The image is not on the node (never pulled here). */
  IMAGE_NOT_FOUND,
  /** The engine refused to start the container (command not found, bad config). */
  START_FAILED,
  /** No node fits the request before the pending deadline. */
  NO_CAPACITY,
  /** The node's agent did not pick the task up in time. */
  AGENT_UNREACHABLE,
  /** A remove of a workload that is already removed or being removed (update rejection). */
  ALREADY_REMOVED,
  /** A retry of a workload that is not Exited, Failed or Missing (update rejection). */
  NOT_RETRYABLE;

  public String type() {
    return name();
  }
}
