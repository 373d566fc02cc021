package io.opsflow.api.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.session.SessionProperties;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.ConcurrentWebSocketSessionDecorator;

/** The agent sockets held by this process, by station. */
@Component
public class AgentConnections {

  private static final Logger log = LoggerFactory.getLogger(AgentConnections.class);

  /** A live socket and when the agent last spoke. */
  static final class Connection {
    final WebSocketSession socket;
    volatile Instant lastSeen;

    Connection(WebSocketSession socket, Instant lastSeen) {
      this.socket = new ConcurrentWebSocketSessionDecorator(socket, 5_000, 512 * 1024);
      this.lastSeen = lastSeen;
    }
  }

  private final Map<Long, Connection> byStation = new ConcurrentHashMap<>();
  private final ObjectMapper mapper;
  private final Duration heartbeatTimeout;
  private final Clock clock = Clock.systemUTC();
  private final AgentMetrics metrics;

  public AgentConnections(ObjectMapper mapper, SessionProperties properties, AgentMetrics metrics) {
    this.mapper = mapper;
    this.metrics = metrics;
    this.heartbeatTimeout = properties.agentHeartbeatTimeout();
  }

  /** Registers the socket; an older socket of the same station is closed (one agent each). */
  void register(long stationId, WebSocketSession socket) {
    Connection previous = byStation.put(stationId, new Connection(socket, clock.instant()));
    if (previous != null && previous.socket.isOpen()) {
      close(
          previous.socket, CloseStatus.POLICY_VIOLATION.withReason("replaced by a new connection"));
    }
  }

  /** Removes the socket if it is still the station's current one; true when it was. */
  boolean remove(long stationId, WebSocketSession socket) {
    Connection current = byStation.get(stationId);
    if (current != null && current.socket.getId().equals(socket.getId())) {
      return byStation.remove(stationId, current);
    }
    return false;
  }

  void touch(long stationId) {
    Connection c = byStation.get(stationId);
    if (c != null) {
      c.lastSeen = clock.instant();
    }
  }

  public boolean isConnected(long stationId) {
    Connection c = byStation.get(stationId);
    return c != null && c.socket.isOpen();
  }

  /** Sends one protocol message; false when the agent is not connected here. */
  public boolean send(long stationId, Map<String, Object> message) {
    Connection c = byStation.get(stationId);
    String type = String.valueOf(message.get("type"));
    if (c == null || !c.socket.isOpen()) {
      metrics.message(type, "offline");
      return false;
    }
    try {
      c.socket.sendMessage(new TextMessage(mapper.writeValueAsString(message)));
      metrics.message(type, "sent");
      return true;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("agent message is not serialisable", e);
    } catch (IOException | IllegalStateException e) {
      // Includes a send held past the decorator's 5 s limit: the socket is closed then.
      metrics.message(type, "failed");
      log.warn("send to agent of station {} failed: {}", stationId, e.getMessage());
      return false;
    }
  }

  /** Closes the station's socket held here, if any (its token was revoked or replaced). */
  public void disconnect(long stationId, String reason) {
    Connection c = byStation.get(stationId);
    if (c != null && c.socket.isOpen()) {
      log.info("closing the agent socket of station {}: {}", stationId, reason);
      close(c.socket, CloseStatus.POLICY_VIOLATION.withReason(reason));
    }
  }

  /** Closes sockets whose agent stopped sending heartbeats; closing marks the station OFFLINE. */
  @Scheduled(fixedDelayString = "${opsflow.sessions.agent-sweep-interval:5s}")
  void closeSilentAgents() {
    Instant limit = clock.instant().minus(heartbeatTimeout);
    byStation.forEach(
        (stationId, c) -> {
          if (c.lastSeen.isBefore(limit)) {
            log.info("agent of station {} silent since {}, closing", stationId, c.lastSeen);
            close(c.socket, CloseStatus.SESSION_NOT_RELIABLE.withReason("heartbeat timeout"));
          }
        });
  }

  private static void close(WebSocketSession socket, CloseStatus status) {
    try {
      socket.close(status);
    } catch (IOException ignored) {
      // Already gone.
    }
  }
}
