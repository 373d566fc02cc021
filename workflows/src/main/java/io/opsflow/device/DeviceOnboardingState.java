package io.opsflow.device;

import java.time.Instant;

/**
 * What one run hands the next over continue-as-new: enough to go on waiting, renewing and
 * decommissioning without the previous history.
 *
 * @param status the state reached
 * @param ipAddress the allocated overlay address
 * @param contactDeadline when the wait for first contact ends (meaningful while awaiting contact)
 * @param fingerprint the current certificate, null before enrollment
 * @param notAfter its expiry
 * @param renewals certificates renewed so far
 * @param lastContactAt the first contact, null before it
 */
public record DeviceOnboardingState(
    DeviceStatus status,
    String ipAddress,
    Instant contactDeadline,
    String fingerprint,
    Instant notAfter,
    int renewals,
    Instant lastContactAt) {}
