package io.opsflow.workload;

/** The seed's workload statuses, plus what a scheduler with restarts and node loss needs. */
public enum WorkloadStatus {
  /** No node fits yet; waiting durably for capacity until the pending deadline. */
  PENDING,
  /** Placed on a node and stored; the container is being created. */
  SCHEDULED,
  RUNNING,
  /** The container exited (exit code recorded). */
  EXITED,
  /** The engine could not run it (image missing, command not found) or restarts ran out. */
  FAILED,
  /** The container disappeared from its node. */
  MISSING,
  /** Its node went Inactive; it is being rescheduled elsewhere. */
  LOST,
  /** Waiting for the restart backoff before the next attempt. */
  RESTARTING,
  /** Deleted by the operator: container stopped and removed. */
  REMOVED;

  /** Holds its node's capacity: counted against the node's free CPU and memory. */
  public boolean isLive() {
    return this == SCHEDULED || this == RUNNING || this == RESTARTING;
  }

  public boolean isFinal() {
    return this == EXITED || this == FAILED || this == MISSING || this == REMOVED;
  }

  /** The seed's capitalised spelling, e.g. {@code Running}. */
  public String display() {
    return name().charAt(0) + name().substring(1).toLowerCase(java.util.Locale.ROOT);
  }
}
