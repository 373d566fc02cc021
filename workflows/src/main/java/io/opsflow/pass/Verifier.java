package io.opsflow.pass;

/**
 * What proves a telecommand worked: the ground station's acknowledgement ({@code ack}), or a
 * telemetry parameter meeting a condition ({@code parameter}) within the node's timeout.
 *
 * @param type {@code ack} or {@code parameter}
 * @param condition required for {@code parameter}
 */
public record Verifier(String type, ParameterCondition condition) {

  public static final String ACK = "ack";
  public static final String PARAMETER = "parameter";
}
