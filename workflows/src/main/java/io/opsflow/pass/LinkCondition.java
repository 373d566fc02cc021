package io.opsflow.pass;

import java.util.Arrays;

/** When a link lets its target run, by the outcome of its source. */
public enum LinkCondition {
  ON_SUCCESS("on_success"),
  ON_FAILURE("on_failure"),
  ALWAYS("always");

  private final String wire;

  LinkCondition(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The condition of this wire name, null when there is none. */
  public static LinkCondition of(String wire) {
    return Arrays.stream(values()).filter(c -> c.wire.equals(wire)).findFirst().orElse(null);
  }
}
