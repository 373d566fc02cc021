package io.opsflow.session.db;

import io.opsflow.session.PaymentMethod;
import io.opsflow.session.SessionStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;

/** A session as operators read it. Written only by the session activities. */
@Entity
@Table(name = "sessions")
public class SessionRow {

  @Id private Long id;

  @Column(name = "station_id")
  private long stationId;

  @Column(name = "user_id")
  private long userId;

  @Enumerated(EnumType.STRING)
  private SessionStatus status;

  @Enumerated(EnumType.STRING)
  @Column(name = "payment_method")
  private PaymentMethod paymentMethod;

  private BigDecimal amount;

  @Column(name = "duration_minutes")
  private int durationMinutes;

  @Column(name = "extended_minutes")
  private int extendedMinutes;

  @Column(name = "started_at")
  private Instant startedAt;

  @Column(name = "scheduled_end_at")
  private Instant scheduledEndAt;

  @Column(name = "actual_end_at")
  private Instant actualEndAt;

  @Column(name = "end_reason")
  private String endReason;

  @Column(name = "created_at")
  private Instant createdAt;

  protected SessionRow() {}

  public Long getId() {
    return id;
  }

  public long getStationId() {
    return stationId;
  }

  public long getUserId() {
    return userId;
  }

  public SessionStatus getStatus() {
    return status;
  }

  public PaymentMethod getPaymentMethod() {
    return paymentMethod;
  }

  public BigDecimal getAmount() {
    return amount;
  }

  public int getDurationMinutes() {
    return durationMinutes;
  }

  public int getExtendedMinutes() {
    return extendedMinutes;
  }

  public Instant getStartedAt() {
    return startedAt;
  }

  public Instant getScheduledEndAt() {
    return scheduledEndAt;
  }

  public Instant getActualEndAt() {
    return actualEndAt;
  }

  public String getEndReason() {
    return endReason;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }
}
