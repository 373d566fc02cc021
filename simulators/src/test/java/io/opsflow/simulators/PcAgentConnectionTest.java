package io.opsflow.simulators;

import static io.opsflow.simulators.TestHttp.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The agent over a real WebSocket against {@link TinyWebSocketServer}. */
class PcAgentConnectionTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final PcAgentSimulator.Options FAST =
      PcAgentSimulator.Options.defaults()
          .withReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200));

  private static String sessionStart(long id, long seconds) {
    Instant now = Instant.now();
    return """
        {"type":"session_start","session_id":%d,"duration_seconds":%d,"scheduled_end_at":"%s","server_time":"%s"}"""
        .formatted(id, seconds, now.plusSeconds(seconds), now);
  }

  @Test
  void helloHeartbeatSessionStartAndResyncAfterADroppedConnection() throws Exception {
    try (TinyWebSocketServer server = new TinyWebSocketServer("/ws/agent/3", "tok");
        PcAgentSimulator agent =
            PcAgentSimulator.connect(
                server.url(), "tok", FAST.withHeartbeatInterval(Duration.ofMillis(100)))) {
      assertThat(agent.isConnected()).isTrue();
      TinyWebSocketServer.Connection first = server.awaitConnection(WAIT);
      assertThat(first.headers.get("authorization")).isEqualTo("Bearer tok");

      JsonNode hello = first.next(WAIT);
      assertThat(hello.get("type").asText()).isEqualTo("agent_hello");
      assertThat(hello.get("version").asText()).isEqualTo("1.4.2");
      assertThat(hello.get("os").asText()).isEqualTo("Windows 11");
      assertThat(hello.at("/specs/ram_gb").asInt()).isEqualTo(32);

      JsonNode heartbeat = first.await("heartbeat", WAIT);
      assertThat(heartbeat.get("active_session").isNull()).isTrue();
      assertThat(heartbeat.get("remaining_seconds").isNull()).isTrue();
      assertThat(heartbeat.get("cpu").isNumber()).isTrue();
      first.send("{\"type\":\"heartbeat_ack\"}");
      agent.awaitMessage("heartbeat_ack", WAIT);
      assertThat(agent.heartbeatAcks()).isEqualTo(1);

      first.send(sessionStart(42, 600));
      JsonNode ack = first.await("ack", WAIT);
      assertThat(ack.get("ack_of").asText()).isEqualTo("session_start");
      assertThat(ack.get("session_id").asLong()).isEqualTo(42);
      assertThat(agent.isLocked()).isFalse();
      assertThat(first.await("heartbeat", WAIT).get("active_session").asLong()).isEqualTo(42);

      first.drop();

      TinyWebSocketServer.Connection second = server.awaitConnection(WAIT);
      assertThat(second.next(WAIT).get("type").asText()).isEqualTo("agent_hello");
      JsonNode sync = second.next(WAIT);
      assertThat(sync.get("type").asText()).isEqualTo("sync_request");
      assertThat(sync.get("last_known_session").asLong()).isEqualTo(42);
      assertThat(agent.isLocked()).isFalse();
      assertThat(agent.connects()).isEqualTo(2);
      assertThat(agent.reconnectDelays()).startsWith(Duration.ofMillis(50));

      second.send("{\"type\":\"no_session\"}");
      agent.awaitMessage("no_session", WAIT);
      assertThat(agent.isLocked()).isTrue();
    }
  }

  @Test
  void statusChangeIsSent() throws Exception {
    try (TinyWebSocketServer server = new TinyWebSocketServer("/ws/agent/1", "tok");
        PcAgentSimulator agent = PcAgentSimulator.connect(server.url(), "tok", FAST)) {
      TinyWebSocketServer.Connection connection = server.awaitConnection(WAIT);
      agent.sendStatusChange("MAINTENANCE");
      assertThat(connection.await("status_change", WAIT).get("status").asText())
          .isEqualTo("MAINTENANCE");
    }
  }

  @Test
  void offlineCountdownLocksWhenConnectionIsLostAfterTheEnd() throws Exception {
    try (TinyWebSocketServer server = new TinyWebSocketServer("/ws/agent/1", "tok");
        PcAgentSimulator agent = PcAgentSimulator.connect(server.url(), "tok", FAST)) {
      TinyWebSocketServer.Connection connection = server.awaitConnection(WAIT);
      connection.send(sessionStart(8, 1));
      agent.awaitMessage("session_start", WAIT);

      eventually(WAIT, () -> agent.remainingSeconds() == 0);
      // Online, ending the session is the server's call.
      assertThat(agent.isLocked()).isFalse();

      agent.disconnect();

      assertThat(agent.isConnected()).isFalse();
      assertThat(agent.isLocked()).isTrue();
      assertThat(agent.offlineLocks()).isEqualTo(1);
      assertThat(agent.lockMessage()).isEqualTo("Session ended");
    }
  }

  @Test
  void manualDisconnectStaysOfflineUntilReconnect() throws Exception {
    try (TinyWebSocketServer server = new TinyWebSocketServer("/ws/agent/1", "tok");
        PcAgentSimulator agent = PcAgentSimulator.connect(server.url(), "tok", FAST)) {
      TinyWebSocketServer.Connection first = server.awaitConnection(WAIT);
      first.send(sessionStart(11, 600));
      first.await("ack", WAIT);

      agent.disconnect();

      // Longer than the 50 ms backoff: an auto-reconnect would have happened by now.
      assertThat(server.pollConnection(Duration.ofMillis(300))).isNull();
      assertThat(agent.isLocked()).isFalse();
      assertThat(agent.remainingSeconds()).isBetween(595L, 600L);

      assertThat(agent.reconnect()).isTrue();
      TinyWebSocketServer.Connection second = server.awaitConnection(WAIT);
      second.await("agent_hello", WAIT);
      assertThat(second.await("sync_request", WAIT).get("last_known_session").asLong())
          .isEqualTo(11);
    }
  }

  @Test
  void rejectedUpgradeRecordsTheStatus() throws Exception {
    try (TinyWebSocketServer server = new TinyWebSocketServer("/ws/agent/1", "tok");
        PcAgentSimulator wrongToken =
            PcAgentSimulator.connect(server.url(), "bad", FAST.withAutoReconnect(false));
        PcAgentSimulator wrongStation =
            PcAgentSimulator.connect(
                server.url().resolve("/ws/agent/99"), "tok", FAST.withAutoReconnect(false))) {
      assertThat(wrongToken.isConnected()).isFalse();
      assertThat(wrongToken.lastHandshakeStatus()).isEqualTo(401);
      assertThat(wrongToken.connectFailures()).isEqualTo(1);
      assertThat(wrongToken.reconnectDelays()).isEmpty();
      assertThat(wrongStation.lastHandshakeStatus()).isEqualTo(404);
    }
  }

  @Test
  void closedPortCountsFailuresAndBacksOffExponentially() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    try (PcAgentSimulator agent =
        PcAgentSimulator.connect(
            URI.create("ws://127.0.0.1:" + port + "/ws/agent/1"), "tok", FAST)) {
      assertThat(agent.isConnected()).isFalse();
      assertThat(agent.connectFailures()).isGreaterThanOrEqualTo(1);
      assertThat(agent.lastHandshakeStatus()).isNull();
      assertThat(agent.lastConnectError()).isNotNull();

      eventually(WAIT, () -> agent.connectFailures() >= 5);

      assertThat(agent.reconnectDelays())
          .startsWith(
              Duration.ofMillis(50),
              Duration.ofMillis(100),
              Duration.ofMillis(200),
              Duration.ofMillis(200));
      assertThat(agent.isLocked()).isTrue();
    }
  }
}
