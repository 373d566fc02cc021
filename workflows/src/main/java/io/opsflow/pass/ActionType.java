package io.opsflow.pass;

import java.util.Arrays;

/** The actions a procedure graph's nodes may take, by their wire names. */
public enum ActionType {
  /** Send a telecommand and wait for its verifier: {@code apid, command, verifier, timeout}. */
  SEND_TELECOMMAND("send_telecommand"),
  /** Wait until telemetry meets a condition: {@code condition, timeout}. */
  WAIT_TELEMETRY("wait_telemetry"),
  /** Wait: {@code duration}. */
  DELAY("delay"),
  /** Succeed when the parameter's last value meets the condition, fail otherwise. */
  CHECK_PARAMETER("check_parameter"),
  /** Ask an operator to confirm: {@code prompt, timeout}. */
  OPERATOR_CONFIRM("operator_confirm");

  private final String wire;

  ActionType(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  /** The type of this wire name, null when there is none. */
  public static ActionType of(String wire) {
    return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst().orElse(null);
  }
}
