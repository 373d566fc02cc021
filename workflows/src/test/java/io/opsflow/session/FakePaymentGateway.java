package io.opsflow.session;

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
    CardIntent intent = byId(intentId);
    CardIntent now =
        new CardIntent(
            intent.id(), outcome, intent.clientSecret(), intent.amountMinor(), failureMessage);
    replace(now);
    return now;
  }

  @Override
  public synchronized CardIntent cancelIntent(String intentId) {
    CardIntent intent = byId(intentId);
    CardIntent canceled =
        new CardIntent(intent.id(), "canceled", intent.clientSecret(), intent.amountMinor(), null);
    replace(canceled);
    return canceled;
  }

  @Override
  public synchronized String refund(RefundRequest request) {
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
