package io.opsflow.api.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.session.SessionService;
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

  private final AgentConnections connections;
  private final StationPresence presence;
  private final SessionRepository sessions;
  private final SessionService sessionService;
  private final SessionProperties properties;
  private final TaskQueueProperties queues;
  private final ObjectMapper mapper;

  public AgentSocketHandler(
      AgentConnections connections,
      StationPresence presence,
      SessionRepository sessions,
      SessionService sessionService,
      SessionProperties properties,
      TaskQueueProperties queues,
      ObjectMapper mapper) {
    this.connections = connections;
    this.presence = presence;
    this.sessions = sessions;
    this.sessionService = sessionService;
    this.properties = properties;
    this.queues = queues;
    this.mapper = mapper;
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
      }
      case "status_change" -> statusChange(stationId, msg.path("status").asText(""));
      case "sync_request" -> reply(stationId, sync(stationId, msg.path("last_known_session")));
      case "ack" -> log.debug("station {} acked {}", stationId, msg.path("ack_of").asText());
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
        && lastKnown.asLong() == latest.get().getId()) {
      // It expired while the agent was away: enforce it now.
      Map<String, Object> expired = new LinkedHashMap<>();
      expired.put("type", "session_expired");
      expired.put("session_id", latest.get().getId());
      expired.put("action", "logoff");
      expired.put("grace_seconds", properties.logoffGrace().toSeconds());
      return expired;
    }
    return Map.of("type", "no_session");
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
