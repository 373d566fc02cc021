package io.opsflow.device;

import java.time.Instant;

/**
 * A device without a public key of its own redeemed its enrollment code: the API signed the key
 * pair it made for it and tells the workflow which certificate to renew (public data only).
 */
public record DeviceEnrolled(String fingerprint, Instant notAfter) {}
