package io.opsflow.simulators;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/** Builds the agent's outbound messages and reads fields of inbound ones. */
final class AgentMessages {

  private AgentMessages() {}

  static ObjectNode message(String type) {
    ObjectNode node = Http.JSON.createObjectNode();
    node.put("type", type);
    return node;
  }

  static ObjectNode hello(PcAgentSimulator.Options options) {
    ObjectNode hello = message("agent_hello");
    hello.put("version", options.version());
    hello.put("os", options.os());
    ObjectNode specs = hello.putObject("specs");
    specs.put("cpu", options.cpu());
    specs.put("ram_gb", options.ramGb());
    specs.put("gpu", options.gpu());
    return hello;
  }

  static ObjectNode syncRequest(Long lastKnownSession) {
    ObjectNode sync = message("sync_request");
    putNullable(sync, "last_known_session", lastKnownSession);
    return sync;
  }

  /** Heartbeat with plausible, jittering load figures. */
  static ObjectNode heartbeat(Long activeSession, Long remainingSeconds) {
    ObjectNode heartbeat = message("heartbeat");
    ThreadLocalRandom random = ThreadLocalRandom.current();
    heartbeat.put("cpu", Math.round(random.nextDouble(5, 40) * 10) / 10.0);
    heartbeat.put("ram", Math.round(random.nextDouble(30, 60) * 10) / 10.0);
    putNullable(heartbeat, "active_session", activeSession);
    putNullable(heartbeat, "remaining_seconds", remainingSeconds);
    return heartbeat;
  }

  static ObjectNode ack(String ackOf, JsonNode received) {
    ObjectNode ack = message("ack");
    ack.put("ack_of", ackOf);
    JsonNode sessionId = received.get("session_id");
    ack.set("session_id", sessionId == null ? Http.JSON.nullNode() : sessionId);
    return ack;
  }

  static ObjectNode statusChange(String status) {
    ObjectNode change = message("status_change");
    change.put("status", status);
    return change;
  }

  private static void putNullable(ObjectNode node, String field, Long value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  /** A session id given as number or numeric string, else {@code null}. */
  static Long longOrNull(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isNumber()) {
      return node.asLong();
    }
    try {
      return Long.parseLong(node.asText().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** ISO-8601 (an offset-less time is UTC) or epoch seconds/millis; {@code null} if absent/bad. */
  static Instant instant(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isNumber()) {
      long n = node.asLong();
      return n > 100_000_000_000L ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
    }
    String text = node.asText().trim();
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }
}
