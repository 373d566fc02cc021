package io.opsflow.build;

public enum JobStatus {
  PENDING,
  RUNNING,
  SUCCEEDED,
  FAILED,
  SKIPPED,
  CANCELLED;

  public boolean finished() {
    return this != PENDING && this != RUNNING;
  }
}
