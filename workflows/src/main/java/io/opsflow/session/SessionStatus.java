package io.opsflow.session;

/** Lifecycle of a session. PENDING and AWAITING_PAYMENT and ACTIVE hold the station. */
public enum SessionStatus {
  PENDING,
  AWAITING_PAYMENT,
  ACTIVE,
  STOPPED,
  EXPIRED,
  FAILED;

  /** Whether a session in this status still holds its station. */
  public boolean isLive() {
    return this == PENDING || this == AWAITING_PAYMENT || this == ACTIVE;
  }
}
