package io.opsflow.session;

import io.opsflow.Failures;
import io.opsflow.session.AgentActivities.AgentMessage;
import io.opsflow.session.PaymentGatewayActivities.CardIntent;
import io.opsflow.session.PaymentGatewayActivities.IntentRequest;
import io.opsflow.session.PaymentGatewayActivities.RefundRequest;
import io.opsflow.session.SessionActivities.Activation;
import io.opsflow.session.SessionActivities.Ending;
import io.opsflow.session.SessionActivities.Extension;
import io.opsflow.session.SessionActivities.IntentLink;
import io.opsflow.session.SessionActivities.PaymentCommand;
import io.opsflow.session.SessionActivities.PaymentRecord;
import io.opsflow.session.SessionActivities.PaymentSettlement;
import io.opsflow.session.SessionActivities.RefundRecord;
import io.opsflow.session.SessionActivities.Reservation;
import io.opsflow.session.SessionActivities.SessionEvent;
import io.opsflow.session.StationDeviceActivities.PlugCommand;
import io.opsflow.session.StationDeviceActivities.PowerSample;
import io.opsflow.session.StationDeviceActivities.RouterCommand;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/** Deterministic session lifecycle; every side effect is an activity. */
public class SessionWorkflowImpl implements SessionWorkflow {

  private static final Logger log = Workflow.getLogger(SessionWorkflowImpl.class);

  /** Start-to-close of one device call. */
  private static final Duration DEVICE_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * How long a call the customer waits on (creating the intent at the start, reading it on their
   * confirm) keeps retrying an unreachable gateway. A start then fails with nothing charged; a
   * confirm is answered GATEWAY_UNAVAILABLE while the session keeps waiting for the payment.
   */
  private static final Duration CUSTOMER_GATEWAY_TIMEOUT = Duration.ofSeconds(20);

  /**
   * How long the end of an unconfirmed card payment keeps asking an unreachable gateway whether the
   * customer paid before the session is failed with the intent left unresolved.
   */
  private static final Duration RECONCILE_GATEWAY_TIMEOUT = Duration.ofMinutes(10);

  private final SessionRequest request;
  private final StationTarget station;
  private final SessionSettings settings;
  private final SessionActivities db;
  private final PaymentGatewayActivities gateway;
  private final PaymentGatewayActivities customerGateway;
  private final PaymentGatewayActivities reconcileGateway;
  private final StationDeviceActivities startDevices;
  private final StationDeviceActivities enforceDevices;
  private final StationDeviceActivities sampleDevices;

  private SessionStatus status = SessionStatus.PENDING;
  private Long paymentId;
  private String intentId;
  private String clientSecret;
  private CardIntent cardDecision;
  private boolean cancelRequested;
  private Instant startedAt;
  private Instant scheduledEndAt;
  private Instant endedAt;
  private int extendedMinutes;
  private int extensionCount;
  private int extensionsInFlight;
  private SessionFailure failure;
  private String failureMessage;
  private boolean publishesStatus;
  private boolean endsLocally;
  private boolean writesLocally;
  private boolean reconcilesCard;
  private final SessionActivities localDb;
  private final SessionActivities reserveDb;

  @WorkflowInit
  public SessionWorkflowImpl(SessionRequest request) {
    this.request = request;
    this.station = request.station();
    this.settings = request.settings();
    this.db =
        Workflow.newActivityStub(
            SessionActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(200))
                        .setMaximumInterval(Duration.ofSeconds(10))
                        .build())
                .build());
    // The row's end is a short write in this worker's own process: as a local activity it runs in
    // the workflow task that the end timer wakes, without a round trip through the server, so
    // actual_end_at is as close to scheduled_end_at as the engine allows.
    this.localDb = Workflow.newLocalActivityStub(SessionActivities.class, localWrites(null));
    // The reservation is the start's first write, with the caller waiting: through a database
    // restart it is retried, but for a bounded time, after which the start fails with nothing
    // taken (a later retry of the caller finds the station free).
    this.reserveDb =
        Workflow.newLocalActivityStub(SessionActivities.class, localWrites(RESERVE_TIMEOUT));
    this.gateway =
        Workflow.newActivityStub(
            PaymentGatewayActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(settings.devicesTaskQueue())
                .setStartToCloseTimeout(Duration.ofSeconds(15))
                .setScheduleToCloseTimeout(Duration.ofMinutes(2))
                .build());
    this.customerGateway = gatewayStub(CUSTOMER_GATEWAY_TIMEOUT);
    this.reconcileGateway = gatewayStub(RECONCILE_GATEWAY_TIMEOUT);
    // Starting a console is bounded: past the deadline the customer is refunded (Saga).
    this.startDevices = deviceStub(settings.stationStartTimeout());
    // Enforcement at the end is retried for a long time: the device must end up off.
    this.enforceDevices = deviceStub(settings.enforcementTimeout());
    // A missed power sample is not worth a retry: the next one comes a minute later.
    this.sampleDevices =
        Workflow.newActivityStub(
            StationDeviceActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(settings.devicesTaskQueue())
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  /** How long the reservation is retried while the database is unreachable. */
  static final Duration RESERVE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Options of the local row writes: retried through a database outage (1 s doubling to 10 s;
   * backoffs over 2 s wait on durable timers, so updates are not held back), until {@code
   * scheduleToClose} when one is given, else without limit: the rows must follow the workflow.
   * Retry options are not recorded in the history, so running workflows replay unchanged.
   */
  private static LocalActivityOptions localWrites(Duration scheduleToClose) {
    LocalActivityOptions.Builder options =
        LocalActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofSeconds(10))
            .setLocalRetryThreshold(Duration.ofSeconds(2))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofMillis(200))
                    .setMaximumInterval(Duration.ofSeconds(10))
                    // Explicit: the SDK never retries a local activity that has neither a maximum
                    // of attempts nor a schedule-to-close timeout (a restarting PostgreSQL failed
                    // session starts and could fail their ends: DatabaseRestartIT).
                    .setMaximumAttempts(Integer.MAX_VALUE)
                    .build());
    if (scheduleToClose != null) {
      options.setScheduleToCloseTimeout(scheduleToClose);
    }
    return options.build();
  }

  private SessionActivities ender() {
    return endsLocally || writesLocally ? localDb : db;
  }

  /**
   * Where the session's rows are written: from version "local-writes" on, every write is a local
   * activity in this worker's process (the database is its own), run inside the workflow task that
   * needs it, so a session costs the engine a few workflow tasks instead of one task pair per row.
   */
  private SessionActivities store() {
    return writesLocally ? localDb : db;
  }

  private PaymentGatewayActivities gatewayStub(Duration scheduleToClose) {
    return Workflow.newActivityStub(
        PaymentGatewayActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(settings.devicesTaskQueue())
            .setStartToCloseTimeout(Duration.ofSeconds(15))
            .setScheduleToCloseTimeout(scheduleToClose)
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setBackoffCoefficient(2.0)
                    .setMaximumInterval(Duration.ofSeconds(30))
                    .setDoNotRetry("GATEWAY_REJECTED")
                    .build())
            .build());
  }

  private StationDeviceActivities deviceStub(Duration scheduleToClose) {
    return Workflow.newActivityStub(
        StationDeviceActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(settings.devicesTaskQueue())
            .setStartToCloseTimeout(DEVICE_ATTEMPT_TIMEOUT)
            .setScheduleToCloseTimeout(scheduleToClose)
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setBackoffCoefficient(2.0)
                    .setMaximumInterval(Duration.ofSeconds(60))
                    .build())
            .build());
  }

  @Override
  public SessionView run(SessionRequest ignored) {
    // Version 1 mirrors the status into a search attribute. Asked first, before any command, so
    // histories recorded before it replay unchanged (getVersion yields the workflow thread).
    publishesStatus =
        Workflow.getVersion("status-search-attribute", Workflow.DEFAULT_VERSION, 1) >= 1
            && Workflow.getTypedSearchAttributes().containsKey(SessionSearchAttributes.STATUS);
    // Version 1 writes the end as a local activity (see localDb).
    endsLocally = Workflow.getVersion("local-end", Workflow.DEFAULT_VERSION, 1) >= 1;
    // Version 1 writes every row as a local activity (see store()).
    writesLocally = Workflow.getVersion("local-writes", Workflow.DEFAULT_VERSION, 1) >= 1;
    // Version 1 asks the gateway before failing an unconfirmed card payment (see reconcileCard)
    // and answers a confirm the gateway cannot take with GATEWAY_UNAVAILABLE instead of holding it.
    reconcilesCard = Workflow.getVersion("card-reconcile", Workflow.DEFAULT_VERSION, 1) >= 1;
    Saga saga = new Saga(new Saga.Options.Builder().build());
    try {
      (writesLocally ? reserveDb : db)
          .reserve(
              new Reservation(
                  request.sessionId(),
                  station.stationId(),
                  request.userId(),
                  request.durationMinutes(),
                  request.paymentMethod(),
                  request.amount()));
    } catch (ActivityFailure e) {
      // Nothing was taken (no payment, no device switched).
      fail(e, SessionFailure.STATION_UNAVAILABLE);
      status = SessionStatus.FAILED;
      publishStatus();
      // Version 1: an attempt may have committed the row before the database went away and the
      // retries ran out; a PENDING row would hold the station. Ending it FAILED (a no-op when no
      // row was written, e.g. the station was taken) frees it once the database answers; the
      // caller has its answer already.
      if (Workflow.getVersion("reserve-cleanup", Workflow.DEFAULT_VERSION, 1) >= 1) {
        ender().end(new Ending(request.sessionId(), SessionStatus.FAILED, failureMessage));
      }
      return finish();
    }
    if (!pay(saga)) {
      // The row says FAILED before the caller hears it, so a retry finds the station free.
      ender().end(new Ending(request.sessionId(), SessionStatus.FAILED, failureMessage));
      status = SessionStatus.FAILED;
      publishStatus();
      return finish();
    }
    try {
      startStation();
    } catch (ActivityFailure e) {
      // Paid but the console cannot be switched on: give the money back.
      saga.compensate();
      fail(e, SessionFailure.DEVICE_UNAVAILABLE);
      ender().end(new Ending(request.sessionId(), SessionStatus.FAILED, failureMessage));
      status = SessionStatus.FAILED;
      publishStatus();
      return finish();
    }
    CancellationScope powerMonitor = startPowerMonitor();
    runUntilEnd();
    powerMonitor.cancel();
    enforceEnd(status);
    return finish();
  }

  /** Takes the payment; false (with the failure set) when the session must not start. */
  private boolean pay(Saga saga) {
    PaymentRecord payment;
    try {
      payment =
          store()
              .takePayment(
                  new PaymentCommand(
                      request.sessionId(),
                      request.userId(),
                      request.paymentMethod(),
                      request.amount(),
                      request.currency(),
                      "START",
                      "session-" + request.sessionId() + "-start"));
    } catch (ActivityFailure e) {
      fail(e, SessionFailure.PAYMENT_FAILED);
      return false;
    }
    paymentId = payment.paymentId();
    if (request.paymentMethod() == PaymentMethod.CARD && !payByCard(payment)) {
      return false;
    }
    long refundedPayment = payment.paymentId();
    saga.addCompensation(() -> refundPayment(refundedPayment, request.paymentMethod()));
    return true;
  }

  private boolean payByCard(PaymentRecord payment) {
    CardIntent intent;
    try {
      intent =
          (reconcilesCard ? customerGateway : gateway)
              .createIntent(
                  new IntentRequest(
                      payment.paymentId(),
                      request.sessionId(),
                      minorUnits(request.amount()),
                      request.currency(),
                      "payment-" + payment.paymentId()));
    } catch (ActivityFailure e) {
      settle(false, null, "gateway unavailable");
      fail(e, SessionFailure.PAYMENT_FAILED);
      return false;
    }
    intentId = intent.id();
    clientSecret = intent.clientSecret();
    store().linkIntent(new IntentLink(payment.paymentId(), intent.id(), intent.clientSecret()));
    status = SessionStatus.AWAITING_PAYMENT;
    publishStatus();
    boolean decided =
        Workflow.await(settings.paymentTimeout(), () -> cardDecision != null || cancelRequested);
    if (decided && cardDecision != null && cardDecision.succeeded()) {
      settle(true, cardDecision.id(), null);
      return true;
    }
    String reason;
    SessionFailure kind;
    if (cardDecision != null) {
      reason = cardDecision.failureMessage() != null ? cardDecision.failureMessage() : "declined";
      kind = SessionFailure.PAYMENT_FAILED;
    } else if (reconcilesCard) {
      CardIntent known = reconcileCard();
      if (known != null && known.succeeded()) {
        // Paid at the gateway, but the confirm never reached us (the gateway or the client was
        // down): the customer gets the session they paid for, charged once.
        cardDecision = known;
        settle(true, known.id(), null);
        return true;
      }
      if (known == null) {
        reason = "gateway unreachable, intent " + intentId + " left unresolved";
        kind = SessionFailure.PAYMENT_FAILED;
      } else {
        reason = cancelRequested ? "cancelled by operator" : "not confirmed in time";
        kind = cancelRequested ? SessionFailure.PAYMENT_FAILED : SessionFailure.PAYMENT_TIMEOUT;
      }
    } else {
      reason = cancelRequested ? "cancelled by operator" : "not confirmed in time";
      kind = cancelRequested ? SessionFailure.PAYMENT_FAILED : SessionFailure.PAYMENT_TIMEOUT;
      gateway.cancelIntent(intentId);
    }
    settle(false, null, reason);
    failure = kind;
    failureMessage = kind.defaultMessage() + " (" + reason + ")";
    endedAt = now();
    return false;
  }

  /**
   * Ends an unconfirmed intent at the gateway: cancels it, which the gateway refuses once the
   * customer paid, and then reads what it became. Cancelling first closes the race with a customer
   * paying right now. Retried through a gateway outage for {@link #RECONCILE_GATEWAY_TIMEOUT}; null
   * when the gateway never answered.
   */
  private CardIntent reconcileCard() {
    try {
      return reconcileGateway.cancelIntent(intentId);
    } catch (ActivityFailure e) {
      ApplicationFailure cause = Failures.applicationCause(e);
      if (cause == null || !"GATEWAY_REJECTED".equals(cause.getType())) {
        log.warn("gateway did not answer for intent {}: {}", intentId, rootMessage(e));
        return null;
      }
    }
    try {
      return reconcileGateway.retrieveIntent(intentId);
    } catch (ActivityFailure e) {
      log.warn("gateway did not answer for intent {}: {}", intentId, rootMessage(e));
      return null;
    }
  }

  private void settle(boolean succeeded, String transactionId, String reason) {
    store().settlePayment(new PaymentSettlement(paymentId, succeeded, transactionId, reason));
  }

  private void refundPayment(long payment, PaymentMethod method) {
    String reference = null;
    if (method == PaymentMethod.CARD && intentId != null) {
      reference = gateway.refund(new RefundRequest(intentId, "refund-" + payment));
    }
    store().refund(new RefundRecord(payment, reference));
  }

  /** Powers the station on, then starts the clock: the customer pays only for usable time. */
  private void startStation() {
    long failSafeSeconds = request.duration().plus(settings.failSafeMargin()).toSeconds();
    if (station.hasPlug()) {
      startDevices.switchPlug(
          new PlugCommand(station.stationId(), station.plugUrl(), true, failSafeSeconds));
    }
    if (station.hasRouterControl()) {
      startDevices.openNetwork(
          new RouterCommand(
              station.stationId(), station.consoleMac(), station.consoleIp(), failSafeSeconds));
    }
    startedAt = now();
    scheduledEndAt = startedAt.plus(request.duration());
    store().activate(new Activation(request.sessionId(), startedAt, scheduledEndAt));
    status = SessionStatus.ACTIVE;
    publishStatus();
    if (station.type() == StationType.PC) {
      Map<String, Object> fields = sessionFields();
      fields.put("duration_seconds", request.duration().toSeconds());
      fields.put("scheduled_end_at", scheduledEndAt.toString());
      fields.put("server_time", now().toString());
      Async.procedure(() -> tellAgent("session_start", fields));
    }
  }

  /** Sleeps until the scheduled end, which extensions may move, or until a stop. */
  private void runUntilEnd() {
    Instant warnedFor = null;
    while (status == SessionStatus.ACTIVE) {
      Instant end = scheduledEndAt;
      Instant now = now();
      if (!now.isBefore(end)) {
        if (extensionsInFlight > 0) {
          // A paid extension is being applied: let it land before deciding the session is over.
          Workflow.await(() -> extensionsInFlight == 0);
          continue;
        }
        expire();
        return;
      }
      Instant warnAt = end.minus(settings.warningLead());
      if (!end.equals(warnedFor) && !now.isBefore(warnAt)) {
        warn(Duration.between(now, end));
        warnedFor = end;
        continue;
      }
      Instant wakeAt = end.equals(warnedFor) ? end : warnAt;
      Workflow.await(
          Duration.between(now, wakeAt),
          () -> status != SessionStatus.ACTIVE || !end.equals(scheduledEndAt));
    }
  }

  private void expire() {
    status = SessionStatus.EXPIRED;
    publishStatus();
    endedAt = now();
    ender().end(new Ending(request.sessionId(), SessionStatus.EXPIRED, "scheduled end reached"));
  }

  private void warn(Duration remaining) {
    Map<String, Object> fields = sessionFields();
    // Rounded up: a warning due 60 s before the end says 60 even when it runs a few ms late.
    fields.put("remaining_seconds", (remaining.toMillis() + 999) / 1000);
    Async.procedure(
        () -> store().recordEvent(event("session_ending_soon", new LinkedHashMap<>(fields))));
    if (station.type() == StationType.PC) {
      Async.procedure(() -> tellAgent("session_warning", fields));
    }
  }

  /** Samples console power while the session runs (seed diagram 7). */
  private CancellationScope startPowerMonitor() {
    CancellationScope scope =
        Workflow.newCancellationScope(
            () -> {
              if (!station.hasPlug()) {
                return;
              }
              Async.procedure(
                  () -> {
                    try {
                      while (status == SessionStatus.ACTIVE) {
                        Workflow.sleep(settings.powerPollInterval());
                        if (status != SessionStatus.ACTIVE) {
                          return;
                        }
                        samplePower();
                      }
                    } catch (CanceledFailure e) {
                      // The session ended.
                    }
                  });
            });
    scope.run();
    return scope;
  }

  private void samplePower() {
    try {
      sampleDevices.samplePower(
          new PowerSample(station.stationId(), request.sessionId(), station.plugUrl()));
    } catch (ActivityFailure e) {
      log.warn("power sample of station {} failed: {}", station.stationId(), e.getMessage());
    }
  }

  /** Locks or powers off the station; the session row already says it ended. */
  private void enforceEnd(SessionStatus ending) {
    List<Promise<String>> results = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    if (station.type() == StationType.PC) {
      Map<String, Object> fields = sessionFields();
      String type;
      if (ending == SessionStatus.EXPIRED) {
        type = "session_expired";
        fields.put("action", "logoff");
        fields.put("grace_seconds", settings.logoffGrace().toSeconds());
      } else {
        type = "session_stop";
        fields.put("action", "lock");
      }
      targets.add("agent");
      results.add(Async.function(() -> tellAgent(type, fields) ? "delivered" : "pending sync"));
    }
    if (station.hasPlug()) {
      targets.add("plug");
      results.add(
          Async.function(
              () -> {
                enforceDevices.switchPlug(
                    new PlugCommand(station.stationId(), station.plugUrl(), false, 0));
                return "off";
              }));
    }
    if (station.hasRouterControl()) {
      targets.add("router");
      results.add(
          Async.function(
              () -> {
                enforceDevices.blockNetwork(
                    new RouterCommand(
                        station.stationId(), station.consoleMac(), station.consoleIp(), 0));
                return "blocked";
              }));
    }
    Map<String, Object> data = sessionFields();
    data.put("ending", ending.name());
    for (int i = 0; i < results.size(); i++) {
      String outcome;
      try {
        outcome = results.get(i).get();
      } catch (ActivityFailure e) {
        outcome = "failed: " + rootMessage(e);
      }
      data.put(targets.get(i), outcome);
    }
    store().recordEvent(event("station_enforced", data));
  }

  /** Sends a message through the process that holds the agent's socket; false if offline. */
  private boolean tellAgent(String type, Map<String, Object> fields) {
    String queue = store().agentRoute(station.stationId());
    if (queue == null) {
      // Offline: the agent asks for the state with sync_request when it reconnects.
      return false;
    }
    AgentActivities agent =
        Workflow.newActivityStub(
            AgentActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(queue)
                .setScheduleToStartTimeout(settings.agentDeliveryTimeout())
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
                .build());
    try {
      return agent.deliver(new AgentMessage(station.stationId(), type, fields));
    } catch (ActivityFailure e) {
      log.warn("agent of station {} did not take {}: {}", station.stationId(), type, e);
      return false;
    }
  }

  @Override
  public SessionView awaitStart() {
    Workflow.await(() -> status != SessionStatus.PENDING);
    if (status == SessionStatus.FAILED) {
      throw ApplicationFailure.newNonRetryableFailure(failureMessage, failure.name());
    }
    return state();
  }

  @Override
  public void validateConfirmPayment(ConfirmPayment confirm) {
    if (status != SessionStatus.AWAITING_PAYMENT
        || paymentId == null
        || paymentId != confirm.paymentId()) {
      throw failure(SessionFailure.PAYMENT_NOT_PENDING, null);
    }
  }

  @Override
  public SessionView confirmPayment(ConfirmPayment confirm) {
    if (cardDecision == null && reconcilesCard) {
      try {
        cardDecision = customerGateway.retrieveIntent(intentId);
      } catch (ActivityFailure e) {
        // The session keeps waiting for the payment; the client may confirm again.
        throw failure(
            SessionFailure.GATEWAY_UNAVAILABLE,
            SessionFailure.GATEWAY_UNAVAILABLE.defaultMessage() + ": " + rootMessage(e));
      }
    } else if (cardDecision == null) {
      cardDecision = gateway.retrieveIntent(intentId);
    }
    Workflow.await(() -> status != SessionStatus.AWAITING_PAYMENT);
    if (status == SessionStatus.FAILED) {
      throw ApplicationFailure.newNonRetryableFailure(failureMessage, failure.name());
    }
    Workflow.await(() -> status != SessionStatus.PENDING);
    return state();
  }

  @Override
  public void validateExtend(ExtendRequest extend) {
    if (status != SessionStatus.ACTIVE) {
      throw failure(SessionFailure.NOT_ACTIVE, null);
    }
    if (extend.additionalMinutes() < 1 || extend.additionalMinutes() > 24 * 60) {
      throw failure(
          SessionFailure.INVALID_REQUEST, "additional_minutes must be between 1 and 1440");
    }
    if (extensionMethod(extend) == PaymentMethod.CARD) {
      throw failure(
          SessionFailure.INVALID_REQUEST,
          "payment_method CARD is not supported for extensions; use CASH or BALANCE");
    }
  }

  @Override
  public SessionView extend(ExtendRequest extend) {
    extensionsInFlight++;
    try {
      int minutes = extend.additionalMinutes();
      int sequence = ++extensionCount;
      BigDecimal price = station.priceOf(minutes);
      PaymentRecord payment;
      try {
        payment =
            store()
                .takePayment(
                    new PaymentCommand(
                        request.sessionId(),
                        request.userId(),
                        extensionMethod(extend),
                        price,
                        request.currency(),
                        "EXTEND",
                        "session-" + request.sessionId() + "-extend-" + sequence));
      } catch (ActivityFailure e) {
        throw rethrow(e, SessionFailure.PAYMENT_FAILED);
      }
      if (status != SessionStatus.ACTIVE) {
        // Stopped while the payment was taken: give it back rather than extend an ended session.
        refundPayment(payment.paymentId(), extensionMethod(extend));
        throw failure(SessionFailure.NOT_ACTIVE, null);
      }
      extendedMinutes += minutes;
      scheduledEndAt = scheduledEndAt.plus(Duration.ofMinutes(minutes));
      store()
          .extend(
              new Extension(
                  request.sessionId(),
                  payment.paymentId(),
                  minutes,
                  extendedMinutes,
                  scheduledEndAt));
      refreshStation(minutes);
      return state();
    } finally {
      extensionsInFlight--;
    }
  }

  /** Tells the station about the new end; best effort, the workflow timer is what counts. */
  private void refreshStation(int minutes) {
    long failSafeSeconds =
        Duration.between(now(), scheduledEndAt).plus(settings.failSafeMargin()).toSeconds();
    if (station.type() == StationType.PC) {
      Map<String, Object> fields = sessionFields();
      fields.put("additional_seconds", minutes * 60L);
      fields.put("scheduled_end_at", scheduledEndAt.toString());
      Async.procedure(() -> tellAgent("session_extend", fields));
    }
    // Retried only until one attempt before the end: a refresh landing after enforceEnd switched
    // the console off would power it on (or reopen its network) again for failSafeSeconds.
    Duration refreshDeadline =
        Duration.between(now(), scheduledEndAt).minus(DEVICE_ATTEMPT_TIMEOUT);
    if (refreshDeadline.compareTo(Duration.ofSeconds(1)) < 0) {
      return;
    }
    StationDeviceActivities refreshDevices = deviceStub(refreshDeadline);
    if (station.hasPlug()) {
      Async.procedure(
          () ->
              refreshDevices.switchPlug(
                  new PlugCommand(station.stationId(), station.plugUrl(), true, failSafeSeconds)));
    }
    if (station.hasRouterControl()) {
      Async.procedure(
          () ->
              refreshDevices.openNetwork(
                  new RouterCommand(
                      station.stationId(),
                      station.consoleMac(),
                      station.consoleIp(),
                      failSafeSeconds)));
    }
  }

  private PaymentMethod extensionMethod(ExtendRequest extend) {
    return extend.paymentMethod() != null ? extend.paymentMethod() : request.paymentMethod();
  }

  @Override
  public void validateStop(StopRequest stop) {
    if (status != SessionStatus.ACTIVE && status != SessionStatus.AWAITING_PAYMENT) {
      throw failure(SessionFailure.ALREADY_ENDED, null);
    }
  }

  @Override
  public SessionView stop(StopRequest stop) {
    if (status == SessionStatus.AWAITING_PAYMENT) {
      cancelRequested = true;
      Workflow.await(() -> status != SessionStatus.AWAITING_PAYMENT);
      if (status != SessionStatus.ACTIVE) {
        return state();
      }
      // Paid just before the stop arrived: the session started, so stop it like any other.
    }
    status = SessionStatus.STOPPED;
    publishStatus();
    endedAt = now();
    String reason = stop.reason() == null || stop.reason().isBlank() ? "stopped" : stop.reason();
    ender().end(new Ending(request.sessionId(), SessionStatus.STOPPED, reason));
    return state();
  }

  @Override
  public SessionView state() {
    return new SessionView(
        request.sessionId(),
        station.stationId(),
        request.userId(),
        status,
        request.paymentMethod(),
        paymentId,
        clientSecret,
        startedAt,
        scheduledEndAt,
        endedAt,
        request.durationMinutes(),
        extendedMinutes,
        failure,
        failureMessage);
  }

  private SessionView finish() {
    // Updates still running (awaitStart, confirmPayment) must answer before the run closes.
    Workflow.await(Workflow::isEveryHandlerFinished);
    return state();
  }

  private void fail(ActivityFailure e, SessionFailure fallback) {
    ApplicationFailure cause = Failures.applicationCause(e);
    SessionFailure named = cause == null ? null : SessionFailure.fromType(cause.getType());
    failure = named != null ? named : fallback;
    failureMessage =
        named != null
            ? cause.getOriginalMessage()
            : fallback.defaultMessage() + ": " + rootMessage(e);
    endedAt = now();
  }

  private static ApplicationFailure rethrow(ActivityFailure e, SessionFailure fallback) {
    ApplicationFailure cause = Failures.applicationCause(e);
    SessionFailure named = cause == null ? null : SessionFailure.fromType(cause.getType());
    if (named != null) {
      return ApplicationFailure.newNonRetryableFailure(cause.getOriginalMessage(), named.name());
    }
    return failure(fallback, fallback.defaultMessage() + ": " + rootMessage(e));
  }

  private static ApplicationFailure failure(SessionFailure kind, String message) {
    return ApplicationFailure.newNonRetryableFailure(
        message != null ? message : kind.defaultMessage(), kind.name());
  }

  /** The deepest message in the cause chain that says something (a refused connection has none). */
  private static String rootMessage(Throwable e) {
    String message = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String own = t instanceof ApplicationFailure af ? af.getOriginalMessage() : t.getMessage();
      if (own != null && !own.isBlank()) {
        message = own;
      }
    }
    return message;
  }

  private Map<String, Object> sessionFields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("session_id", request.sessionId());
    return fields;
  }

  private SessionEvent event(String type, Map<String, Object> data) {
    return new SessionEvent(type, station.stationId(), request.sessionId(), data);
  }

  /**
   * Mirrors the status into the OpsflowSessionStatus search attribute, when the workflow was
   * started with the attributes (they are registered on the namespace) and runs version 1.
   */
  private void publishStatus() {
    if (!publishesStatus) {
      return;
    }
    Workflow.upsertTypedSearchAttributes(SessionSearchAttributes.STATUS.valueSet(status.name()));
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }

  private static long minorUnits(BigDecimal amount) {
    return amount.movePointRight(2).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }
}
