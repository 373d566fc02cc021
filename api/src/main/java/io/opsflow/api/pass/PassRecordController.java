package io.opsflow.api.pass;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.pass.PassDtos.EventPage;
import io.opsflow.api.pass.PassDtos.PacketPage;
import io.opsflow.api.pass.PassDtos.PassReport;
import io.opsflow.api.pass.PassDtos.TimeCorrelation;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.ApiExceptionHandler;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * What a pass recorded, during the pass and after it: its event log, TC/TM packets, time
 * correlation and report, and a live stream of events and packets. Pages go oldest first from an id
 * cursor ({@code after}); the next page starts after the {@code next_after} of this one.
 */
@RestController
@RequestMapping("/api/v1/passes/{id}")
public class PassRecordController {

  private final Passes passes;
  private final PassRecords records;
  private final PassStream stream;
  private final ObjectMapper mapper;

  public PassRecordController(
      Passes passes, PassRecords records, PassStream stream, ObjectMapper mapper) {
    this.passes = passes;
    this.records = records;
    this.stream = stream;
    this.mapper = mapper;
  }

  /** The pass's events, filtered by type, node and time ({@code at}). */
  @GetMapping("/events")
  public EventPage events(
      @PathVariable long id,
      @Parameter(description = "e.g. action_ended, operator, status")
          @RequestParam(required = false)
          String type,
      @RequestParam(name = "node_id", required = false) String nodeId,
      @Parameter(description = "events at or after this") @RequestParam(required = false)
          Instant from,
      @Parameter(description = "events before this") @RequestParam(required = false) Instant to,
      @Parameter(description = "only ids above this (the previous page's next_after)")
          @RequestParam(defaultValue = "0")
          long after,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    PassRecords.EventFilter filter = PassRecords.eventFilter(type, nodeId, from, to);
    long cursor = PassInputs.after(after);
    int max = PassInputs.limit(limit);
    passes.require(id);
    return records.events(id, filter, cursor, max);
  }

  /** The pass's TC and TM packets, filtered by direction, APID and ground time. */
  @GetMapping("/packets")
  public PacketPage packets(
      @PathVariable long id,
      @Parameter(schema = @Schema(allowableValues = {"tc", "tm"})) @RequestParam(required = false)
          String direction,
      @Parameter(description = "0..2047") @RequestParam(required = false) Integer apid,
      @Parameter(description = "ground time at or after this") @RequestParam(required = false)
          Instant from,
      @Parameter(description = "ground time before this") @RequestParam(required = false)
          Instant to,
      @Parameter(description = "only ids above this (the previous page's next_after)")
          @RequestParam(defaultValue = "0")
          long after,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    PassRecords.PacketFilter filter = PassRecords.packetFilter(direction, apid, from, to);
    long cursor = PassInputs.after(after);
    int max = PassInputs.limit(limit);
    passes.require(id);
    return records.packets(id, filter, cursor, max);
  }

  /** The onboard-to-ground time relation; 404 until postprocessing fitted it. */
  @GetMapping("/time-correlation")
  public TimeCorrelation timeCorrelation(@PathVariable long id) {
    passes.require(id);
    return records.timeCorrelation(id);
  }

  /** The pass report; 404 until postprocessing wrote it. */
  @GetMapping("/report")
  public PassReport report(@PathVariable long id) {
    passes.require(id);
    return records.report(id);
  }

  /**
   * Events ({@code pass-event}) and packets ({@code packet}) as SSE in id order, {@code id:} the
   * row id; a reconnect with {@code Last-Event-ID} (or {@code ?after=}) resumes after it. The
   * stream ends with an {@code end} event once the pass is over and everything was sent.
   */
  @GetMapping(path = "/stream", produces = "text/event-stream")
  public SseEmitter stream(
      @PathVariable long id,
      @Parameter(description = "start after this id (Last-Event-ID wins when both are given)")
          @RequestParam(required = false)
          Long after,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      HttpServletResponse response)
      throws IOException {
    long cursor;
    try {
      cursor = PassStream.cursor(lastEventId, after);
      passes.require(id);
    } catch (ApiException e) {
      // Written here as JSON: the error handler cannot answer a text/event-stream route.
      response.setStatus(e.status().value());
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
      mapper.writeValue(response.getOutputStream(), ApiExceptionHandler.errorBody(e));
      return null;
    }
    return stream.follow(id, cursor);
  }
}
