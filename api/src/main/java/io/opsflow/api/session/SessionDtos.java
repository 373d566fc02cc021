package io.opsflow.api.session;

import io.opsflow.session.PaymentMethod;
import io.opsflow.session.SessionStatus;
import io.opsflow.session.SessionView;
import io.opsflow.session.db.SessionRow;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** Session requests and responses, with the seed's JSON field names. */
public final class SessionDtos {

  private SessionDtos() {}

  /**
   * {@code POST /api/v1/sessions/start}: the seed's {@code station_id, duration, user_id}, plus the
   * payment of diagram 6.
   *
   * @param duration minutes
   * @param paymentMethod CASH (default), BALANCE or CARD
   * @param amount price; computed from the station's hourly rate when absent
   */
  public record StartSession(
      @NotNull @Positive Long stationId,
      @NotNull @Min(1) @Max(1440) Integer duration,
      @NotNull @Positive Long userId,
      PaymentMethod paymentMethod,
      @DecimalMin("0.00") @Digits(integer = 10, fraction = 2) BigDecimal amount) {}

  /** {@code PUT /api/v1/sessions/{id}/extend}. */
  public record ExtendSession(
      @NotNull @Min(1) @Max(1440) Integer additionalMinutes, PaymentMethod paymentMethod) {}

  /** A session as operators see it. */
  public record SessionResponse(
      long id,
      String workflowId,
      long stationId,
      long userId,
      SessionStatus status,
      PaymentMethod paymentMethod,
      BigDecimal amount,
      int durationMinutes,
      int extendedMinutes,
      Instant startedAt,
      Instant scheduledEndAt,
      Instant actualEndAt,
      Long remainingSeconds,
      String endReason,
      Long paymentId,
      String clientSecret,
      Instant createdAt) {

    static SessionResponse of(SessionRow row, SessionView view, Instant now) {
      Long remaining = null;
      if (row.getStatus() == SessionStatus.ACTIVE && row.getScheduledEndAt() != null) {
        remaining = Math.max(0, Duration.between(now, row.getScheduledEndAt()).toSeconds());
      }
      return new SessionResponse(
          row.getId(),
          io.opsflow.session.SessionRequest.workflowId(row.getId()),
          row.getStationId(),
          row.getUserId(),
          row.getStatus(),
          row.getPaymentMethod(),
          row.getAmount(),
          row.getDurationMinutes(),
          row.getExtendedMinutes(),
          row.getStartedAt(),
          row.getScheduledEndAt(),
          row.getActualEndAt(),
          remaining,
          row.getEndReason(),
          view == null ? null : view.paymentId(),
          view == null || row.getStatus() != SessionStatus.AWAITING_PAYMENT
              ? null
              : view.clientSecret(),
          row.getCreatedAt());
    }
  }
}
