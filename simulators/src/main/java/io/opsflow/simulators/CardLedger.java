package io.opsflow.simulators;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Payment intents and refunds with Stripe's state rules; not thread-safe, the gateway locks it.
 * Responses are built as ordered maps that serialise to Stripe's JSON shapes.
 */
final class CardLedger {

  /** A test card that fails: error code, decline code and message as Stripe reports them. */
  private record Decline(String code, String declineCode, String message) {}

  private static final Map<String, Decline> DECLINES =
      Map.of(
          "pm_card_chargeDeclined",
          new Decline("card_declined", "generic_decline", "Your card was declined."),
          "pm_card_chargeDeclinedInsufficientFunds",
          new Decline("card_declined", "insufficient_funds", "Your card has insufficient funds."),
          "pm_card_chargeDeclinedExpiredCard",
          new Decline("expired_card", "expired_card", "Your card has expired."));

  static final class IntentState {
    final String id = "pi_" + randomId(24);
    final String clientSecret = id + "_secret_" + randomId(25);
    final long created = System.currentTimeMillis() / 1000;
    long amount;
    String currency;
    String description;
    Map<String, String> metadata = Map.of();
    String status = "requires_payment_method";
    String paymentMethod;
    Map<String, Object> lastPaymentError;
    String latestCharge;
    Long canceledAt;
    String cancellationReason;
    long amountRefunded;
  }

  static final class RefundState {
    final String id = "re_" + randomId(24);
    final long created = System.currentTimeMillis() / 1000;
    String paymentIntent;
    String charge;
    long amount;
    String currency;
    String reason;
    Map<String, String> metadata = Map.of();
  }

  private final Map<String, IntentState> intents = new LinkedHashMap<>();
  private final Map<String, RefundState> refunds = new LinkedHashMap<>();

  static String randomId(int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
    }
    return out.toString();
  }

  Map<String, IntentState> intents() {
    return intents;
  }

  Map<String, RefundState> refunds() {
    return refunds;
  }

  IntentState intent(String id) throws StripeError {
    IntentState intent = intents.get(id);
    if (intent == null) {
      throw StripeError.missingResource("payment_intent", id, "intent");
    }
    return intent;
  }

  RefundState refund(String id) throws StripeError {
    RefundState refund = refunds.get(id);
    if (refund == null) {
      throw StripeError.missingResource("refund", id, "id");
    }
    return refund;
  }

  IntentState create(Map<String, String> params) throws StripeError {
    long amount = positiveAmount(params.get("amount"));
    String currency = params.get("currency");
    if (currency == null || currency.isEmpty()) {
      throw StripeError.invalid(
          "currency", "parameter_missing", "Missing required param: currency.");
    }
    if (!currency.matches("[A-Za-z]{3}")) {
      throw StripeError.invalid(
          "currency", "parameter_invalid_string", "Invalid currency: " + currency + ".");
    }
    IntentState intent = new IntentState();
    intent.amount = amount;
    intent.currency = currency.toLowerCase(Locale.ROOT);
    intent.description = params.get("description");
    intent.metadata = metadata(params);
    intent.paymentMethod = params.get("payment_method");
    if (intent.paymentMethod != null) {
      intent.status = "requires_confirmation";
    }
    intents.put(intent.id, intent);
    return intent;
  }

  /** Confirms with the given or attached payment method; returns the decline error, if any. */
  Map<String, Object> confirm(IntentState intent, String paymentMethod) throws StripeError {
    if (!intent.status.equals("requires_payment_method")
        && !intent.status.equals("requires_confirmation")) {
      throw StripeError.unexpectedState(
          "You cannot confirm this PaymentIntent because it has a status of "
              + intent.status
              + ".");
    }
    String method = paymentMethod != null ? paymentMethod : intent.paymentMethod;
    if (method == null || method.isEmpty()) {
      throw StripeError.invalid(
          "payment_method",
          "payment_intent_unexpected_state",
          "You cannot confirm this PaymentIntent because it's missing a payment method.");
    }
    Decline decline = DECLINES.get(method);
    if (decline == null) {
      intent.status = "succeeded";
      intent.paymentMethod = method;
      intent.lastPaymentError = null;
      intent.latestCharge = "ch_" + randomId(24);
      return null;
    }
    // Like Stripe: a failed attempt detaches the method and asks for a new one.
    intent.status = "requires_payment_method";
    intent.paymentMethod = null;
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", decline.code());
    error.put("decline_code", decline.declineCode());
    error.put("message", decline.message());
    error.put("payment_method", Map.of("id", method, "object", "payment_method"));
    error.put("type", "card_error");
    intent.lastPaymentError = error;
    return error;
  }

  void cancel(IntentState intent, String reason) throws StripeError {
    if (intent.status.equals("succeeded") || intent.status.equals("canceled")) {
      throw StripeError.unexpectedState(
          "You cannot cancel this PaymentIntent because it has a status of " + intent.status + ".");
    }
    intent.status = "canceled";
    intent.canceledAt = System.currentTimeMillis() / 1000;
    intent.cancellationReason = reason;
  }

  RefundState createRefund(Map<String, String> params) throws StripeError {
    String intentId = params.get("payment_intent");
    if (intentId == null || intentId.isEmpty()) {
      throw StripeError.invalid(
          "payment_intent", "parameter_missing", "Missing required param: payment_intent.");
    }
    IntentState intent = intents.get(intentId);
    if (intent == null) {
      throw StripeError.missingResource("payment_intent", intentId, "payment_intent");
    }
    if (!intent.status.equals("succeeded")) {
      throw StripeError.invalid(
          "payment_intent",
          null,
          "This PaymentIntent (" + intentId + ") does not have a successful charge to refund.");
    }
    long left = intent.amount - intent.amountRefunded;
    if (left == 0) {
      throw StripeError.invalid(
          null,
          "charge_already_refunded",
          "Charge " + intent.latestCharge + " has already been refunded.");
    }
    long amount = params.containsKey("amount") ? positiveAmount(params.get("amount")) : left;
    if (amount > left) {
      throw StripeError.invalid(
          "amount",
          "amount_too_large",
          "Refund amount ("
              + amount
              + ") is greater than unrefunded amount on charge ("
              + left
              + ").");
    }
    intent.amountRefunded += amount;
    RefundState refund = new RefundState();
    refund.paymentIntent = intentId;
    refund.charge = intent.latestCharge;
    refund.amount = amount;
    refund.currency = intent.currency;
    refund.reason = params.get("reason");
    refund.metadata = metadata(params);
    refunds.put(refund.id, refund);
    return refund;
  }

  private static long positiveAmount(String raw) throws StripeError {
    if (raw == null || raw.isEmpty()) {
      throw StripeError.invalid("amount", "parameter_missing", "Missing required param: amount.");
    }
    long amount;
    try {
      amount = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw StripeError.invalid("amount", "parameter_invalid_integer", "Invalid integer: " + raw);
    }
    if (amount < 1) {
      throw StripeError.invalid(
          "amount", "amount_too_small", "This value must be greater than or equal to 1.");
    }
    return amount;
  }

  /** {@code metadata[key]=value} form fields as a map, in request order. */
  static Map<String, String> metadata(Map<String, String> params) {
    Map<String, String> metadata = new LinkedHashMap<>();
    params.forEach(
        (name, value) -> {
          if (name.startsWith("metadata[") && name.endsWith("]")) {
            metadata.put(name.substring(9, name.length() - 1), value);
          }
        });
    return metadata;
  }

  static Map<String, Object> json(IntentState intent) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", intent.id);
    json.put("object", "payment_intent");
    json.put("amount", intent.amount);
    json.put("amount_capturable", 0);
    json.put("amount_received", intent.status.equals("succeeded") ? intent.amount : 0);
    json.put("canceled_at", intent.canceledAt);
    json.put("cancellation_reason", intent.cancellationReason);
    json.put("capture_method", "automatic");
    json.put("client_secret", intent.clientSecret);
    json.put("confirmation_method", "automatic");
    json.put("created", intent.created);
    json.put("currency", intent.currency);
    json.put("description", intent.description);
    json.put("last_payment_error", intent.lastPaymentError);
    json.put("latest_charge", intent.latestCharge);
    json.put("livemode", false);
    json.put("metadata", intent.metadata);
    json.put("payment_method", intent.paymentMethod);
    json.put("payment_method_types", List.of("card"));
    json.put("status", intent.status);
    return json;
  }

  static Map<String, Object> json(RefundState refund) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", refund.id);
    json.put("object", "refund");
    json.put("amount", refund.amount);
    json.put("charge", refund.charge);
    json.put("created", refund.created);
    json.put("currency", refund.currency);
    json.put("metadata", refund.metadata);
    json.put("payment_intent", refund.paymentIntent);
    json.put("reason", refund.reason);
    json.put("status", "succeeded");
    return json;
  }

  List<Map<String, Object>> intentList() {
    List<Map<String, Object>> out = new ArrayList<>();
    intents.values().forEach(i -> out.add(0, json(i)));
    return out;
  }
}
