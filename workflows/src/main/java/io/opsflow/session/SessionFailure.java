package io.opsflow.session;

/**
 * Named failures, used as {@code ApplicationFailure} types so the API can map each to an HTTP
 * status. The messages of NOT_ACTIVE, ALREADY_ENDED and INSUFFICIENT_BALANCE are the seed's.
 */
public enum SessionFailure {
  STATION_UNAVAILABLE("Station is not available"),
  USER_NOT_FOUND("User not found"),
  INSUFFICIENT_BALANCE("Insufficient balance"),
  PAYMENT_FAILED("Payment required"),
  PAYMENT_TIMEOUT("Payment was not confirmed in time"),
  PAYMENT_NOT_PENDING("Payment is not pending"),
  GATEWAY_UNAVAILABLE("Card gateway unavailable; the payment is still pending"),
  DEVICE_UNAVAILABLE("Station could not be started"),
  NOT_ACTIVE("Cannot extend inactive session"),
  ALREADY_ENDED("Session already ended"),
  INVALID_REQUEST("Invalid request");

  private final String defaultMessage;

  SessionFailure(String defaultMessage) {
    this.defaultMessage = defaultMessage;
  }

  public String defaultMessage() {
    return defaultMessage;
  }

  /**
   * The failure whose default message this is, or null. A fallback to {@link #fromType}: update
   * validator rejections reached the client without their type before SDK 1.39 (sdk-java #2875),
   * only with their message.
   */
  public static SessionFailure fromMessage(String message) {
    for (SessionFailure f : values()) {
      if (f.defaultMessage.equals(message)) {
        return f;
      }
    }
    return null;
  }

  /** The failure named by an ApplicationFailure type, or null for a type that is not ours. */
  public static SessionFailure fromType(String type) {
    for (SessionFailure f : values()) {
      if (f.name().equals(type)) {
        return f;
      }
    }
    return null;
  }
}
