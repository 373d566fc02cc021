package io.opsflow.api.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.session.SessionService;
import io.opsflow.events.EventLog;
import io.opsflow.session.SessionProperties;
import io.opsflow.session.SessionStatus;
import io.opsflow.session.SessionView;
import io.opsflow.session.db.SessionRepository;
import io.opsflow.session.db.SessionRow;
import io.opsflow.session.db.Station;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;

/** The agent protocol of diagrams 1, 5, 9 and 10, server side. */
@Component
public class AgentSocketHandler extends TextWebSocketHandler {

  private static final Logger log = LoggerFactory.getLogger(AgentSocketHandler.class);

  /**
   * How long after a session's end a heartbeat still naming it is taken as a missed enforcement
   * rather than one on its way (the workflow delivers it right after writing the end).
   */
  static final Duration ENFORCEMENT_IN_FLIGHT = Duration.ofSeconds(10);

  private final AgentConnections connections;
  private final StationPresence presence;
  private final SessionRepository sessions;
  private final SessionService sessionService;
  private final SessionProperties properties;
  private final TaskQueueProperties queues;
  private final ObjectMapper mapper;
  private final EventLog events;
  private final AgentMetrics metrics;
  // Ends this process sent again, by session: a heartbeat crossing the agent's ack is not a miss.
  private final Map<Long, Instant> endsResent = new ConcurrentHashMap<>();

  public AgentSocketHandler(
      AgentConnections connections,
      StationPresence presence,
      SessionRepository sessions,
      SessionService sessionService,
      SessionProperties properties,
      TaskQueueProperties queues,
      ObjectMapper mapper,
      EventLog events,
      AgentMetrics metrics) {
    this.connections = connections;
    this.presence = presence;
    this.sessions = sessions;
    this.sessionService = sessionService;
    this.properties = properties;
    this.queues = queues;
    this.mapper = mapper;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public void afterConnectionEstablished(WebSocketSession socket) {
    long stationId = stationId(socket);
    connections.register(stationId, socket);
    presence.connected(stationId, queues.agentsQueue());
  }

  @Override
  public void afterConnectionClosed(WebSocketSession socket, CloseStatus status) {
    long stationId = stationId(socket);
    if (connections.remove(stationId, socket)) {
      presence.disconnected(
          stationId, status.getReason() != null ? status.getReason() : "connection closed");
    }
  }

  @Override
  protected void handleTextMessage(WebSocketSession socket, TextMessage message) throws Exception {
    long stationId = stationId(socket);
    connections.touch(stationId);
    JsonNode msg;
    try {
      msg = mapper.readTree(message.getPayload());
    } catch (Exception e) {
      reply(stationId, error("message is not valid JSON"));
      return;
    }
    String type = msg.path("type").asText("");
    switch (type) {
      case "agent_hello" -> {
        presence.hello(
            stationId,
            msg.path("version").asText(null),
            msg.path("os").asText(null),
            msg.has("specs") ? mapper.writeValueAsString(msg.get("specs")) : null);
        // An agent that boots during a session learns it without asking.
        activeSession(stationId).ifPresent(row -> reply(stationId, syncResponse(row)));
      }
      case "heartbeat" -> {
        presence.heartbeat(stationId);
        Map<String, Object> ack = new LinkedHashMap<>();
        ack.put("type", "heartbeat_ack");
        ack.put("server_time", Instant.now().toString());
        reply(stationId, ack);
        JsonNode running = msg.get("active_session");
        if (running != null && running.canConvertToLong()) {
          missedEnforcement(stationId, running.asLong());
        }
      }
      case "status_change" -> statusChange(stationId, msg.path("status").asText(""));
      case "sync_request" -> reply(stationId, sync(stationId, msg.path("last_known_session")));
      case "ack" -> acked(stationId, msg);
      case "error" -> agentError(stationId, msg);
      default -> reply(stationId, error("unknown message type '" + type + "'"));
    }
  }

  private void statusChange(long stationId, String status) {
    if (!status.equals("MAINTENANCE") && !status.equals("ONLINE")) {
      reply(stationId, error("status must be MAINTENANCE or ONLINE"));
      return;
    }
    presence.statusChange(stationId, Station.Status.valueOf(status));
  }

  /** Diagram 10: sync_response, session_expired or no_session. */
  Map<String, Object> sync(long stationId, JsonNode lastKnown) {
    Optional<SessionRow> latest = sessions.findFirstByStationIdOrderByIdDesc(stationId);
    if (latest.isPresent() && latest.get().getStatus() == SessionStatus.ACTIVE) {
      return syncResponse(latest.get());
    }
    if (latest.isPresent()
        && latest.get().getStatus() == SessionStatus.EXPIRED
        && lastKnown.isNumber()
        && lastKnown.asLong() == latest.get().getId()
        && !events.exists(enforcedKey(latest.get().getId()))) {
      // It expired while the agent was away (or it never confirmed the logoff): enforce it now.
      metrics.resent("sync");
      endsResent.put(latest.get().getId(), Instant.now());
      return expired(latest.get().getId());
    }
    // Nothing running, or the agent already confirmed the end: no_session locks without a logoff.
    return Map.of("type", "no_session");
  }

  private Map<String, Object> expired(long sessionId) {
    Map<String, Object> expired = new LinkedHashMap<>();
    expired.put("type", "session_expired");
    expired.put("session_id", sessionId);
    expired.put("action", "logoff");
    expired.put("grace_seconds", properties.logoffGrace().toSeconds());
    return expired;
  }

  /**
   * The agent still runs a session that ended a while ago and never confirmed its end (the message
   * was lost to a hung agent, or the agent failed to apply it): send the end again. Stops once the
   * agent acks it.
   */
  private void missedEnforcement(long stationId, long sessionId) {
    Optional<SessionRow> row = sessions.findById(sessionId);
    if (row.isEmpty()
        || row.get().getStationId() != stationId
        || row.get().getActualEndAt() == null
        || row.get().getActualEndAt().isAfter(Instant.now().minus(ENFORCEMENT_IN_FLIGHT))
        || recentlyResent(sessionId)
        || events.exists(enforcedKey(sessionId))) {
      return;
    }
    Map<String, Object> end;
    if (row.get().getStatus() == SessionStatus.EXPIRED) {
      end = expired(sessionId);
    } else {
      end = new LinkedHashMap<>();
      end.put("type", "session_stop");
      end.put("session_id", sessionId);
      end.put("action", "lock");
    }
    log.info(
        "agent of station {} still runs ended session {}: sending its end again",
        stationId,
        sessionId);
    metrics.resent("heartbeat");
    endsResent.put(sessionId, Instant.now());
    reply(stationId, end);
  }

  private boolean recentlyResent(long sessionId) {
    Instant limit = Instant.now().minus(ENFORCEMENT_IN_FLIGHT);
    endsResent.values().removeIf(at -> at.isBefore(limit));
    return endsResent.containsKey(sessionId);
  }

  /** The agent applied an end: recorded once per session, so a later sync does not repeat it. */
  private void acked(long stationId, JsonNode msg) {
    String of = msg.path("ack_of").asText("");
    JsonNode session = msg.get("session_id");
    if (!(of.equals("session_expired") || of.equals("session_stop"))
        || session == null
        || !session.canConvertToLong()) {
      log.debug("station {} acked {}", stationId, of);
      return;
    }
    if (sessions.findById(session.asLong()).filter(r -> r.getStationId() == stationId).isEmpty()) {
      // Not this station's session: an agent confirms only its own.
      return;
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("session_id", session.asLong());
    data.put("ack_of", of);
    data.put("action", of.equals("session_expired") ? "logoff" : "lock");
    if (events.append(
            "agent_enforced", stationId, session.asLong(), data, enforcedKey(session.asLong()))
        == null) {
      log.info("station {} acked the end of session {} again", stationId, session.asLong());
    }
  }

  /** The agent could not apply a message: recorded (once per session and message) and counted. */
  private void agentError(long stationId, JsonNode msg) {
    String of = msg.path("ack_of").asText("");
    String message = msg.path("message").asText("");
    metrics.agentError(of);
    JsonNode session = msg.get("session_id");
    log.warn(
        "agent of station {} failed {}: {}", stationId, of.isEmpty() ? "a message" : of, message);
    if (session != null
        && session.canConvertToLong()
        && AgentMetrics.SERVER_MESSAGES.contains(of)) {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("session_id", session.asLong());
      data.put("error_of", of);
      data.put("message", message);
      events.append(
          "agent_error",
          stationId,
          session.asLong(),
          data,
          "agent-error-" + session.asLong() + "-" + of);
    }
  }

  static String enforcedKey(long sessionId) {
    return "agent-enforced-" + sessionId;
  }

  private Optional<SessionRow> activeSession(long stationId) {
    return sessions
        .findFirstByStationIdOrderByIdDesc(stationId)
        .filter(r -> r.getStatus() == SessionStatus.ACTIVE);
  }

  /** The live session, from workflow state (which knows an extension in flight) when running. */
  private Map<String, Object> syncResponse(SessionRow row) {
    SessionView view = sessionService.liveView(row.getId());
    Instant end =
        view != null && view.scheduledEndAt() != null
            ? view.scheduledEndAt()
            : row.getScheduledEndAt();
    SessionStatus status = view != null ? view.status() : row.getStatus();
    Instant now = Instant.now();
    Map<String, Object> session = new LinkedHashMap<>();
    session.put("id", row.getId());
    session.put("status", status.name());
    session.put("scheduled_end_at", end.toString());
    session.put("remaining_seconds", Math.max(0, Duration.between(now, end).toSeconds()));
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("type", "sync_response");
    response.put("session", session);
    response.put("server_time", now.toString());
    return response;
  }

  private void reply(long stationId, Map<String, Object> message) {
    connections.send(stationId, message);
  }

  private static Map<String, Object> error(String message) {
    return Map.of("type", "error", "message", message);
  }

  private static long stationId(WebSocketSession socket) {
    return (Long) socket.getAttributes().get(AgentHandshake.STATION_ID);
  }
}
