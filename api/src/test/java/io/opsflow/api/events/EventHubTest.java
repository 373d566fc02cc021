package io.opsflow.api.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A stream resuming after Last-Event-ID: the replay from the table and the live events arriving
 * meanwhile make each event reach the client once, in id order.
 */
class EventHubTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("^id:(\\S+)$", Pattern.MULTILINE);

  /** An emitter that keeps the ids of what is sent on it. */
  private static final class Client extends SseEmitter {
    final List<Long> ids = new ArrayList<>();

    @Override
    public synchronized void send(SseEventBuilder builder) {
      String text =
          builder.build().stream()
              .map(d -> String.valueOf(d.getData()))
              .collect(Collectors.joining());
      Matcher m = ID.matcher(text);
      if (m.find()) {
        ids.add(Long.parseLong(m.group(1)));
      }
    }
  }

  private static JsonNode event(long id, long station) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("type", "session_started")
        .put("station_id", station);
  }

  private final EventHub hub = new EventHub(JSON);

  @Test
  void anEventBothLiveAndMissedReachesAResumingClientOnceAfterTheReplay() throws Exception {
    Client client = new Client();
    hub.resume(
        client,
        e -> true,
        5,
        after -> {
          // recorded after the subscription and before the replay's query: live and missed
          hub.publish(event(7, 1));
          return List.of(event(6, 1), event(7, 1));
        });
    hub.publish(event(8, 1));
    assertThat(client.ids).containsExactly(6L, 7L, 8L);
  }

  @Test
  void anEventArrivingDuringTheReplayButAfterItsQueryFollowsTheReplay() throws Exception {
    Client client = new Client();
    hub.resume(
        client,
        e -> true,
        5,
        after -> {
          List<JsonNode> missed = List.of(event(6, 1));
          hub.publish(event(7, 1));
          return missed;
        });
    assertThat(client.ids).containsExactly(6L, 7L);
  }

  @Test
  void theFilterAppliesToTheReplayAndToLiveEvents() throws Exception {
    Client client = new Client();
    hub.resume(
        client,
        e -> e.path("station_id").asLong() == 2,
        5,
        after -> List.of(event(6, 1), event(7, 2)));
    hub.publish(event(8, 1));
    hub.publish(event(9, 2));
    assertThat(client.ids).containsExactly(7L, 9L);
  }

  @Test
  void aNewClientGetsLiveEventsAtOnce() {
    Client client = new Client();
    hub.subscribe(client, e -> true);
    hub.publish(event(3, 1));
    hub.publish(event(4, 1));
    assertThat(client.ids).containsExactly(3L, 4L);
    assertThat(hub.subscriberCount()).isEqualTo(1);
  }
}
