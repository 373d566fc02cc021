package io.opsflow.flight;

import java.time.Instant;
import java.util.Map;

/**
 * One telemetry record as the classifier reads it: what a {@code telemetry_records} row holds.
 *
 * @param id the row id, the pull cursor; ids only grow, so a point whose id is not above the last
 *     one classified is a duplicate and is skipped
 * @param onboardTime the message's own TIMESTAMP (device clock); null when it had none, then the
 *     receive time stands in
 * @param receivedAt when the intake received the message
 * @param msgId the MAVLink message name ({@code HEARTBEAT}, {@code GLOBAL_POSITION_INT}, ...)
 * @param fields the {@code mavlink@32473} parameters, in the units the forwarder documents
 */
public record TelemetryPoint(
    long id, Instant onboardTime, Instant receivedAt, String msgId, Map<String, String> fields) {

  public TelemetryPoint {
    fields = fields == null ? Map.of() : fields;
  }

  /** The time the classifier orders and measures by: onboard time, else receive time. */
  public Instant time() {
    return onboardTime != null ? onboardTime : receivedAt;
  }
}
