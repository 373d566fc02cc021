package io.opsflow.device;

import java.time.Instant;

/**
 * The device was heard from: sent by the connectivity check on its first successful ping and by the
 * syslog intake on its first telemetry, as the signal {@link DeviceOnboardingWorkflow#contact} to
 * {@code device-<id>}. Sending it again is harmless; only the first one changes the state.
 *
 * @param source {@link #PING} or {@link #TELEMETRY}
 * @param ipAddress the address the device was heard from (its overlay IP)
 * @param at when it was heard from
 */
public record DeviceContact(String source, String ipAddress, Instant at) {

  public static final String PING = "ping";
  public static final String TELEMETRY = "telemetry";
}
