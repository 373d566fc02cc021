package io.opsflow.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Fans events out to the SSE subscribers of this API instance. */
@Component
public class EventHub {

  /**
   * One stream. A stream resuming after Last-Event-ID holds the live events that arrive while its
   * replay is sent, then sends those the replay did not: each event once, in id order after the
   * replay (an event can be recorded between the subscription and the replay's query, and then be
   * both live and missed).
   */
  private final class Subscriber {
    final SseEmitter emitter;
    final Predicate<JsonNode> filter;
    private List<JsonNode> held;
    private long replayedUpTo = Long.MIN_VALUE;

    Subscriber(SseEmitter emitter, Predicate<JsonNode> filter, boolean replaying) {
      this.emitter = emitter;
      this.filter = filter;
      this.held = replaying ? new ArrayList<>() : null;
    }

    synchronized void offer(JsonNode event) throws IOException {
      if (held != null) {
        held.add(event);
      } else if (event.path("id").asLong() > replayedUpTo) {
        send(emitter, mapper, event);
      }
    }

    synchronized void live(long upTo) throws IOException {
      replayedUpTo = upTo;
      List<JsonNode> waiting = held;
      held = null;
      for (JsonNode event : waiting) {
        if (event.path("id").asLong() > upTo) {
          send(emitter, mapper, event);
        }
      }
    }
  }

  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final ObjectMapper mapper;

  public EventHub(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public void subscribe(SseEmitter emitter, Predicate<JsonNode> filter) {
    add(new Subscriber(emitter, filter, false));
  }

  /**
   * Subscribes a stream that resumes after {@code lastEventId}: sends what {@code missedAfter}
   * reads (the events recorded after it, in id order) that pass the filter, then goes live without
   * repeating any of them.
   */
  public void resume(
      SseEmitter emitter,
      Predicate<JsonNode> filter,
      long lastEventId,
      LongFunction<List<JsonNode>> missedAfter)
      throws IOException {
    Subscriber s = add(new Subscriber(emitter, filter, true));
    long upTo = lastEventId;
    for (JsonNode missed : missedAfter.apply(lastEventId)) {
      upTo = Math.max(upTo, missed.path("id").asLong());
      if (filter.test(missed)) {
        send(emitter, mapper, missed);
      }
    }
    s.live(upTo);
  }

  private Subscriber add(Subscriber s) {
    subscribers.add(s);
    s.emitter.onCompletion(() -> subscribers.remove(s));
    s.emitter.onTimeout(() -> subscribers.remove(s));
    s.emitter.onError(e -> subscribers.remove(s));
    return s;
  }

  /** Publishes one event (the JSON of an events row) to every subscriber whose filter matches. */
  public void publish(JsonNode event) {
    for (Subscriber s : subscribers) {
      if (s.filter.test(event)) {
        try {
          s.offer(event);
        } catch (IOException | IllegalStateException gone) {
          subscribers.remove(s);
        }
      }
    }
  }

  static void send(SseEmitter emitter, ObjectMapper mapper, JsonNode event) throws IOException {
    emitter.send(
        SseEmitter.event()
            .id(event.path("id").asText())
            .name(event.path("type").asText())
            .data(mapper.writeValueAsString(event), MediaType.APPLICATION_JSON));
  }

  public int subscriberCount() {
    return subscribers.size();
  }
}
