package io.opsflow.session;

/**
 * Operator request to add time to an active session.
 *
 * @param additionalMinutes minutes to add (seed: {@code additional_minutes})
 * @param paymentMethod CASH or BALANCE; null means the session's own method when possible
 */
public record ExtendRequest(int additionalMinutes, PaymentMethod paymentMethod) {}
