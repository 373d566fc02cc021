package io.opsflow.api.pass;

import io.opsflow.api.pass.PassDtos.ImportReport;
import io.opsflow.api.pass.PassDtos.PassView;
import io.opsflow.api.pass.PassDtos.ReservePass;
import io.opsflow.api.pass.PassDtos.UpdatePass;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.Operators;
import io.opsflow.pass.PassStatus;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Pass reservations: reserve (which starts the pass's workflow {@code pass-<id>}), list, get,
 * reschedule and cancel (updates of that workflow), and import a file of them.
 */
@RestController
@RequestMapping("/api/v1/passes")
public class PassController {

  private final Passes passes;
  private final PassService service;
  private final PassImport imports;
  private final Operators operators;

  public PassController(
      Passes passes, PassService service, PassImport imports, Operators operators) {
    this.passes = passes;
    this.service = service;
    this.imports = imports;
    this.operators = operators;
  }

  /**
   * Stores the reservation and starts its workflow. 400 naming the field (window in the past or
   * inverted, graph problems with the node id), 409 naming the pass it overlaps, 503 when the
   * workflow cannot be started (the reservation is then cancelled, nothing half done).
   */
  @PostMapping
  public ResponseEntity<PassView> reserve(
      @Valid @RequestBody ReservePass body, HttpServletRequest http) {
    PassView pass = service.reserve(body, operators.require(http));
    return ResponseEntity.created(URI.create("/api/v1/passes/" + pass.id())).body(pass);
  }

  @GetMapping
  public List<PassView> list(
      @RequestParam(name = "ground_station_id", required = false) Long groundStationId,
      @Parameter(
              schema =
                  @Schema(
                      allowableValues = {
                        "reserved",
                        "starting",
                        "executing",
                        "success",
                        "failure",
                        "cancelled"
                      }))
          @RequestParam(required = false)
          String status,
      @Parameter(description = "passes whose window ends after this")
          @RequestParam(required = false)
          Instant from,
      @Parameter(description = "passes whose window starts before this")
          @RequestParam(required = false)
          Instant to,
      @RequestParam(defaultValue = "500") int limit) {
    PassStatus wanted = null;
    if (status != null) {
      wanted = PassStatus.of(status);
      if (wanted == null) {
        throw ApiException.badRequest("status", "status: unknown status '" + status + "'");
      }
    }
    return passes.list(groundStationId, wanted, from, to, Math.max(1, Math.min(limit, 1000)));
  }

  @GetMapping("/{id}")
  public PassView get(@PathVariable long id) {
    return passes.require(id);
  }

  /**
   * Window, lead time, graph or parameters of a reserved pass (the workflow's {@code reschedule}):
   * 400 naming a bad field; 409 once it started, on an overlap (naming {@code conflicting_pass_id})
   * or a stale {@code version}.
   */
  @PutMapping("/{id}")
  public PassView update(
      @PathVariable long id, @Valid @RequestBody UpdatePass body, HttpServletRequest http) {
    return service.update(id, body, operators.require(http));
  }

  /**
   * Cancels a pass (the workflow's {@code cancel}): a reserved one frees its window, a running one
   * is stopped and its executor torn down. A cancelled pass answers as it is; 409 once it ended.
   */
  @DeleteMapping("/{id}")
  public PassView cancel(
      @PathVariable long id,
      @Parameter(description = "why, kept with the action") @RequestParam(required = false)
          String reason,
      HttpServletRequest http) {
    return service.cancel(id, reason, operators.require(http));
  }

  /** A JSON array of passes: a report line per item, good ones saved whatever the others are. */
  @PostMapping(path = "/import", consumes = "application/json")
  public ImportReport importJson(@RequestBody List<ReservePass> body, HttpServletRequest http) {
    return imports.json(body, operators.require(http));
  }

  /**
   * CSV with a header line: {@code satellite,ground_station_id,aos,los} and optionally {@code
   * lead_time_seconds,procedure,parameters} (JSON, quoted).
   */
  @PostMapping(path = "/import", consumes = "text/csv")
  public ImportReport importCsv(@RequestBody String body, HttpServletRequest http) {
    return imports.csv(body, operators.require(http));
  }
}
