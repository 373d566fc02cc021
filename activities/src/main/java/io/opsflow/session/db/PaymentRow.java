package io.opsflow.session.db;

import io.opsflow.session.PaymentMethod;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;

/** A payment for a session start or extension. Written only by the session activities. */
@Entity
@Table(name = "payments")
public class PaymentRow {

  @Id private Long id;

  @Column(name = "session_id")
  private long sessionId;

  @Column(name = "user_id")
  private long userId;

  @Enumerated(EnumType.STRING)
  private PaymentMethod method;

  private String purpose;
  private BigDecimal amount;
  private String currency;
  private String status;

  @Column(name = "transaction_id")
  private String transactionId;

  @Column(name = "intent_id")
  private String intentId;

  @Column(name = "client_secret")
  private String clientSecret;

  @Column(name = "failure_reason")
  private String failureReason;

  @Column(name = "refund_reference")
  private String refundReference;

  @Column(name = "idempotency_key")
  private String idempotencyKey;

  @Column(name = "created_at")
  private Instant createdAt;

  @Column(name = "updated_at")
  private Instant updatedAt;

  protected PaymentRow() {}

  public Long getId() {
    return id;
  }

  public long getSessionId() {
    return sessionId;
  }

  public long getUserId() {
    return userId;
  }

  public PaymentMethod getMethod() {
    return method;
  }

  public String getPurpose() {
    return purpose;
  }

  public BigDecimal getAmount() {
    return amount;
  }

  public String getCurrency() {
    return currency;
  }

  public String getStatus() {
    return status;
  }

  public String getTransactionId() {
    return transactionId;
  }

  public String getIntentId() {
    return intentId;
  }

  public String getClientSecret() {
    return clientSecret;
  }

  public String getFailureReason() {
    return failureReason;
  }

  public String getRefundReference() {
    return refundReference;
  }

  public String getIdempotencyKey() {
    return idempotencyKey;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }

  public Instant getUpdatedAt() {
    return updatedAt;
  }
}
