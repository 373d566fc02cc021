package io.opsflow.device;

import java.time.Instant;

/**
 * What the workflow knows of its device: the answer of the query and of the updates.
 *
 * @param failure the failure type when onboarding failed, else null
 */
public record DeviceView(
    long deviceId,
    DeviceStatus status,
    String ipAddress,
    String fingerprint,
    Instant notAfter,
    int renewals,
    Instant contactDeadline,
    Instant lastContactAt,
    DeviceFailure failure,
    String failureMessage) {}
