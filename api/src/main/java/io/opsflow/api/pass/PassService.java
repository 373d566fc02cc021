package io.opsflow.api.pass;

import io.opsflow.api.pass.PassDtos.GroundStationView;
import io.opsflow.api.pass.PassDtos.PassState;
import io.opsflow.api.pass.PassDtos.PassView;
import io.opsflow.api.pass.PassDtos.ReservePass;
import io.opsflow.api.pass.PassDtos.UpdatePass;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.PassOperations.Cancel;
import io.opsflow.pass.PassOperations.Reschedule;
import io.opsflow.pass.PassRequest;
import io.opsflow.pass.PassStatus;
import io.opsflow.pass.ProcedureGraph;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Passes as rows plus their workflows: a reservation is stored, then {@code pass-<id>} is started;
 * every later change (reschedule, cancel, the live operations) is an update of that workflow, with
 * the operator from the caller's token. A refusal is a 409 with the workflow's message and a {@code
 * rejected} row in the pass's action log.
 */
@Service
public class PassService {

  private static final Logger log = LoggerFactory.getLogger(PassService.class);

  private final Passes passes;
  private final GroundStations stations;
  private final PassWorkflows workflows;
  private final PassActions actions;

  public PassService(
      Passes passes, GroundStations stations, PassWorkflows workflows, PassActions actions) {
    this.passes = passes;
    this.stations = stations;
    this.workflows = workflows;
    this.actions = actions;
  }

  /**
   * Stores the reservation and starts its workflow. When the start fails the reservation is
   * cancelled (its window freed, the reason kept) and the answer is 503: a reserved row without a
   * workflow would never run.
   */
  public PassView reserve(ReservePass body, String user) {
    // The ground station is read before the row is stored: PostgreSQL going away here refuses the
    // reservation with nothing stored, not a reserved row whose workflow never started.
    GroundStationView station = stations.find(body.groundStationId()).orElse(null);
    PassView row = passes.insert(body, user);
    try {
      workflows.start(
          request(row, station != null ? station : stations.require(row.groundStationId())), user);
    } catch (RuntimeException e) {
      log.error("pass {}: its workflow could not be started", row.id(), e);
      String reason = "its workflow could not be started: " + e.getMessage();
      passes.cancelUnstarted(row.id(), reason);
      workflows.terminateQuietly(row.id(), "reservation cancelled: " + reason);
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "pass " + row.id() + " was not reserved, " + reason + " (try again)");
    }
    return row;
  }

  /** What the workflow runs: the row as stored, with its ground station's endpoint. */
  PassRequest request(PassView row) {
    return request(row, stations.require(row.groundStationId()));
  }

  private static PassRequest request(PassView row, GroundStationView station) {
    return new PassRequest(
        row.id(),
        row.satellite(),
        station.id(),
        station.name(),
        station.host(),
        station.port(),
        row.aos(),
        row.los(),
        row.leadTimeSeconds(),
        row.procedure(),
        row.parameters(),
        row.version(),
        null);
  }

  /**
   * The workflow's {@code reschedule}: fields checked here first (400 naming them), then the
   * workflow refuses a pass that started (409) and its store refuses an overlap (409 naming the
   * other pass) or a stale version (409).
   */
  public PassView update(long id, UpdatePass body, String operator) {
    PassView current = passes.require(id);
    if (body.aos() != null || body.los() != null) {
      passes.checkWindow(
          body.aos() == null ? current.aos() : body.aos(),
          body.los() == null ? current.los() : body.los());
    }
    ProcedureGraph procedure =
        body.procedure() == null ? null : Passes.checkGraph(body.procedure());
    Reschedule change =
        new Reschedule(
            operator,
            body.aos(),
            body.los(),
            body.leadTimeSeconds(),
            procedure,
            body.parameters(),
            body.version());
    io.opsflow.pass.PassView view = send(current, "reschedule", null, change, operator);
    return merged(passes.require(id), view);
  }

  /** The workflow's {@code cancel}, before or during execution; a cancelled pass stays so. */
  public PassView cancel(long id, String reason, String operator) {
    if (reason != null && reason.length() > 2000) {
      throw ApiException.badRequest("reason", "reason: at most 2000 characters");
    }
    PassView current = passes.require(id);
    if (current.status().equals(PassStatus.CANCELLED.wire())) {
      return current;
    }
    io.opsflow.pass.PassView view =
        send(
            current,
            "cancel",
            null,
            new Cancel(operator, reason == null ? "cancelled by " + operator : reason),
            operator);
    return merged(passes.require(id), view);
  }

  /** A live operation: the update {@code kind} of the pass's workflow. */
  public PassState operate(long id, String kind, String nodeId, Object input, String operator) {
    PassView current = passes.require(id);
    return PassState.of(send(current, kind, nodeId, input, operator));
  }

  /**
   * Sends the update; a pass still reserved whose workflow is missing (reserved before workflows
   * ran passes, or lost) gets one started from its row first.
   */
  private io.opsflow.pass.PassView send(
      PassView pass, String kind, String nodeId, Object input, String operator) {
    String updateId = kind + "-" + UUID.randomUUID();
    try {
      try {
        return workflows.update(pass.id(), kind, updateId, input);
      } catch (PassWorkflows.NotRunning missing) {
        PassView now = passes.require(pass.id());
        if (!now.status().equals(PassStatus.RESERVED.wire())) {
          throw ApiException.conflict(
              "pass " + pass.id() + " is " + now.status() + ": its execution is over");
        }
        log.info("pass {} is reserved without a workflow: starting one", pass.id());
        workflows.start(request(now), now.createdBy());
        try {
          return workflows.update(pass.id(), kind, updateId, input);
        } catch (PassWorkflows.NotRunning stillMissing) {
          throw ApiException.conflict(
              "pass " + pass.id() + " is reserved but its workflow has ended; cancel it");
        }
      }
    } catch (ApiException refused) {
      if (refused.status() == HttpStatus.CONFLICT) {
        actions.rejected(pass.id(), operator, kind, nodeId, input, refused.getMessage(), updateId);
      }
      throw refused;
    }
  }

  /**
   * The row with the workflow's answer on top: an update returns once the workflow changed its
   * state, which its activity writes to the row a moment later.
   */
  private static PassView merged(PassView row, io.opsflow.pass.PassView view) {
    if (view == null || view.version() < row.version()) {
      return row;
    }
    Instant aos = view.aos() == null ? row.aos() : view.aos();
    Instant los = view.los() == null ? row.los() : view.los();
    return new PassView(
        row.id(),
        row.satellite(),
        row.groundStationId(),
        row.groundStation(),
        aos,
        los,
        view.leadTimeSeconds(),
        view.procedure() == null ? row.procedure() : view.procedure(),
        row.parameters(),
        view.status() == null ? row.status() : view.status(),
        Math.max(row.version(), view.version()),
        row.createdBy(),
        row.createdAt(),
        row.updatedAt(),
        view.phase() == null ? row.phase() : view.phase(),
        row.executorKind(),
        row.executorId(),
        row.executorName(),
        row.startedAt(),
        row.endedAt(),
        view.failureReason() == null ? row.failureReason() : view.failureReason());
  }
}
