package io.opsflow.device.telemetry;

import java.time.Instant;

/**
 * A device's first sign of life seen by the health check.
 *
 * @param deviceId the device
 * @param at when it was seen (receive time of the telemetry, time of the ping)
 * @param via {@code telemetry} or {@code ping}
 * @param recordId the first telemetry record (via telemetry)
 * @param endpointId the endpoint that answered (via ping)
 */
public record FirstContact(long deviceId, Instant at, String via, Long recordId, Long endpointId) {

  public static final String TELEMETRY = "telemetry";
  public static final String PING = "ping";
}
