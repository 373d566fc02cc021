package io.opsflow.session;

/**
 * The frontend reports that the customer confirmed the card payment at the gateway.
 *
 * @param paymentId our payment row id
 */
public record ConfirmPayment(long paymentId) {}
