package io.opsflow.session;

import io.temporal.failure.ApplicationFailure;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * In-memory sessions, payments and balances. Every effect is recorded with the test server's time
 * at which the activity ran.
 */
final class FakeSessionActivities implements SessionActivities {

  /** A session row. */
  static final class Row {
    final long sessionId;
    final long stationId;
    SessionStatus status = SessionStatus.PENDING;
    Instant startedAt;
    Instant scheduledEndAt;

    Row(long sessionId, long stationId) {
      this.sessionId = sessionId;
      this.stationId = stationId;
    }
  }

  /** A payment row. */
  static final class Payment {
    final long id;
    final long sessionId;
    final long userId;
    final PaymentMethod method;
    final BigDecimal amount;
    final String purpose;
    final String idempotencyKey;
    String status;
    String intentId;
    String transactionId;

    Payment(long id, PaymentCommand command, String status) {
      this.id = id;
      this.sessionId = command.sessionId();
      this.userId = command.userId();
      this.method = command.method();
      this.amount = command.amount();
      this.purpose = command.purpose();
      this.idempotencyKey = command.idempotencyKey();
      this.status = status;
    }
  }

  record Ended(long sessionId, SessionStatus status, String reason, long atMillis) {}

  record Refunded(long paymentId, String reference, long atMillis) {}

  record Extended(Extension extension, long atMillis) {}

  record Recorded(SessionEvent event, long atMillis) {}

  private final LongSupplier clock;
  private final Map<Long, Row> rows = new LinkedHashMap<>();
  private final Map<String, Payment> paymentsByKey = new LinkedHashMap<>();
  private final Map<Long, BigDecimal> balances = new HashMap<>();
  private final Map<Long, String> agentRoutes = new HashMap<>();
  private final List<Ended> endings = new ArrayList<>();
  private final List<Refunded> refunds = new ArrayList<>();
  private final List<Extended> extensions = new ArrayList<>();
  private final List<Recorded> events = new ArrayList<>();
  private long nextPaymentId = 100;

  FakeSessionActivities(LongSupplier clock) {
    this.clock = clock;
  }

  // ---- test set-up -------------------------------------------------------------------------

  synchronized void setBalance(long userId, BigDecimal balance) {
    balances.put(userId, balance);
  }

  /** Routes the station's agent messages to a queue; null means the agent is offline. */
  synchronized void routeAgent(long stationId, String queue) {
    agentRoutes.put(stationId, queue);
  }

  // ---- assertions ----------------------------------------------------------------------------

  synchronized BigDecimal balance(long userId) {
    return balances.getOrDefault(userId, BigDecimal.ZERO);
  }

  synchronized Optional<Row> row(long sessionId) {
    return Optional.ofNullable(rows.get(sessionId));
  }

  synchronized List<Ended> endings(long sessionId) {
    return endings.stream().filter(e -> e.sessionId() == sessionId).toList();
  }

  synchronized List<Payment> payments(long sessionId) {
    return paymentsByKey.values().stream().filter(p -> p.sessionId == sessionId).toList();
  }

  synchronized List<Refunded> refunds() {
    return List.copyOf(refunds);
  }

  synchronized List<Extended> extensions() {
    return List.copyOf(extensions);
  }

  synchronized List<Recorded> events(long sessionId) {
    return events.stream().filter(e -> e.event().sessionId() == sessionId).toList();
  }

  /** Calls of reserve and end that failed as the database would while it is down. */
  private int outageFailuresLeft;

  private int outageFailures;

  /** The next {@code calls} calls of reserve and end fail as a database that is down would. */
  synchronized void databaseDownFor(int calls) {
    outageFailuresLeft = calls;
  }

  synchronized int outageFailures() {
    return outageFailures;
  }

  /**
   * The next reserve commits its row and then the database goes away before it answers (and stays
   * away until {@link #databaseDownFor} says otherwise).
   */
  synchronized void reserveCommitsThenDatabaseGoesDown() {
    commitThenDown = true;
  }

  private boolean commitThenDown;

  private void failWhileDown(String call) {
    if (outageFailuresLeft > 0) {
      outageFailuresLeft--;
      outageFailures++;
      // What the JDBC driver throws while PostgreSQL restarts: an ordinary (retryable) exception.
      throw new IllegalStateException(
          call + ": FATAL: the database system is starting up (SQLState 57P03)");
    }
  }

  // ---- SessionActivities ---------------------------------------------------------------------

  @Override
  public synchronized void reserve(Reservation reservation) {
    if (commitThenDown) {
      commitThenDown = false;
      rows.put(reservation.sessionId(), new Row(reservation.sessionId(), reservation.stationId()));
      outageFailuresLeft = Integer.MAX_VALUE;
      outageFailures++;
      throw new IllegalStateException(
          "reserve: An I/O error occurred while sending to the backend");
    }
    failWhileDown("reserve");
    if (rows.containsKey(reservation.sessionId())) {
      return; // retried after a lost reply
    }
    boolean taken =
        rows.values().stream()
            .anyMatch(r -> r.stationId == reservation.stationId() && r.status.isLive());
    if (taken) {
      throw ApplicationFailure.newNonRetryableFailure(
          SessionFailure.STATION_UNAVAILABLE.defaultMessage(),
          SessionFailure.STATION_UNAVAILABLE.name());
    }
    rows.put(reservation.sessionId(), new Row(reservation.sessionId(), reservation.stationId()));
  }

  @Override
  public synchronized PaymentRecord takePayment(PaymentCommand command) {
    Payment payment = paymentsByKey.get(command.idempotencyKey());
    if (payment == null) {
      String status =
          switch (command.method()) {
            case CASH -> "COMPLETED";
            case BALANCE -> {
              BigDecimal balance = balance(command.userId());
              if (balance.compareTo(command.amount()) < 0) {
                throw ApplicationFailure.newNonRetryableFailure(
                    "Insufficient balance", "INSUFFICIENT_BALANCE");
              }
              balances.put(command.userId(), balance.subtract(command.amount()));
              yield "COMPLETED";
            }
            case CARD -> "PENDING";
          };
      payment = new Payment(nextPaymentId++, command, status);
      paymentsByKey.put(command.idempotencyKey(), payment);
    }
    return new PaymentRecord(payment.id, payment.method, payment.status, payment.amount);
  }

  @Override
  public synchronized void linkIntent(IntentLink link) {
    payment(link.paymentId()).intentId = link.intentId();
  }

  @Override
  public synchronized void settlePayment(PaymentSettlement settlement) {
    Payment payment = payment(settlement.paymentId());
    payment.status = settlement.succeeded() ? "COMPLETED" : "FAILED";
    payment.transactionId = settlement.transactionId();
  }

  @Override
  public synchronized void refund(RefundRecord refund) {
    Payment payment = payment(refund.paymentId());
    if ("REFUNDED".equals(payment.status)) {
      return;
    }
    if (payment.method == PaymentMethod.BALANCE) {
      balances.put(payment.userId, balance(payment.userId).add(payment.amount));
    }
    payment.status = "REFUNDED";
    refunds.add(new Refunded(refund.paymentId(), refund.reference(), clock.getAsLong()));
  }

  @Override
  public synchronized void activate(Activation activation) {
    Row row = rows.get(activation.sessionId());
    row.status = SessionStatus.ACTIVE;
    row.startedAt = activation.startedAt();
    row.scheduledEndAt = activation.scheduledEndAt();
  }

  @Override
  public synchronized void extend(Extension extension) {
    rows.get(extension.sessionId()).scheduledEndAt = extension.scheduledEndAt();
    extensions.add(new Extended(extension, clock.getAsLong()));
  }

  @Override
  public synchronized void end(Ending ending) {
    failWhileDown("end");
    Row row = rows.get(ending.sessionId());
    if (row == null || !row.status.isLive()) {
      return; // already ended: a retry after a lost reply
    }
    row.status = ending.status();
    endings.add(new Ended(ending.sessionId(), ending.status(), ending.reason(), clock.getAsLong()));
  }

  @Override
  public synchronized void recordEvent(SessionEvent event) {
    events.add(new Recorded(event, clock.getAsLong()));
  }

  @Override
  public synchronized String agentRoute(long stationId) {
    return agentRoutes.get(stationId);
  }

  private Payment payment(long paymentId) {
    return paymentsByKey.values().stream()
        .filter(p -> p.id == paymentId)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no payment " + paymentId));
  }
}
