package io.opsflow.device.telemetry;

/**
 * Told when a device is seen for the first time (its first telemetry record, or the first probe of
 * one of its endpoints that answered). Every bean implementing it is called, after the data is
 * committed, possibly more than once for one device (retries, two intake processes): it must be
 * idempotent. {@link FirstContactRecorder} stores it; an onboarding that waits for contact adds a
 * listener that signals its workflow {@code device-<id>}.
 */
public interface FirstContactListener {

  void firstContact(FirstContact contact);
}
