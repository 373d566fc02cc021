package io.opsflow.session;

import io.temporal.activity.ActivityInterface;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * Persistence of sessions, payments and events. Every method is idempotent: a retry after a lost
 * reply finds the effect already there and returns the same result.
 */
@ActivityInterface(namePrefix = "Session")
public interface SessionActivities {

  /** Inserts the session row as PENDING; fails STATION_UNAVAILABLE if the station is taken. */
  void reserve(Reservation reservation);

  /**
   * Takes a payment: CASH completes, BALANCE debits or fails INSUFFICIENT_BALANCE, CARD stays
   * PENDING until settled. Keyed by the idempotency key.
   */
  PaymentRecord takePayment(PaymentCommand command);

  /** Remembers the gateway's payment intent of a pending card payment. */
  void linkIntent(IntentLink link);

  /** Completes or fails a pending card payment. */
  void settlePayment(PaymentSettlement settlement);

  /** Gives a payment back: credit to the balance, or marks a cash/card refund as done. */
  void refund(RefundRecord refund);

  /** Marks the session ACTIVE with its start and scheduled end. */
  void activate(Activation activation);

  /** Records an extension: absolute totals, so a retry does not add twice. */
  void extend(Extension extension);

  /** Ends a live session as EXPIRED, STOPPED or FAILED, with actual_end_at = now. */
  void end(Ending ending);

  /** Appends a row to the events table and notifies live dashboards. */
  void recordEvent(SessionEvent event);

  /** Task queue of the process holding the station's agent socket, or null when offline. */
  String agentRoute(long stationId);

  record Reservation(
      long sessionId,
      long stationId,
      long userId,
      int durationMinutes,
      PaymentMethod paymentMethod,
      BigDecimal amount) {}

  record PaymentCommand(
      long sessionId,
      long userId,
      PaymentMethod method,
      BigDecimal amount,
      String currency,
      String purpose,
      String idempotencyKey) {}

  record PaymentRecord(long paymentId, PaymentMethod method, String status, BigDecimal amount) {}

  record IntentLink(long paymentId, String intentId, String clientSecret) {}

  record PaymentSettlement(
      long paymentId, boolean succeeded, String transactionId, String reason) {}

  record RefundRecord(long paymentId, String reference) {}

  record Activation(long sessionId, Instant startedAt, Instant scheduledEndAt) {}

  record Extension(
      long sessionId,
      long paymentId,
      int additionalMinutes,
      int totalExtendedMinutes,
      Instant scheduledEndAt) {}

  record Ending(long sessionId, SessionStatus status, String reason) {}

  record SessionEvent(String type, long stationId, long sessionId, Map<String, Object> data) {}
}
