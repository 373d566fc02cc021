package io.opsflow.simulators;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A card payment gateway shaped like Stripe's REST API (test mode): form-encoded requests, Bearer
 * secret key, {@code Idempotency-Key} replay, payment intents and refunds.
 *
 * <p>Endpoints: {@code POST /v1/payment_intents}, {@code GET /v1/payment_intents[/{id}]}, {@code
 * POST /v1/payment_intents/{id}/confirm}, {@code POST /v1/payment_intents/{id}/cancel}, {@code POST
 * /v1/refunds}, {@code GET /v1/refunds/{id}}. Confirming with {@code pm_card_chargeDeclined} (or
 * {@code ...InsufficientFunds}, {@code ...ExpiredCard}) declines like Stripe does: HTTP 402 with a
 * {@code card_error} that embeds the intent, which is left in {@code requires_payment_method} with
 * {@code last_payment_error}; any other payment method succeeds.
 */
public final class CardGatewaySimulator extends HttpSimulator {

  /** Snapshot of a payment intent. */
  public record Intent(
      String id,
      long amount,
      String currency,
      String status,
      String clientSecret,
      String paymentMethod,
      String lastPaymentErrorCode,
      Map<String, String> metadata,
      long amountRefunded) {}

  /** Snapshot of a refund. */
  public record Refund(String id, String paymentIntent, long amount, String currency) {}

  /** A stored response for an idempotency key and the request it answered. */
  private record Replay(String request, int status, Object body, boolean replayed) {}

  private final String secretKey;
  private final CardLedger ledger = new CardLedger();
  private final Map<String, Replay> idempotency = new HashMap<>();

  private CardGatewaySimulator(String secretKey) {
    this.secretKey = Objects.requireNonNull(secretKey);
  }

  /** Starts a gateway on a free port that accepts {@code secretKey}. */
  public static CardGatewaySimulator start(String secretKey) throws IOException {
    return start(0, secretKey);
  }

  /** Starts a gateway on {@code port} (0 = free port) that accepts {@code secretKey}. */
  public static CardGatewaySimulator start(int port, String secretKey) throws IOException {
    CardGatewaySimulator gateway = new CardGatewaySimulator(secretKey);
    gateway.bind(port);
    return gateway;
  }

  @Override
  protected void handle(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Request-Id", "req_" + CardLedger.randomId(14));
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (!("Bearer " + secretKey).equals(auth)) {
      String message =
          auth == null
              ? "You did not provide an API key. Provide it as 'Authorization: Bearer <key>'."
              : "Invalid API Key provided.";
      Http.sendJson(exchange, 401, StripeError.authentication(message).body());
      return;
    }
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    Map<String, String> params =
        method.equals("POST") ? Http.urlEncoded(Http.body(exchange)) : Http.query(exchange);
    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    Replay response;
    try {
      response = respond(method, path, params, method.equals("POST") ? key : null);
    } catch (StripeError e) {
      response = new Replay(null, e.status, e.body(), false);
    }
    if (key != null && method.equals("POST")) {
      exchange.getResponseHeaders().set("Idempotency-Key", key);
      exchange.getResponseHeaders().set("Idempotent-Replayed", String.valueOf(response.replayed()));
    }
    Http.sendJson(exchange, response.status(), response.body());
  }

  // Locked as a whole so two requests with one key cannot both execute.
  private synchronized Replay respond(
      String method, String path, Map<String, String> params, String key) throws StripeError {
    String request = method + " " + path + " " + new TreeMap<>(params);
    if (key != null) {
      Replay earlier = idempotency.get(key);
      if (earlier != null) {
        if (!earlier.request().equals(request)) {
          throw StripeError.invalid(
              null,
              "idempotency_key_in_use",
              "Keys for idempotent requests can only be used with the same parameters they were"
                  + " first used with. Try using a key other than '"
                  + key
                  + "' if you meant to execute a different request.");
        }
        return new Replay(earlier.request(), earlier.status(), earlier.body(), true);
      }
    }
    // Validation errors are thrown and, as on Stripe, not stored under the key.
    Replay response = route(method, path, params, request);
    if (key != null) {
      idempotency.put(key, response);
    }
    return response;
  }

  private Replay route(String method, String path, Map<String, String> params, String request)
      throws StripeError {
    String[] parts = path.split("/");
    // parts: "", "v1", resource, id, action
    if (parts.length < 3 || !parts[1].equals("v1")) {
      throw StripeError.unknownUrl(method, path);
    }
    String resource = parts[2];
    String id = parts.length > 3 ? parts[3] : null;
    String action = parts.length > 4 ? parts[4] : null;
    if (parts.length > 5) {
      throw StripeError.unknownUrl(method, path);
    }
    Object body;
    int status = 200;
    switch (method
        + " "
        + resource
        + (id == null ? "" : "/id")
        + (action == null ? "" : "/" + action)) {
      case "POST payment_intents" -> {
        CardLedger.IntentState intent = ledger.create(params);
        Map<String, Object> decline = null;
        if ("true".equals(params.get("confirm"))) {
          decline = ledger.confirm(intent, null);
        }
        body = decline == null ? CardLedger.json(intent) : declined(decline, intent);
        status = decline == null ? 200 : 402;
      }
      case "GET payment_intents" ->
          body =
              Map.of(
                  "object",
                  "list",
                  "data",
                  ledger.intentList(),
                  "has_more",
                  false,
                  "url",
                  "/v1/payment_intents");
      case "GET payment_intents/id" -> body = CardLedger.json(ledger.intent(id));
      case "POST payment_intents/id/confirm" -> {
        CardLedger.IntentState intent = ledger.intent(id);
        Map<String, Object> decline = ledger.confirm(intent, params.get("payment_method"));
        body = decline == null ? CardLedger.json(intent) : declined(decline, intent);
        status = decline == null ? 200 : 402;
      }
      case "POST payment_intents/id/cancel" -> {
        CardLedger.IntentState intent = ledger.intent(id);
        ledger.cancel(intent, params.get("cancellation_reason"));
        body = CardLedger.json(intent);
      }
      case "POST refunds" -> body = CardLedger.json(ledger.createRefund(params));
      case "GET refunds/id" -> body = CardLedger.json(ledger.refund(id));
      default -> throw StripeError.unknownUrl(method, path);
    }
    return new Replay(request, status, body, false);
  }

  private static Map<String, Object> declined(
      Map<String, Object> lastError, CardLedger.IntentState intent) {
    Map<String, Object> error = new LinkedHashMap<>(lastError);
    error.put("payment_intent", CardLedger.json(intent));
    return Map.of("error", error);
  }

  /** The intent with {@code id}, or {@code null} if unknown. */
  public synchronized Intent intent(String id) {
    CardLedger.IntentState state = ledger.intents().get(id);
    return state == null ? null : snapshot(state);
  }

  /** All intents in creation order. */
  public synchronized List<Intent> intents() {
    return ledger.intents().values().stream().map(CardGatewaySimulator::snapshot).toList();
  }

  /** How many payment intents exist (idempotent replays do not add any). */
  public synchronized int intentCount() {
    return ledger.intents().size();
  }

  /** All refunds in creation order. */
  public synchronized List<Refund> refunds() {
    return ledger.refunds().values().stream()
        .map(r -> new Refund(r.id, r.paymentIntent, r.amount, r.currency))
        .toList();
  }

  /**
   * Confirms {@code intentId} with {@code paymentMethod} as the customer's browser would (same
   * rules as {@code POST /v1/payment_intents/{id}/confirm}) and returns the resulting intent.
   *
   * @throws IllegalArgumentException if the intent does not exist
   * @throws IllegalStateException if the intent cannot be confirmed in its current status
   */
  public synchronized Intent confirm(String intentId, String paymentMethod) {
    CardLedger.IntentState state = ledger.intents().get(intentId);
    if (state == null) {
      throw new IllegalArgumentException("No such payment_intent: '" + intentId + "'");
    }
    try {
      ledger.confirm(state, paymentMethod);
    } catch (StripeError e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    return snapshot(state);
  }

  private static Intent snapshot(CardLedger.IntentState s) {
    Object code = s.lastPaymentError == null ? null : s.lastPaymentError.get("code");
    return new Intent(
        s.id,
        s.amount,
        s.currency,
        s.status,
        s.clientSecret,
        s.paymentMethod,
        code == null ? null : code.toString(),
        Map.copyOf(s.metadata),
        s.amountRefunded);
  }
}
