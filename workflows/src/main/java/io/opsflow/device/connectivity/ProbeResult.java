package io.opsflow.device.connectivity;

import java.time.Instant;

/**
 * One probe of an endpoint.
 *
 * @param released the endpoint is released (or gone): monitoring ends, nothing was probed
 * @param ipAddress the address probed
 * @param method {@code icmp} or {@code tcp:<port>}
 * @param success it answered
 * @param rttMs the round trip when it answered
 * @param error why not, when it did not ("timeout", "connection refused")
 * @param at when the probe was sent
 */
public record ProbeResult(
    boolean released,
    String ipAddress,
    String method,
    boolean success,
    Double rttMs,
    String error,
    Instant at) {

  public static ProbeResult releasedEndpoint() {
    return new ProbeResult(true, null, null, false, null, "endpoint released", null);
  }
}
