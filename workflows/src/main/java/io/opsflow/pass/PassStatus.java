package io.opsflow.pass;

import java.util.Arrays;

/**
 * A pass's life: reserved until its workflow starts it, then starting (executor launched),
 * executing, and success or failure; cancelled from reserved (or, later, during execution).
 */
public enum PassStatus {
  RESERVED("reserved"),
  STARTING("starting"),
  EXECUTING("executing"),
  SUCCESS("success"),
  FAILURE("failure"),
  CANCELLED("cancelled");

  private final String wire;

  PassStatus(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The status of this wire name, null when there is none. */
  public static PassStatus of(String wire) {
    return Arrays.stream(values()).filter(s -> s.wire.equals(wire)).findFirst().orElse(null);
  }
}
