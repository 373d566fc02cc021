package io.opsflow.session;

import io.opsflow.events.EventLog;
import io.temporal.failure.ApplicationFailure;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sessions, payments and events in PostgreSQL. Each method checks whether its effect is already
 * there before doing it, so Temporal's retries are harmless.
 */
@Component
public class SessionActivitiesImpl implements SessionActivities {

  private static final String LIVE = "('PENDING', 'AWAITING_PAYMENT', 'ACTIVE')";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final EventLog events;

  public SessionActivitiesImpl(JdbcTemplate jdbc, TransactionTemplate tx, EventLog events) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.events = events;
  }

  @Override
  public void reserve(Reservation r) {
    Integer existing =
        jdbc.queryForObject(
            "select count(*) from sessions where id = ?", Integer.class, r.sessionId());
    if (existing != null && existing > 0) {
      return;
    }
    try {
      jdbc.update(
          "insert into sessions (id, station_id, user_id, status, payment_method, amount,"
              + " duration_minutes) values (?, ?, ?, 'PENDING', ?, ?, ?)",
          r.sessionId(),
          r.stationId(),
          r.userId(),
          r.paymentMethod().name(),
          r.amount(),
          r.durationMinutes());
    } catch (DataIntegrityViolationException e) {
      String message = String.valueOf(e.getMostSpecificCause().getMessage());
      if (message.contains("sessions_one_live_per_station")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "Station " + r.stationId() + " already has a live session",
            SessionFailure.STATION_UNAVAILABLE.name());
      }
      if (message.contains("user_id")) {
        throw ApplicationFailure.newNonRetryableFailure(
            "User " + r.userId() + " not found", SessionFailure.USER_NOT_FOUND.name());
      }
      throw e;
    }
  }

  @Override
  public PaymentRecord takePayment(PaymentCommand c) {
    PaymentRecord record = tx.execute(status -> takeInTransaction(c));
    if (record != null && "FAILED".equals(record.status())) {
      // The FAILED row is committed above; the session must not start.
      throw ApplicationFailure.newNonRetryableFailure(
          SessionFailure.INSUFFICIENT_BALANCE.defaultMessage(),
          SessionFailure.INSUFFICIENT_BALANCE.name());
    }
    return record;
  }

  private PaymentRecord takeInTransaction(PaymentCommand c) {
    List<PaymentRecord> existing =
        jdbc.query(
            "select id, method, status, amount from payments where idempotency_key = ?",
            (rs, i) ->
                new PaymentRecord(
                    rs.getLong(1),
                    PaymentMethod.valueOf(rs.getString(2)),
                    rs.getString(3),
                    rs.getBigDecimal(4)),
            c.idempotencyKey());
    if (!existing.isEmpty()) {
      return existing.get(0);
    }
    String status =
        switch (c.method()) {
          case CASH -> "COMPLETED";
          case CARD -> "PENDING";
          case BALANCE -> debit(c.userId(), c.amount()) ? "COMPLETED" : "FAILED";
        };
    Long id =
        jdbc.queryForObject(
            "insert into payments (session_id, user_id, method, purpose, amount, currency,"
                + " status, failure_reason, idempotency_key) values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " returning id",
            Long.class,
            c.sessionId(),
            c.userId(),
            c.method().name(),
            c.purpose(),
            c.amount(),
            c.currency(),
            status,
            "FAILED".equals(status) ? "Insufficient balance" : null,
            c.idempotencyKey());
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("payment_id", id);
    data.put("method", c.method().name());
    data.put("purpose", c.purpose());
    data.put("amount", c.amount());
    data.put("status", status);
    events.append("payment_" + status.toLowerCase(), null, c.sessionId(), data);
    return new PaymentRecord(id, c.method(), status, c.amount());
  }

  private boolean debit(long userId, BigDecimal amount) {
    int updated =
        jdbc.update(
            "update users set balance = balance - ? where id = ? and balance >= ?",
            amount,
            userId,
            amount);
    if (updated == 0) {
      Integer users =
          jdbc.queryForObject("select count(*) from users where id = ?", Integer.class, userId);
      if (users == null || users == 0) {
        throw ApplicationFailure.newNonRetryableFailure(
            "User " + userId + " not found", SessionFailure.USER_NOT_FOUND.name());
      }
    }
    return updated == 1;
  }

  @Override
  public void linkIntent(IntentLink link) {
    tx.executeWithoutResult(
        status -> {
          jdbc.update(
              "update payments set intent_id = ?, client_secret = ?, updated_at = now()"
                  + " where id = ?",
              link.intentId(),
              link.clientSecret(),
              link.paymentId());
          jdbc.update(
              "update sessions set status = 'AWAITING_PAYMENT' where status = 'PENDING'"
                  + " and id = (select session_id from payments where id = ?)",
              link.paymentId());
        });
  }

  @Override
  public void settlePayment(PaymentSettlement s) {
    tx.executeWithoutResult(
        status -> {
          int changed =
              jdbc.update(
                  "update payments set status = ?, transaction_id = ?, failure_reason = ?,"
                      + " updated_at = now() where id = ? and status = 'PENDING'",
                  s.succeeded() ? "COMPLETED" : "FAILED",
                  s.transactionId(),
                  s.reason(),
                  s.paymentId());
          if (changed == 1) {
            Long sessionId =
                jdbc.queryForObject(
                    "select session_id from payments where id = ?", Long.class, s.paymentId());
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("payment_id", s.paymentId());
            data.put("status", s.succeeded() ? "COMPLETED" : "FAILED");
            if (s.reason() != null) {
              data.put("reason", s.reason());
            }
            events.append(
                s.succeeded() ? "payment_completed" : "payment_failed", null, sessionId, data);
          }
        });
  }

  @Override
  public void refund(RefundRecord r) {
    tx.executeWithoutResult(
        status -> {
          List<Object[]> rows =
              jdbc.query(
                  "select method, amount, user_id, session_id from payments"
                      + " where id = ? and status = 'COMPLETED' for update",
                  (rs, i) ->
                      new Object[] {
                        rs.getString(1), rs.getBigDecimal(2), rs.getLong(3), rs.getLong(4)
                      },
                  r.paymentId());
          if (rows.isEmpty()) {
            return; // already refunded, or never completed
          }
          Object[] p = rows.get(0);
          if (PaymentMethod.BALANCE.name().equals(p[0])) {
            jdbc.update("update users set balance = balance + ? where id = ?", p[1], p[2]);
          }
          jdbc.update(
              "update payments set status = 'REFUNDED', refund_reference = ?, updated_at = now()"
                  + " where id = ?",
              r.reference(),
              r.paymentId());
          events.append(
              "payment_refunded",
              null,
              (Long) p[3],
              Map.of("payment_id", r.paymentId(), "amount", p[1]));
        });
  }

  @Override
  public void activate(Activation a) {
    tx.executeWithoutResult(
        status -> {
          Long stationId =
              jdbc.query(
                  "update sessions set status = 'ACTIVE', started_at = ?, scheduled_end_at = ?"
                      + " where id = ? and status in ('PENDING', 'AWAITING_PAYMENT')"
                      + " returning station_id",
                  rs -> rs.next() ? rs.getLong(1) : null,
                  Timestamp.from(a.startedAt()),
                  Timestamp.from(a.scheduledEndAt()),
                  a.sessionId());
          if (stationId != null) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("started_at", a.startedAt().toString());
            data.put("scheduled_end_at", a.scheduledEndAt().toString());
            events.append("session_started", stationId, a.sessionId(), data);
          }
        });
  }

  @Override
  public void extend(Extension e) {
    tx.executeWithoutResult(
        status -> {
          Long stationId =
              jdbc.query(
                  "update sessions set extended_minutes = ?, scheduled_end_at = ?"
                      + " where id = ? and status = 'ACTIVE' and extended_minutes < ?"
                      + " returning station_id",
                  rs -> rs.next() ? rs.getLong(1) : null,
                  e.totalExtendedMinutes(),
                  Timestamp.from(e.scheduledEndAt()),
                  e.sessionId(),
                  e.totalExtendedMinutes());
          if (stationId != null) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("additional_minutes", e.additionalMinutes());
            data.put("extended_minutes", e.totalExtendedMinutes());
            data.put("scheduled_end_at", e.scheduledEndAt().toString());
            data.put("payment_id", e.paymentId());
            events.append("session_extended", stationId, e.sessionId(), data);
          }
        });
  }

  @Override
  public void end(Ending ending) {
    tx.executeWithoutResult(
        status -> {
          // actual_end_at is the database's clock at the moment the row changes, as in the seed.
          List<Object[]> rows =
              jdbc.query(
                  "update sessions set status = ?, actual_end_at = clock_timestamp(),"
                      + " end_reason = ? where id = ? and status in "
                      + LIVE
                      + " returning station_id, actual_end_at, scheduled_end_at",
                  (rs, i) -> new Object[] {rs.getLong(1), rs.getTimestamp(2), rs.getTimestamp(3)},
                  ending.status().name(),
                  ending.reason(),
                  ending.sessionId());
          if (rows.isEmpty()) {
            return;
          }
          Map<String, Object> data = new LinkedHashMap<>();
          data.put("status", ending.status().name());
          data.put("reason", ending.reason());
          data.put("actual_end_at", ((Timestamp) rows.get(0)[1]).toInstant().toString());
          if (rows.get(0)[2] != null) {
            data.put("scheduled_end_at", ((Timestamp) rows.get(0)[2]).toInstant().toString());
          }
          events.append(
              "session_" + ending.status().name().toLowerCase(),
              (Long) rows.get(0)[0],
              ending.sessionId(),
              data);
        });
  }

  @Override
  public void recordEvent(SessionEvent event) {
    events.append(event.type(), event.stationId(), event.sessionId(), event.data());
  }

  @Override
  public String agentRoute(long stationId) {
    List<String> queues =
        jdbc.queryForList(
            "select agent_queue from stations where id = ? and status <> 'OFFLINE'",
            String.class,
            stationId);
    return queues.isEmpty() ? null : queues.get(0);
  }
}
