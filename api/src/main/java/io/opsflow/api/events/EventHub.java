package io.opsflow.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Fans events out to the SSE subscribers of this API instance. */
@Component
public class EventHub {

  private record Subscriber(SseEmitter emitter, Predicate<JsonNode> filter) {}

  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final ObjectMapper mapper;

  public EventHub(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public void subscribe(SseEmitter emitter, Predicate<JsonNode> filter) {
    Subscriber s = new Subscriber(emitter, filter);
    subscribers.add(s);
    emitter.onCompletion(() -> subscribers.remove(s));
    emitter.onTimeout(() -> subscribers.remove(s));
    emitter.onError(e -> subscribers.remove(s));
  }

  /** Publishes one event (the JSON of an events row) to every subscriber whose filter matches. */
  public void publish(JsonNode event) {
    for (Subscriber s : subscribers) {
      if (s.filter().test(event)) {
        send(s, event);
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

  private void send(Subscriber s, JsonNode event) {
    try {
      send(s.emitter(), mapper, event);
    } catch (IOException | IllegalStateException gone) {
      subscribers.remove(s);
    }
  }

  public int subscriberCount() {
    return subscribers.size();
  }
}
