package io.opsflow.session;

import io.temporal.activity.ActivityInterface;

/** A card payment gateway (Stripe-shaped payment intents), called from the devices queue. */
@ActivityInterface(namePrefix = "Gateway")
public interface PaymentGatewayActivities {

  /** Creates a payment intent; the idempotency key makes a retried call return the same one. */
  CardIntent createIntent(IntentRequest request);

  /** Reads the intent's current status at the gateway. */
  CardIntent retrieveIntent(String intentId);

  /** Cancels an intent that was never confirmed. */
  CardIntent cancelIntent(String intentId);

  /** Refunds a succeeded intent; returns the gateway's refund id. */
  String refund(RefundRequest request);

  /**
   * @param amountMinor amount in minor units (cents)
   */
  record IntentRequest(
      long paymentId, long sessionId, long amountMinor, String currency, String idempotencyKey) {}

  record CardIntent(
      String id, String status, String clientSecret, long amountMinor, String failureMessage) {
    public boolean succeeded() {
      return "succeeded".equals(status);
    }
  }

  record RefundRequest(String intentId, String idempotencyKey) {}
}
