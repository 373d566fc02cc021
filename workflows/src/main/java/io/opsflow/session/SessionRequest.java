package io.opsflow.session;

import java.math.BigDecimal;

/**
 * Input of {@link SessionWorkflow}: one paid, timed session on one station.
 *
 * @param sessionId id allocated by the API, also in the workflow id {@code session-<id>}
 * @param userId paying user
 * @param station the station as it was at request time
 * @param durationMinutes booked minutes
 * @param durationSeconds booked time in seconds when finer than minutes (tests, benchmarks); 0
 *     means durationMinutes
 * @param paymentMethod CASH, BALANCE or CARD
 * @param amount price of the booked time
 * @param currency ISO currency code, lower case like Stripe
 * @param settings timings and routing
 */
public record SessionRequest(
    long sessionId,
    long userId,
    StationTarget station,
    int durationMinutes,
    long durationSeconds,
    PaymentMethod paymentMethod,
    BigDecimal amount,
    String currency,
    SessionSettings settings) {

  public java.time.Duration duration() {
    return durationSeconds > 0
        ? java.time.Duration.ofSeconds(durationSeconds)
        : java.time.Duration.ofMinutes(durationMinutes);
  }

  public static String workflowId(long sessionId) {
    return "session-" + sessionId;
  }
}
