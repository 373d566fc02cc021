package io.opsflow.simulators;

import java.util.LinkedHashMap;
import java.util.Map;

/** A Stripe-style API error: HTTP status plus the {@code {"error":{...}}} body. */
final class StripeError extends Exception {

  final int status;
  final Map<String, Object> error = new LinkedHashMap<>();

  private StripeError(int status, String type, String code, String param, String message) {
    super(message, null, false, false);
    this.status = status;
    if (code != null) {
      error.put("code", code);
    }
    error.put("message", message);
    if (param != null) {
      error.put("param", param);
    }
    error.put("type", type);
  }

  static StripeError invalid(String param, String code, String message) {
    return new StripeError(400, "invalid_request_error", code, param, message);
  }

  static StripeError missingResource(String kind, String id, String param) {
    return new StripeError(
        404,
        "invalid_request_error",
        "resource_missing",
        param,
        "No such " + kind + ": '" + id + "'");
  }

  static StripeError unexpectedState(String message) {
    return new StripeError(
        400, "invalid_request_error", "payment_intent_unexpected_state", null, message);
  }

  static StripeError authentication(String message) {
    return new StripeError(401, "authentication_error", null, null, message);
  }

  static StripeError unknownUrl(String method, String path) {
    return new StripeError(
        404,
        "invalid_request_error",
        null,
        null,
        "Unrecognized request URL (" + method + ": " + path + ").");
  }

  Map<String, Object> body() {
    return Map.of("error", error);
  }
}
