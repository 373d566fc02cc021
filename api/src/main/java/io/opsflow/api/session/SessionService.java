package io.opsflow.api.session;

import io.opsflow.Failures;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.session.SessionDtos.ExtendSession;
import io.opsflow.api.session.SessionDtos.SessionResponse;
import io.opsflow.api.session.SessionDtos.StartSession;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.ReadBack;
import io.opsflow.session.ConfirmPayment;
import io.opsflow.session.ExtendRequest;
import io.opsflow.session.PaymentMethod;
import io.opsflow.session.SessionFailure;
import io.opsflow.session.SessionProperties;
import io.opsflow.session.SessionRequest;
import io.opsflow.session.SessionSearchAttributes;
import io.opsflow.session.SessionStatus;
import io.opsflow.session.SessionView;
import io.opsflow.session.SessionWorkflow;
import io.opsflow.session.StationTarget;
import io.opsflow.session.StopRequest;
import io.opsflow.session.db.PaymentRepository;
import io.opsflow.session.db.PaymentRow;
import io.opsflow.session.db.SessionRepository;
import io.opsflow.session.db.SessionRow;
import io.opsflow.session.db.Station;
import io.opsflow.session.db.StationRepository;
import io.opsflow.session.db.UserAccountRepository;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Operator actions on sessions: each is a workflow start or update; reads come from PostgreSQL.
 * Failures named by the workflow map to the seed's HTTP answers.
 */
@Service
public class SessionService {

  private static final Map<SessionFailure, HttpStatus> STATUS =
      Map.ofEntries(
          Map.entry(SessionFailure.STATION_UNAVAILABLE, HttpStatus.CONFLICT),
          Map.entry(SessionFailure.USER_NOT_FOUND, HttpStatus.NOT_FOUND),
          Map.entry(SessionFailure.INSUFFICIENT_BALANCE, HttpStatus.BAD_REQUEST),
          Map.entry(SessionFailure.PAYMENT_FAILED, HttpStatus.PAYMENT_REQUIRED),
          Map.entry(SessionFailure.PAYMENT_TIMEOUT, HttpStatus.PAYMENT_REQUIRED),
          Map.entry(SessionFailure.PAYMENT_NOT_PENDING, HttpStatus.CONFLICT),
          Map.entry(SessionFailure.GATEWAY_UNAVAILABLE, HttpStatus.SERVICE_UNAVAILABLE),
          Map.entry(SessionFailure.DEVICE_UNAVAILABLE, HttpStatus.SERVICE_UNAVAILABLE),
          Map.entry(SessionFailure.NOT_ACTIVE, HttpStatus.BAD_REQUEST),
          Map.entry(SessionFailure.ALREADY_ENDED, HttpStatus.BAD_REQUEST),
          Map.entry(SessionFailure.INVALID_REQUEST, HttpStatus.BAD_REQUEST));

  private final WorkflowClient client;
  private final StationRepository stations;
  private final UserAccountRepository users;
  private final SessionRepository sessions;
  private final PaymentRepository payments;
  private final SessionProperties properties;
  private final TaskQueueProperties queues;
  private final Clock clock;
  private final SearchAttributeRegistrar searchAttributes;

  public SessionService(
      WorkflowClient client,
      StationRepository stations,
      UserAccountRepository users,
      SessionRepository sessions,
      PaymentRepository payments,
      SessionProperties properties,
      TaskQueueProperties queues,
      SearchAttributeRegistrar searchAttributes) {
    this.searchAttributes = searchAttributes;
    this.client = client;
    this.stations = stations;
    this.users = users;
    this.sessions = sessions;
    this.payments = payments;
    this.properties = properties;
    this.queues = queues;
    this.clock = Clock.systemUTC();
  }

  /** Starts {@code session-<id>} and answers once it is ACTIVE (or awaits a card payment). */
  public SessionResponse start(StartSession body) {
    Station station =
        stations
            .findById(body.stationId())
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "station_id: station " + body.stationId() + " not found"));
    if (!users.existsById(body.userId())) {
      throw ApiException.notFound("user_id: user " + body.userId() + " not found");
    }
    if (station.getStatus() == Station.Status.MAINTENANCE) {
      throw new ApiException(HttpStatus.CONFLICT, "Station is in maintenance", "station_id");
    }
    if (sessions.existsByStationIdAndStatusIn(
        station.getId(),
        EnumSet.of(SessionStatus.PENDING, SessionStatus.AWAITING_PAYMENT, SessionStatus.ACTIVE))) {
      throw new ApiException(HttpStatus.CONFLICT, "Station is not available", "station_id");
    }
    PaymentMethod method = body.paymentMethod() != null ? body.paymentMethod() : PaymentMethod.CASH;
    long sessionId = sessions.nextId();
    StationTarget target =
        new StationTarget(
            station.getId(),
            station.getType(),
            station.getPlugUrl(),
            station.getConsoleMac(),
            station.getConsoleIp(),
            station.getHourlyRate());
    BigDecimal amount = body.amount() != null ? body.amount() : target.priceOf(body.duration());
    SessionRequest request =
        new SessionRequest(
            sessionId,
            body.userId(),
            target,
            body.duration(),
            0,
            method,
            amount,
            properties.currency(),
            properties.toSettings(queues.devices()));
    SessionView view = startWorkflow(request);
    return ReadBack.afterStart(
        "session " + sessionId, "/api/v1/sessions/" + sessionId, () -> response(sessionId, view));
  }

  /** Starts the workflow with update-with-start: one round trip, no polling. */
  public SessionView startWorkflow(SessionRequest request) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(SessionRequest.workflowId(request.sessionId()))
            .setTaskQueue(queues.orchestration())
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
            .setMemo(
                Map.of(
                    "api", "/api/v1/sessions/" + request.sessionId(),
                    "station_id", request.station().stationId(),
                    "user_id", request.userId(),
                    "payment_method", request.paymentMethod().name()));
    if (searchAttributes.available()) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(SessionSearchAttributes.STATION_ID, request.station().stationId())
              .set(SessionSearchAttributes.USER_ID, request.userId())
              .set(SessionSearchAttributes.STATUS, SessionStatus.PENDING.name())
              .build());
    }
    SessionWorkflow stub = client.newWorkflowStub(SessionWorkflow.class, options.build());
    return call(
        () ->
            WorkflowClient.executeUpdateWithStart(
                stub::awaitStart,
                UpdateOptions.<SessionView>newBuilder()
                    .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                    .build(),
                new WithStartWorkflowOperation<>(stub::run, request)));
  }

  public SessionResponse extend(long id, ExtendSession body) {
    SessionRow row = row(id);
    SessionView view =
        update(
            row,
            SessionFailure.NOT_ACTIVE,
            () ->
                workflow(id)
                    .extend(new ExtendRequest(body.additionalMinutes(), body.paymentMethod())));
    return response(id, view);
  }

  public SessionResponse stop(long id) {
    SessionRow row = row(id);
    SessionView view =
        update(
            row,
            SessionFailure.ALREADY_ENDED,
            () -> workflow(id).stop(new StopRequest("stopped by operator")));
    return response(id, view);
  }

  public SessionResponse confirmPayment(long paymentId) {
    PaymentRow payment =
        payments
            .findById(paymentId)
            .orElseThrow(() -> ApiException.notFound("Payment " + paymentId + " not found"));
    SessionRow row = row(payment.getSessionId());
    SessionView view =
        update(
            row,
            SessionFailure.PAYMENT_NOT_PENDING,
            () -> workflow(row.getId()).confirmPayment(new ConfirmPayment(paymentId)));
    return response(row.getId(), view);
  }

  public SessionResponse get(long id) {
    return SessionResponse.of(row(id), null, clock.instant());
  }

  /** Live view from the workflow when it still runs, else null. */
  public SessionView liveView(long id) {
    try {
      return workflow(id).state();
    } catch (RuntimeException closedOrMissing) {
      return null;
    }
  }

  private SessionView update(
      SessionRow row, SessionFailure whenClosed, Supplier<SessionView> action) {
    if (!row.getStatus().isLive()) {
      // The workflow may be closed already; the row is the truth for an ended session.
      throw failure(whenClosed, null);
    }
    try {
      return call(action);
    } catch (WorkflowNotFoundException | WorkflowServiceException closed) {
      // Closed between the read and the update: it has ended.
      throw failure(whenClosed, null);
    }
  }

  private SessionView call(Supplier<SessionView> action) {
    try {
      return action.get();
    } catch (WorkflowException e) {
      ApplicationFailure cause = Failures.applicationCause(e);
      SessionFailure named = cause == null ? null : SessionFailure.fromType(cause.getType());
      if (named == null && cause != null) {
        named = SessionFailure.fromMessage(cause.getOriginalMessage());
      }
      if (named != null) {
        throw failure(named, cause.getOriginalMessage());
      }
      if (e instanceof WorkflowServiceException || e instanceof WorkflowNotFoundException) {
        throw e;
      }
      throw new IllegalStateException("session workflow failed: " + e.getMessage(), e);
    }
  }

  private static ApiException failure(SessionFailure kind, String message) {
    HttpStatus status = STATUS.getOrDefault(kind, HttpStatus.BAD_REQUEST);
    String text = message != null ? message : kind.defaultMessage();
    // The seed answers these with exactly its own words.
    if (kind == SessionFailure.NOT_ACTIVE
        || kind == SessionFailure.ALREADY_ENDED
        || kind == SessionFailure.INSUFFICIENT_BALANCE) {
      text = kind.defaultMessage();
    }
    return new ApiException(status, text);
  }

  private SessionWorkflow workflow(long id) {
    return client.newWorkflowStub(SessionWorkflow.class, SessionRequest.workflowId(id));
  }

  private SessionRow row(long id) {
    return sessions
        .findById(id)
        .orElseThrow(() -> ApiException.notFound("Session " + id + " not found"));
  }

  private SessionResponse response(long id, SessionView view) {
    return SessionResponse.of(row(id), view, clock.instant());
  }

  public Instant now() {
    return clock.instant();
  }
}
