package io.opsflow.workload;

public enum NodeStatus {
  ACTIVE,
  INACTIVE;

  /** The seed's spelling: {@code active} in requests, {@code Inactive} after the monitor. */
  public String display() {
    return this == ACTIVE ? "Active" : "Inactive";
  }
}
