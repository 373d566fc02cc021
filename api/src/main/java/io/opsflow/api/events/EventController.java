package io.opsflow.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.api.web.OpenStreams;
import java.io.IOException;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Station, session and build events: a live SSE stream for dashboards, and history. */
@RestController
@RequestMapping("/api/v1")
public class EventController {

  private final EventHub hub;
  private final EventQueries queries;
  private final OpenStreams streams;

  public EventController(EventHub hub, EventQueries queries, OpenStreams streams) {
    this.hub = hub;
    this.queries = queries;
    this.streams = streams;
  }

  /**
   * Live events as SSE ({@code event:} is the type, {@code id:} the event id). A client that
   * reconnects with {@code Last-Event-ID} first receives what it missed, from the table, then the
   * live events it did not receive that way (none twice).
   */
  @GetMapping(path = "/events/stream", produces = "text/event-stream")
  public SseEmitter stream(
      @RequestParam(name = "station_id", required = false) Long stationId,
      @RequestParam(name = "session_id", required = false) Long sessionId,
      @RequestParam(name = "build_id", required = false) Long buildId,
      @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId)
      throws IOException {
    Predicate<JsonNode> filter =
        e ->
            (stationId == null || e.path("station_id").asLong(-1) == stationId)
                && (sessionId == null || e.path("session_id").asLong(-1) == sessionId)
                && (buildId == null || e.path("build_id").asLong(-1) == buildId);
    SseEmitter emitter = streams.open();
    if (lastEventId != null) {
      hub.resume(emitter, filter, lastEventId, after -> queries.after(after, 10_000));
    } else {
      hub.subscribe(emitter, filter);
    }
    emitter.send(SseEmitter.event().comment("subscribed"));
    return emitter;
  }

  @GetMapping("/events")
  public List<JsonNode> latest(@RequestParam(defaultValue = "100") int limit) {
    return queries.latest(Math.max(1, Math.min(limit, 1000)));
  }

  @GetMapping("/builds/{id}/events")
  public List<JsonNode> ofBuild(@PathVariable long id) {
    return queries.ofBuild(id);
  }

  @GetMapping("/sessions/{id}/events")
  public List<JsonNode> ofSession(@PathVariable long id) {
    return queries.ofSession(id);
  }
}
