package io.opsflow.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opsflow.session.FakeAgent.Delivered;
import io.opsflow.session.FakeSessionActivities.Ended;
import io.opsflow.session.FakeSessionActivities.Payment;
import io.opsflow.session.FakeStationDevices.PlugCall;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The session workflow against in-memory fakes on the time-skipping test server.
 *
 * <p>Times: fakes record the test server's clock when an activity runs. A durable timer fires at
 * its due time plus the real milliseconds the workflow task that set it took (the server's clock
 * runs in real time while a task is in flight, and the timer is started when the task completes),
 * and the activity that records the effect runs a few real milliseconds later. Observed: 5-30 ms.
 * "On time" below therefore means: not before the due time and at most {@link #ON_TIME} after it,
 * where an expiry delayed by anything the workflow waits on (a device retry, a minute) would fail.
 */
class SessionWorkflowTest {

  private static final Duration ON_TIME = Duration.ofSeconds(1);
  private static final String SESSIONS_QUEUE = "sessions-test";
  private static final String AGENTS_QUEUE = "agents-test";
  private static final long USER = 42;
  private static final StationTarget PC =
      new StationTarget(7, StationType.PC, null, null, null, new BigDecimal("4.00"));
  private static final StationTarget CONSOLE =
      new StationTarget(
          9, StationType.CONSOLE, "http://10.0.9.2", null, null, new BigDecimal("6.00"));
  private static final StationTarget CONSOLE_WITH_ROUTER =
      new StationTarget(
          11,
          StationType.CONSOLE,
          "http://10.0.11.2",
          "AA:BB:CC:00:00:11",
          "10.0.11.50",
          new BigDecimal("6.00"));

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeSessionActivities db;
  private FakePaymentGateway gateway;
  private FakeStationDevices devices;
  private FakeAgent agent;

  @BeforeEach
  void startTestServer() {
    env = TestWorkflowEnvironment.newInstance(); // time skipping is on by default
    LongSupplier clock = env::currentTimeMillis;
    db = new FakeSessionActivities(clock);
    gateway = new FakePaymentGateway();
    devices = new FakeStationDevices(clock);
    agent = new FakeAgent(clock);
    db.routeAgent(PC.stationId(), AGENTS_QUEUE);
    db.setBalance(USER, new BigDecimal("50.00"));

    Worker sessions = env.newWorker(SESSIONS_QUEUE);
    sessions.registerWorkflowImplementationTypes(SessionWorkflowImpl.class);
    sessions.registerActivitiesImplementations(db);
    Worker deviceWorker = env.newWorker(SessionSettings.defaults().devicesTaskQueue());
    deviceWorker.registerActivitiesImplementations(gateway, devices);
    Worker agents = env.newWorker(AGENTS_QUEUE);
    agents.registerActivitiesImplementations(agent);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stopTestServer() {
    env.close();
  }

  // ---- expiry, extension, stop ---------------------------------------------------------------

  @Test
  void startExpiresExactlyAtScheduledEnd() throws IOException {
    SessionView started = start(request(1, PC, PaymentMethod.CASH, 60));

    assertThat(started.status()).isEqualTo(SessionStatus.ACTIVE);
    Instant end = started.startedAt().plus(Duration.ofMinutes(60));
    assertThat(started.scheduledEndAt()).isEqualTo(end);

    SessionView ended = result(1);
    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertOnTime(ended.endedAt().toEpochMilli(), end);
    Ended ending = onlyEnding(1);
    assertThat(ending.status()).isEqualTo(SessionStatus.EXPIRED);
    assertOnTime(ending.atMillis(), end);

    assertThat(agent.types(1))
        .containsExactly("session_start", "session_warning", "session_expired");
    Delivered hello = agent.only(1, "session_start");
    assertThat(hello.number("duration_seconds")).isEqualTo(3600);
    assertThat(hello.fields()).containsEntry("scheduled_end_at", end.toString());
    assertOnTime(agent.only(1, "session_warning").atMillis(), end.minusSeconds(60));
    Delivered expired = agent.only(1, "session_expired");
    assertThat(expired.fields()).containsEntry("action", "logoff");
    assertThat(expired.number("grace_seconds")).isEqualTo(30);
    assertOnTime(expired.atMillis(), end);

    recordHistory("expire", 1);
  }

  @Test
  void aDatabaseRestartingWhileTheRowIsReservedOrEndedIsWaitedForNotAFailedStart() {
    // Five failed writes (about 3 s of backoff) while PostgreSQL restarts: the start waits for it.
    db.databaseDownFor(5);
    SessionView started = start(request(41, PC, PaymentMethod.CASH, 60));
    assertThat(started.status()).isEqualTo(SessionStatus.ACTIVE);
    assertThat(db.outageFailures()).isEqualTo(5);

    // And again at the end: the row still ends EXPIRED, once, right after the database is back.
    env.sleep(Duration.ofMinutes(59));
    db.databaseDownFor(5);
    SessionView ended = result(41);
    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertThat(db.outageFailures()).isEqualTo(10);
    assertThat(onlyEnding(41).status()).isEqualTo(SessionStatus.EXPIRED);
  }

  @Test
  void aReservationCommittedJustBeforeALongOutageIsEndedFailedSoTheStationIsFreeAgain()
      throws IOException {
    db.reserveCommitsThenDatabaseGoesDown();
    WorkflowUpdateException refused =
        catchThrowableOfType(
            WorkflowUpdateException.class, () -> start(request(42, PC, PaymentMethod.CASH, 60)));
    assertThat(refused.getCause()).hasMessageContaining("Station is not available");
    // Retried for RESERVE_TIMEOUT (30 s), every attempt failing: the start gave up.
    assertThat(db.outageFailures()).isGreaterThan(5);
    assertThat(db.row(42)).get().extracting(r -> r.status).isEqualTo(SessionStatus.PENDING);

    // The database comes back: the row the lost attempt left is ended, the station is free.
    db.databaseDownFor(0);
    assertThat(result(42).status()).isEqualTo(SessionStatus.FAILED);
    assertThat(db.row(42)).get().extracting(r -> r.status).isEqualTo(SessionStatus.FAILED);
    recordHistory("reserve-cleanup", 42);
    assertThat(start(request(43, PC, PaymentMethod.CASH, 60)).status())
        .isEqualTo(SessionStatus.ACTIVE);
  }

  @Test
  void extendMovesTheEnd() throws IOException {
    SessionView started = start(request(2, PC, PaymentMethod.CASH, 60));
    env.sleep(Duration.ofMinutes(30));

    SessionView extended = running(2).extend(new ExtendRequest(30, null));

    Instant end = started.startedAt().plus(Duration.ofMinutes(90));
    assertThat(extended.status()).isEqualTo(SessionStatus.ACTIVE);
    assertThat(extended.scheduledEndAt()).isEqualTo(end);
    assertThat(extended.extendedMinutes()).isEqualTo(30);

    SessionView ended = result(2);
    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertOnTime(onlyEnding(2).atMillis(), end);

    // The warning of the old end (minute 59) is not sent: only the new one, before minute 90.
    assertThat(agent.types(2))
        .containsExactly("session_start", "session_extend", "session_warning", "session_expired");
    Delivered extend = agent.only(2, "session_extend");
    assertThat(extend.number("additional_seconds")).isEqualTo(1800);
    assertThat(extend.fields()).containsEntry("scheduled_end_at", end.toString());
    assertOnTime(agent.only(2, "session_warning").atMillis(), end.minusSeconds(60));

    // 30 minutes at 4.00/h, paid like the session (CASH), keyed per extension.
    Payment extension = paymentFor(2, "EXTEND");
    assertThat(extension.method).isEqualTo(PaymentMethod.CASH);
    assertThat(extension.amount).isEqualByComparingTo("2.00");
    assertThat(extension.status).isEqualTo("COMPLETED");
    assertThat(extension.idempotencyKey).isEqualTo("session-2-extend-1");
    assertThat(db.extensions())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.extension().paymentId()).isEqualTo(extension.id);
              assertThat(e.extension().additionalMinutes()).isEqualTo(30);
              assertThat(e.extension().totalExtendedMinutes()).isEqualTo(30);
              assertThat(e.extension().scheduledEndAt()).isEqualTo(end);
            });

    recordHistory("extend", 2);
  }

  @Test
  void stopEndsNowAndLocksWithoutLogoff() throws IOException {
    SessionView started = start(request(3, PC, PaymentMethod.CASH, 60));
    env.sleep(Duration.ofMinutes(20));
    long stopAt = env.currentTimeMillis();

    SessionView stopped = running(3).stop(new StopRequest("customer left"));

    assertThat(stopped.status()).isEqualTo(SessionStatus.STOPPED);
    assertOnTime(stopped.endedAt().toEpochMilli(), Instant.ofEpochMilli(stopAt));
    SessionView ended = result(3);
    assertThat(ended.status()).isEqualTo(SessionStatus.STOPPED);
    assertThat(ended.endedAt()).isEqualTo(stopped.endedAt());
    assertThat(ended.endedAt()).isBefore(started.scheduledEndAt());
    Ended ending = onlyEnding(3);
    assertThat(ending.status()).isEqualTo(SessionStatus.STOPPED);
    assertThat(ending.reason()).isEqualTo("customer left");
    assertOnTime(ending.atMillis(), stopped.endedAt());

    assertThat(agent.types(3)).containsExactly("session_start", "session_stop");
    Delivered stop = agent.only(3, "session_stop");
    assertThat(stop.fields()).containsEntry("action", "lock").doesNotContainKey("grace_seconds");
    assertOnTime(stop.atMillis(), stopped.endedAt());

    recordHistory("stop", 3);
  }

  @Test
  void extendAfterEndIsRejected() {
    long id = 4;
    expiredWhileStillEnforcing(id);
    int eventsBefore = history(id).size();

    ApplicationFailure rejected =
        updateFailure(() -> update(id, "extend", "extend-after-end", new ExtendRequest(15, null)));

    assertThat(rejected.getOriginalMessage()).isEqualTo("Cannot extend inactive session");
    assertThat(rejected.getType()).isEqualTo(SessionFailure.NOT_ACTIVE.name());
    assertThat(rejected.isNonRetryable()).isTrue();
    assertNotInHistory(id, "extend-after-end", eventsBefore);
    assertThat(db.payments(id)).extracting(p -> p.purpose).containsExactly("START");

    // Once the workflow has closed the client cannot reach it any more: the API reads the row.
    devices.plugDown(false);
    assertThat(result(id).status()).isEqualTo(SessionStatus.EXPIRED);
    assertThatThrownBy(() -> running(id).extend(new ExtendRequest(15, null)))
        .isInstanceOf(WorkflowNotFoundException.class);
    assertThat(db.payments(id)).extracting(p -> p.purpose).containsExactly("START");
  }

  @Test
  void stopAfterEndIsRejected() {
    long id = 5;
    expiredWhileStillEnforcing(id);
    int eventsBefore = history(id).size();

    ApplicationFailure rejected =
        updateFailure(() -> update(id, "stop", "stop-after-end", new StopRequest("too late")));

    assertThat(rejected.getOriginalMessage()).isEqualTo("Session already ended");
    assertThat(rejected.getType()).isEqualTo(SessionFailure.ALREADY_ENDED.name());
    assertThat(rejected.isNonRetryable()).isTrue();
    assertNotInHistory(id, "stop-after-end", eventsBefore);

    devices.plugDown(false);
    assertThat(result(id).status()).isEqualTo(SessionStatus.EXPIRED);
    assertThatThrownBy(() -> running(id).stop(new StopRequest("too late")))
        .isInstanceOf(WorkflowNotFoundException.class);
    assertThat(onlyEnding(id).status()).isEqualTo(SessionStatus.EXPIRED);
  }

  // ---- payment -------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(StationType.class)
  void insufficientBalanceStartsNothing(StationType type) {
    StationTarget station = type == StationType.PC ? PC : CONSOLE;
    db.setBalance(USER, new BigDecimal("1.00"));

    ApplicationFailure failure = startFailure(request(6, station, PaymentMethod.BALANCE, 60));

    assertThat(failure.getType()).isEqualTo("INSUFFICIENT_BALANCE");
    assertThat(failure.getOriginalMessage()).isEqualTo("Insufficient balance");
    SessionView ended = result(6);
    assertThat(ended.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(ended.failure()).isEqualTo(SessionFailure.INSUFFICIENT_BALANCE);
    assertNothingStarted(6);
    assertThat(db.balance(USER)).isEqualByComparingTo("1.00");
    assertThat(onlyEnding(6).status()).isEqualTo(SessionStatus.FAILED);
  }

  @ParameterizedTest
  @EnumSource(StationType.class)
  void declinedCardStartsNothing(StationType type) {
    StationTarget station = type == StationType.PC ? PC : CONSOLE;
    SessionView awaiting = start(request(7, station, PaymentMethod.CARD, 60));

    assertThat(awaiting.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
    assertThat(awaiting.clientSecret()).isEqualTo("pi_" + awaiting.paymentId() + "_secret");
    assertThat(gateway.intents())
        .singleElement()
        .satisfies(
            i ->
                assertThat(i.amountMinor())
                    .isEqualTo(station.hourlyRate().movePointRight(2).longValueExact()));

    gateway.bankDeclines("Your card was declined.");
    ApplicationFailure failure =
        updateFailure(() -> running(7).confirmPayment(new ConfirmPayment(awaiting.paymentId())));

    assertThat(failure.getType()).isEqualTo(SessionFailure.PAYMENT_FAILED.name());
    assertThat(failure.getOriginalMessage()).contains("Your card was declined.");
    SessionView ended = result(7);
    assertThat(ended.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(ended.failure()).isEqualTo(SessionFailure.PAYMENT_FAILED);
    assertNothingStarted(7);
    assertThat(paymentFor(7, "START").status).isEqualTo("FAILED");
    assertThat(onlyEnding(7).status()).isEqualTo(SessionStatus.FAILED);
  }

  @Test
  void cardConfirmedStarts() throws IOException {
    SessionView awaiting = start(request(8, PC, PaymentMethod.CARD, 30));
    assertThat(awaiting.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
    assertThat(agent.messages(8)).isEmpty();

    gateway.customerPays();
    SessionView active = running(8).confirmPayment(new ConfirmPayment(awaiting.paymentId()));

    assertThat(active.status()).isEqualTo(SessionStatus.ACTIVE);
    assertThat(active.scheduledEndAt()).isEqualTo(active.startedAt().plus(Duration.ofMinutes(30)));
    Payment payment = paymentFor(8, "START");
    assertThat(payment.status).isEqualTo("COMPLETED");
    assertThat(payment.transactionId).isEqualTo("pi_" + payment.id);
    assertThat(payment.intentId).isEqualTo("pi_" + payment.id);

    SessionView ended = result(8);
    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertOnTime(onlyEnding(8).atMillis(), active.scheduledEndAt());
    assertThat(agent.types(8))
        .containsExactly("session_start", "session_warning", "session_expired");

    recordHistory("card", 8);
  }

  @Test
  void cardPaidButNeverConfirmedStartsAtThePaymentTimeoutChargedOnce() throws IOException {
    SessionView awaiting = start(request(20, PC, PaymentMethod.CARD, 30));
    long createdAt = env.currentTimeMillis();
    // The customer pays at the terminal; their confirm never reaches the API.
    gateway.customerPays();

    SessionView ended = result(20);

    // At the timeout (15 min) the intent cannot be cancelled (it was paid): the session started
    // then, with the payment settled once and nothing refunded.
    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertThat(Duration.between(Instant.ofEpochMilli(createdAt), ended.startedAt()))
        .isBetween(Duration.ofMinutes(15), Duration.ofMinutes(15).plusSeconds(2));
    assertThat(paymentFor(20, "START").status).isEqualTo("COMPLETED");
    assertThat(paymentFor(20, "START").transactionId).isEqualTo("pi_" + awaiting.paymentId());
    assertThat(gateway.cancels()).isZero();
    assertThat(gateway.refunds()).isEmpty();
    recordHistory("card-paid-unconfirmed", 20);
  }

  @Test
  void gatewayDownAtThePaymentTimeoutIsAskedAgainAndAnUnpaidIntentIsCancelledOnce() {
    start(request(21, PC, PaymentMethod.CARD, 30));
    long createdAt = env.currentTimeMillis();
    gateway.down(true);
    // Back 5 minutes after the timeout: the cancel is retried (backoff up to 30 s) until then.
    env.sleep(Duration.ofMinutes(20));
    assertThat(running(21).state().status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
    gateway.down(false);

    SessionView ended = result(21);

    assertThat(ended.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(ended.failure()).isEqualTo(SessionFailure.PAYMENT_TIMEOUT);
    assertThat(Duration.between(Instant.ofEpochMilli(createdAt), ended.endedAt()))
        .isBetween(Duration.ofMinutes(20), Duration.ofMinutes(20).plusSeconds(31));
    assertThat(gateway.cancels()).isEqualTo(1);
    assertThat(gateway.intents())
        .singleElement()
        .satisfies(i -> assertThat(i.status()).isEqualTo("canceled"));
    assertThat(paymentFor(21, "START").status).isEqualTo("FAILED");
    assertNothingStarted(21);
  }

  @Test
  void gatewayDownForTheWholeReconcileWindowFailsTheSessionNamingTheIntent() {
    start(request(22, PC, PaymentMethod.CARD, 30));
    gateway.down(true);

    SessionView ended = result(22);

    assertThat(ended.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(ended.failure()).isEqualTo(SessionFailure.PAYMENT_FAILED);
    assertThat(ended.failureMessage()).contains("gateway unreachable, intent pi_");
    assertThat(paymentFor(22, "START").status).isEqualTo("FAILED");
    assertNothingStarted(22);
  }

  @Test
  void confirmWhileTheGatewayIsDownIsAnsweredUnavailableAndTheSessionKeepsWaiting() {
    SessionView awaiting = start(request(23, PC, PaymentMethod.CARD, 30));
    gateway.customerPays();
    gateway.down(true);

    // Accepted, then the test sleeps so the server skips through the retries (20 s bound).
    WorkflowUpdateHandle<SessionView> confirming =
        client
            .newUntypedWorkflowStub(SessionRequest.workflowId(23))
            .startUpdate(
                UpdateOptions.newBuilder(SessionView.class)
                    .setUpdateName("confirmPayment")
                    .setUpdateId("confirm-while-down")
                    .setWaitForStage(WorkflowUpdateStage.ACCEPTED)
                    .build(),
                new ConfirmPayment(awaiting.paymentId()));
    env.sleep(Duration.ofSeconds(30));
    ApplicationFailure unavailable = updateFailure(confirming::getResult);

    assertThat(unavailable.getType()).isEqualTo(SessionFailure.GATEWAY_UNAVAILABLE.name());
    assertThat(running(23).state().status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
    gateway.down(false);
    SessionView active = running(23).confirmPayment(new ConfirmPayment(awaiting.paymentId()));
    assertThat(active.status()).isEqualTo(SessionStatus.ACTIVE);
    assertThat(paymentFor(23, "START").status).isEqualTo("COMPLETED");
  }

  @Test
  void gatewayDownAtTheStartFailsItWithinTheCustomerBound() {
    gateway.down(true);
    long requestedAt = env.currentTimeMillis();
    WorkflowUpdateHandle<SessionView> starting =
        startAccepted(request(24, PC, PaymentMethod.CARD, 30));
    SessionView ended = result(24);
    ApplicationFailure failure = updateFailure(starting::getResult);

    assertThat(failure.getType()).isEqualTo(SessionFailure.PAYMENT_FAILED.name());
    assertThat(failure.getOriginalMessage()).contains("ConnectException");
    assertThat(ended.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(Duration.ofMillis(ended.endedAt().toEpochMilli() - requestedAt))
        .isLessThanOrEqualTo(Duration.ofSeconds(20));
    assertThat(gateway.intents()).isEmpty();
    assertNothingStarted(24);
  }

  // ---- consoles ------------------------------------------------------------------------------

  @Test
  void deviceDownDoesNotDelayExpiry() throws IOException {
    SessionView started = start(request(9, CONSOLE, PaymentMethod.CASH, 30));
    Instant end = started.scheduledEndAt();
    assertThat(devices.landed(true))
        .singleElement()
        .satisfies(on -> assertThat(on.timerSeconds()).isEqualTo(30 * 60 + 120));

    devices.plugDown(true);
    env.sleep(Duration.ofMinutes(45));

    // Expired on the dot although the plug cannot be switched off.
    Ended ending = onlyEnding(9);
    assertThat(ending.status()).isEqualTo(SessionStatus.EXPIRED);
    assertOnTime(ending.atMillis(), end);
    assertThat(running(9).state().status()).isEqualTo(SessionStatus.EXPIRED);
    assertThat(executionStatus(9))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    // The off is retried from the end on, 1 s doubling to at most 60 s: in the 15 minutes until
    // now at +0, 1, 3, 7, 15, 31, 63 s and then every minute (123 ... 843 s): 20 attempts.
    List<PlugCall> failedOffs = devices.failed(false);
    assertThat(failedOffs).hasSize(20);
    for (int i = 0; i < failedOffs.size(); i++) {
      assertOnTime(failedOffs.get(i).atMillis(), end.plus(retryOffset(i)));
    }
    assertThat(devices.landed(false)).isEmpty();
    assertThat(devices.relayOn()).isTrue();

    devices.plugDown(false);
    long plugBack = env.currentTimeMillis();
    SessionView ended = result(9);

    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertOnTime(ended.endedAt().toEpochMilli(), end);
    assertThat(devices.landed(false))
        .singleElement()
        .satisfies(
            off ->
                assertThat(off.atMillis())
                    .isBetween(plugBack, plugBack + Duration.ofSeconds(61).toMillis()));
    assertThat(devices.relayOn()).isFalse();
    assertThat(db.events(9))
        .filteredOn(e -> e.event().type().equals("station_enforced"))
        .singleElement()
        .satisfies(e -> assertThat(e.event().data()).containsEntry("plug", "off"));

    recordHistory("device-down", 9);
  }

  @Test
  void consoleStartFailureRefunds() {
    devices.plugDown(true);
    long requestedAt = env.currentTimeMillis();

    // The test server skips time only while the test waits for a run's result (or sleeps), so
    // wait for the run before asking for the update's outcome: the retries then take no real time.
    WorkflowUpdateHandle<SessionView> starting =
        startAccepted(request(10, CONSOLE, PaymentMethod.BALANCE, 60));
    result(10);
    ApplicationFailure failure = updateFailure(starting::getResult);

    assertThat(failure.getType()).isEqualTo(SessionFailure.DEVICE_UNAVAILABLE.name());
    assertThat(failure.getOriginalMessage()).contains("plug unreachable");
    SessionView ended = result(10);
    assertThat(ended.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(ended.failure()).isEqualTo(SessionFailure.DEVICE_UNAVAILABLE);
    assertThat(ended.startedAt()).isNull();

    // Switching on is retried within stationStartTimeout (20 s): attempts at +0, 1, 3, 7 and 15 s.
    // The next would be at +31 s, past the deadline, so the server gives up after the fifth and
    // the session fails (and is refunded) right then, 15 s after the request.
    List<PlugCall> attempts = devices.failed(true);
    assertThat(attempts).hasSize(5);
    Instant firstAttempt = Instant.ofEpochMilli(attempts.get(0).atMillis());
    assertOnTime(firstAttempt.toEpochMilli(), Instant.ofEpochMilli(requestedAt));
    for (int i = 0; i < attempts.size(); i++) {
      assertOnTime(attempts.get(i).atMillis(), firstAttempt.plus(retryOffset(i)));
    }
    assertThat(devices.landed(true)).isEmpty();
    Ended ending = onlyEnding(10);
    assertThat(ending.status()).isEqualTo(SessionStatus.FAILED);
    // It follows the last failed attempt (its lag must not add up with the earlier ones).
    assertOnTime(ending.atMillis(), Instant.ofEpochMilli(attempts.get(4).atMillis()));

    // Saga: the balance payment is given back.
    Payment payment = paymentFor(10, "START");
    assertThat(db.refunds())
        .singleElement()
        .satisfies(r -> assertThat(r.paymentId()).isEqualTo(payment.id));
    assertThat(payment.status).isEqualTo("REFUNDED");
    assertThat(db.balance(USER)).isEqualByComparingTo("50.00");
  }

  @Test
  void consolePowerIsSampledEveryInterval() {
    SessionView started = start(request(11, CONSOLE, PaymentMethod.CASH, 5));

    result(11);

    // powerPollInterval 60 s over 5 minutes: samples at minutes 1, 2, 3 and 4. The fifth would be
    // due just after the end (each sleep starts when the previous sample returned), when the
    // session is over, so exactly 4.
    List<FakeStationDevices.Sample> samples = devices.samples();
    assertThat(samples).hasSize(4);
    for (int minute = 1; minute <= 4; minute++) {
      assertOnTime(
          samples.get(minute - 1).atMillis(), started.startedAt().plusSeconds(60L * minute));
    }
  }

  @Test
  void extensionRefreshNeverRestartsAnEndedConsole() {
    SessionView started = start(request(14, CONSOLE_WITH_ROUTER, PaymentMethod.CASH, 30));
    env.sleep(Duration.ofMinutes(10));
    // The venue's network drops: neither the plug nor the router answers.
    devices.plugDown(true);
    devices.routerDown(true);

    // Extended while the devices are unreachable: refreshing their fail-safe timers is retried.
    SessionView extended = running(14).extend(new ExtendRequest(10, null));
    Instant end = started.scheduledEndAt().plus(Duration.ofMinutes(10));
    assertThat(extended.scheduledEndAt()).isEqualTo(end);
    env.sleep(Duration.ofMinutes(35));
    assertOnTime(onlyEnding(14).atMillis(), end);

    // The plug comes back first: it is switched off and stays off.
    devices.plugDown(false);
    env.sleep(Duration.ofMinutes(3));
    assertThat(devices.landed(false)).hasSize(1);
    assertThat(devices.relayOn()).isFalse();
    // Then the router: the console is blocked and stays blocked.
    devices.routerDown(false);
    assertThat(result(14).status()).isEqualTo(SessionStatus.EXPIRED);
    assertThat(devices.networkOpen()).isFalse();
    assertThat(devices.relayOn()).isFalse();
    // Nothing switched the console on or opened its network after the end: the refresh was given
    // up one attempt (10 s) before the end.
    assertThat(devices.landed(true)).allMatch(on -> on.atMillis() < end.toEpochMilli());
    assertThat(devices.failed(true))
        .allMatch(on -> on.atMillis() < end.minusSeconds(10).toEpochMilli());
    assertThat(devices.routerCalls())
        .filteredOn(c -> c.landed() && c.open())
        .allMatch(open -> open.atMillis() < end.toEpochMilli());
  }

  @Test
  void extensionRefreshLandsWhenThePlugReturnsBeforeTheEnd() {
    SessionView started = start(request(15, CONSOLE, PaymentMethod.CASH, 30));
    env.sleep(Duration.ofMinutes(10));
    devices.plugDown(true);

    running(15).extend(new ExtendRequest(10, null));
    env.sleep(Duration.ofMinutes(10));
    devices.plugDown(false);
    long plugBack = env.currentTimeMillis();
    env.sleep(Duration.ofMinutes(2));

    // The plug's own timer now covers the extension: 30 min left at the extension + 2 min margin.
    List<PlugCall> ons = devices.landed(true);
    assertThat(ons).hasSize(2);
    assertThat(ons.get(1).atMillis()).isBetween(plugBack, plugBack + 61_000);
    assertThat(ons.get(1).timerSeconds()).isBetween(31L * 60, 32L * 60);
    SessionView ended = result(15);
    assertOnTime(onlyEnding(15).atMillis(), started.scheduledEndAt().plus(Duration.ofMinutes(10)));
    assertThat(ended.status()).isEqualTo(SessionStatus.EXPIRED);
    assertThat(devices.relayOn()).isFalse();
  }

  // ---- station ownership ---------------------------------------------------------------------

  @Test
  void twoSessionsOnOneStation() {
    SessionView first = start(request(12, PC, PaymentMethod.CASH, 60));
    assertThat(first.status()).isEqualTo(SessionStatus.ACTIVE);

    ApplicationFailure failure = startFailure(request(13, PC, PaymentMethod.CASH, 60));

    assertThat(failure.getType()).isEqualTo(SessionFailure.STATION_UNAVAILABLE.name());
    assertThat(failure.getOriginalMessage()).isEqualTo("Station is not available");
    SessionView second = result(13);
    assertThat(second.status()).isEqualTo(SessionStatus.FAILED);
    assertThat(second.failure()).isEqualTo(SessionFailure.STATION_UNAVAILABLE);
    assertThat(db.payments(13)).isEmpty();
    assertThat(db.endings(13)).isEmpty();
    assertThat(agent.messages(13)).isEmpty();
    assertThat(running(12).state().status()).isEqualTo(SessionStatus.ACTIVE);
    assertThat(db.row(12).orElseThrow().status).isEqualTo(SessionStatus.ACTIVE);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A session of {@code minutes} at the station's rate, with the venue's default settings. */
  private static SessionRequest request(
      long sessionId, StationTarget station, PaymentMethod method, int minutes) {
    BigDecimal amount =
        station
            .hourlyRate()
            .multiply(BigDecimal.valueOf(minutes))
            .divide(BigDecimal.valueOf(60), 2, RoundingMode.HALF_UP);
    return new SessionRequest(
        sessionId, USER, station, minutes, 0, method, amount, "eur", SessionSettings.defaults());
  }

  /** Starts the session as the API does: update-with-start, answered once ACTIVE or failed. */
  private SessionView start(SessionRequest request) {
    SessionWorkflow stub = newSession(request.sessionId());
    return WorkflowClient.executeUpdateWithStart(
        stub::awaitStart,
        UpdateOptions.<SessionView>newBuilder()
            .setWaitForStage(WorkflowUpdateStage.COMPLETED)
            .build(),
        new WithStartWorkflowOperation<>(stub::run, request));
  }

  /** Like {@link #start} but returns as soon as the start update is accepted. */
  private WorkflowUpdateHandle<SessionView> startAccepted(SessionRequest request) {
    SessionWorkflow stub = newSession(request.sessionId());
    return WorkflowClient.startUpdateWithStart(
        stub::awaitStart,
        UpdateOptions.<SessionView>newBuilder()
            .setWaitForStage(WorkflowUpdateStage.ACCEPTED)
            .build(),
        new WithStartWorkflowOperation<>(stub::run, request));
  }

  /** A stub that starts {@code session-<id>}, failing if a run with that id is still open. */
  private SessionWorkflow newSession(long sessionId) {
    return client.newWorkflowStub(
        SessionWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(SessionRequest.workflowId(sessionId))
            .setTaskQueue(SESSIONS_QUEUE)
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
            .build());
  }

  private ApplicationFailure startFailure(SessionRequest request) {
    return updateFailure(() -> start(request));
  }

  /** The failure an update was answered with: its cause, as the API sees it. */
  private static ApplicationFailure updateFailure(ThrowingCallable update) {
    WorkflowUpdateException e = catchThrowableOfType(WorkflowUpdateException.class, update);
    assertThat(e).as("update should fail").isNotNull();
    assertThat(e.getCause()).isInstanceOf(ApplicationFailure.class);
    return (ApplicationFailure) e.getCause();
  }

  private SessionWorkflow running(long sessionId) {
    return client.newWorkflowStub(SessionWorkflow.class, SessionRequest.workflowId(sessionId));
  }

  /** Sends an update with a known id, so that the history can be searched for it. */
  private SessionView update(long sessionId, String name, String updateId, Object argument) {
    return client
        .newUntypedWorkflowStub(SessionRequest.workflowId(sessionId))
        .startUpdate(
            UpdateOptions.newBuilder(SessionView.class)
                .setUpdateName(name)
                .setUpdateId(updateId)
                .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                .build(),
            argument)
        .getResult();
  }

  private SessionView result(long sessionId) {
    return client
        .newUntypedWorkflowStub(SessionRequest.workflowId(sessionId))
        .getResult(SessionView.class);
  }

  private WorkflowExecutionStatus executionStatus(long sessionId) {
    return client
        .newUntypedWorkflowStub(SessionRequest.workflowId(sessionId))
        .describe()
        .getStatus();
  }

  private List<HistoryEvent> history(long sessionId) {
    return client.fetchHistory(SessionRequest.workflowId(sessionId)).getEvents();
  }

  /**
   * A console session whose plug goes down after the start: at minute 45 of 30 it is EXPIRED but
   * the workflow is still open, retrying the plug off.
   */
  private void expiredWhileStillEnforcing(long sessionId) {
    start(request(sessionId, CONSOLE, PaymentMethod.CASH, 30));
    devices.plugDown(true);
    env.sleep(Duration.ofMinutes(45));
    assertThat(running(sessionId).state().status()).isEqualTo(SessionStatus.EXPIRED);
    assertThat(executionStatus(sessionId))
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  }

  /**
   * A rejected update leaves no trace in the history: no accepted (or completed) update event and
   * no command. The real server does not even keep the workflow task that ran the validator (it is
   * speculative); the test server writes it, so that empty task is the only thing allowed to
   * appear.
   */
  private void assertNotInHistory(long sessionId, String updateId, int eventsBefore) {
    List<HistoryEvent> events = history(sessionId);
    assertThat(events)
        .filteredOn(
            e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
        .noneMatch(
            e ->
                e.getWorkflowExecutionUpdateAcceptedEventAttributes()
                    .getAcceptedRequest()
                    .getMeta()
                    .getUpdateId()
                    .equals(updateId));
    assertThat(events.subList(eventsBefore, events.size()))
        .extracting(HistoryEvent::getEventType)
        .isSubsetOf(
            EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
            EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  }

  private void assertNothingStarted(long sessionId) {
    assertThat(agent.messages(sessionId)).isEmpty();
    assertThat(devices.plugCalls()).isEmpty();
    assertThat(devices.samples()).isEmpty();
    FakeSessionActivities.Row row = db.row(sessionId).orElseThrow();
    assertThat(row.startedAt).isNull();
    assertThat(row.status).isEqualTo(SessionStatus.FAILED);
  }

  private Ended onlyEnding(long sessionId) {
    List<Ended> endings = db.endings(sessionId);
    assertThat(endings).hasSize(1);
    return endings.get(0);
  }

  private Payment paymentFor(long sessionId, String purpose) {
    List<Payment> found =
        db.payments(sessionId).stream().filter(p -> p.purpose.equals(purpose)).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  /**
   * How long after the first attempt of a device call attempt {@code attempt} (from 0) starts: the
   * device stubs retry after 1 s, doubling up to 60 s.
   */
  private static Duration retryOffset(int attempt) {
    Duration offset = Duration.ZERO;
    Duration backoff = Duration.ofSeconds(1);
    for (int i = 0; i < attempt; i++) {
      offset = offset.plus(backoff);
      backoff = backoff.multipliedBy(2);
      if (backoff.compareTo(Duration.ofSeconds(60)) > 0) {
        backoff = Duration.ofSeconds(60);
      }
    }
    return offset;
  }

  private static void assertOnTime(long actualMillis, Instant due) {
    assertThat(actualMillis - due.toEpochMilli())
        .as("ms after %s", due)
        .isBetween(0L, ON_TIME.toMillis());
  }

  /**
   * Writes the finished run's history for {@link SessionWorkflowReplayTest} when the system
   * property {@code opsflow.recordHistories} names a directory.
   */
  private void recordHistory(String scenario, long sessionId) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path file = Path.of(dir).resolve("session-" + scenario + ".json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, client.fetchHistory(SessionRequest.workflowId(sessionId)).toJson(true));
  }
}
