package io.opsflow.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** The agent side of one API process: records every message it is asked to deliver. */
final class FakeAgent implements AgentActivities {

  record Delivered(long stationId, String type, Map<String, Object> fields, long atMillis) {
    long number(String field) {
      return ((Number) fields.get(field)).longValue();
    }
  }

  private final LongSupplier clock;
  private final List<Delivered> messages = new ArrayList<>();

  FakeAgent(LongSupplier clock) {
    this.clock = clock;
  }

  synchronized List<Delivered> messages(long sessionId) {
    return messages.stream()
        .filter(m -> ((Number) m.fields().get("session_id")).longValue() == sessionId)
        .toList();
  }

  synchronized List<String> types(long sessionId) {
    return messages(sessionId).stream().map(Delivered::type).toList();
  }

  synchronized Delivered only(long sessionId, String type) {
    List<Delivered> found =
        messages(sessionId).stream().filter(m -> m.type().equals(type)).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type + " but got " + types(sessionId));
    }
    return found.get(0);
  }

  @Override
  public synchronized boolean deliver(AgentMessage message) {
    messages.add(
        new Delivered(message.stationId(), message.type(), message.fields(), clock.getAsLong()));
    return true;
  }
}
