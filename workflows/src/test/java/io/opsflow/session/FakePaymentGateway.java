package io.opsflow.session;

import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Stripe-shaped payment intents in memory; the test decides what the customer's bank says. */
final class FakePaymentGateway implements PaymentGatewayActivities {

  private final Map<String, CardIntent> intents = new LinkedHashMap<>();
  private final List<RefundRequest> refunds = new ArrayList<>();
  private String outcome = "requires_payment_method";
  private String failureMessage;
  private boolean down;
  private int calls;
  private int cancels;

  /** While down, every call fails the way an unreachable gateway does (retryable). */
  synchronized void down(boolean down) {
    this.down = down;
  }

  /** Calls that reached the gateway (or failed trying). */
  synchronized int calls() {
    return calls;
  }

  /** Intents cancelled. */
  synchronized int cancels() {
    return cancels;
  }

  private void reach() {
    calls++;
    if (down) {
      throw ApplicationFailure.newFailure("gateway: ConnectException", "DEVICE_UNREACHABLE");
    }
  }

  /** What retrieveIntent reports from now on: the customer paid. */
  synchronized void customerPays() {
    outcome = "succeeded";
    failureMessage = null;
  }

  /** What retrieveIntent reports from now on: the bank declined the card. */
  synchronized void bankDeclines(String message) {
    outcome = "requires_payment_method";
    failureMessage = message;
  }

  synchronized List<CardIntent> intents() {
    return List.copyOf(intents.values());
  }

  synchronized List<RefundRequest> refunds() {
    return List.copyOf(refunds);
  }

  @Override
  public synchronized CardIntent createIntent(IntentRequest request) {
    reach();
    return intents.computeIfAbsent(
        request.idempotencyKey(),
        key -> {
          String id = "pi_" + request.paymentId();
          return new CardIntent(
              id, "requires_payment_method", id + "_secret", request.amountMinor(), null);
        });
  }

  @Override
  public synchronized CardIntent retrieveIntent(String intentId) {
    reach();
    CardIntent intent = byId(intentId);
    CardIntent now =
        new CardIntent(
            intent.id(), outcome, intent.clientSecret(), intent.amountMinor(), failureMessage);
    replace(now);
    return now;
  }

  @Override
  public synchronized CardIntent cancelIntent(String intentId) {
    reach();
    CardIntent intent = byId(intentId);
    if ("succeeded".equals(outcome)) {
      // As Stripe: a paid intent cannot be cancelled (HTTP 400, non-retryable).
      throw ApplicationFailure.newNonRetryableFailure(
          "gateway answered 400: You cannot cancel this PaymentIntent because it has a status of"
              + " succeeded.",
          "GATEWAY_REJECTED");
    }
    cancels++;
    CardIntent canceled =
        new CardIntent(intent.id(), "canceled", intent.clientSecret(), intent.amountMinor(), null);
    replace(canceled);
    return canceled;
  }

  @Override
  public synchronized String refund(RefundRequest request) {
    reach();
    if (!refunds.contains(request)) {
      refunds.add(request);
    }
    return "re_" + request.intentId();
  }

  private CardIntent byId(String intentId) {
    return intents.values().stream()
        .filter(i -> i.id().equals(intentId))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no intent " + intentId));
  }

  private void replace(CardIntent intent) {
    intents.replaceAll((key, old) -> old.id().equals(intent.id()) ? intent : old);
  }
}
