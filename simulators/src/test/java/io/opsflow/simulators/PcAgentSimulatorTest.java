package io.opsflow.simulators;

import static io.opsflow.simulators.TestHttp.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's protocol handling, fed messages directly; it never connects, so it is offline. */
class PcAgentSimulatorTest {

  private final PcAgentSimulator agent =
      new PcAgentSimulator(
          URI.create("ws://127.0.0.1:1/ws/agent/1"), "t", PcAgentSimulator.Options.defaults());

  @AfterEach
  void close() {
    agent.close();
  }

  private void receive(String json) {
    agent.handleText(json);
  }

  private JsonNode lastSent() {
    return agent.sent().getLast();
  }

  private void startSession(long id, long seconds) {
    Instant now = Instant.now();
    receive(
        """
        {"type":"session_start","session_id":%d,"duration_seconds":%d,
         "scheduled_end_at":"%s","server_time":"%s"}"""
            .formatted(id, seconds, now.plusSeconds(seconds), now));
  }

  @Test
  void startsLockedWithoutSession() {
    assertThat(agent.isLocked()).isTrue();
    assertThat(agent.isLoggedOff()).isFalse();
    assertThat(agent.currentSessionId()).isNull();
    assertThat(agent.remainingSeconds()).isNull();
    assertThat(agent.isConnected()).isFalse();
  }

  @Test
  void sessionStartUnlocksAndCountsDownCorrectedByServerTime() {
    // Server clock one hour ahead of ours: the end time must be read on the server's clock.
    Instant serverNow = Instant.now().plus(Duration.ofHours(1));
    receive(
        """
        {"type":"session_start","session_id":42,"duration_seconds":600,
         "scheduled_end_at":"%s","server_time":"%s"}"""
            .formatted(serverNow.plusSeconds(600), serverNow));

    assertThat(agent.isLocked()).isFalse();
    assertThat(agent.isOverlayVisible()).isTrue();
    assertThat(agent.currentSessionId()).isEqualTo(42L);
    assertThat(agent.lastKnownSessionId()).isEqualTo(42L);
    assertThat(agent.remainingSeconds()).isBetween(598L, 600L);
    JsonNode ack = lastSent();
    assertThat(ack.get("type").asText()).isEqualTo("ack");
    assertThat(ack.get("ack_of").asText()).isEqualTo("session_start");
    assertThat(ack.get("session_id").asLong()).isEqualTo(42);
  }

  @Test
  void extendMovesTheCountdownAndNotifies() {
    startSession(7, 600);
    Instant now = Instant.now();

    receive(
        """
        {"type":"session_extend","session_id":7,"additional_seconds":300,
         "scheduled_end_at":"%s","server_time":"%s"}"""
            .formatted(now.plusSeconds(900), now));

    assertThat(agent.remainingSeconds()).isBetween(898L, 900L);
    assertThat(agent.timeAddedCount()).isEqualTo(1);
    assertThat(agent.notifications()).containsExactly("Time added!");
    assertThat(lastSent().get("ack_of").asText()).isEqualTo("session_extend");
  }

  @Test
  void warningIsRecordedAndAcked() {
    startSession(7, 600);
    receive("{\"type\":\"session_warning\",\"session_id\":7,\"remaining_seconds\":300}");
    assertThat(agent.warnings()).containsExactly(300L);
    assertThat(lastSent().get("ack_of").asText()).isEqualTo("session_warning");
    assertThat(agent.isLocked()).isFalse();
  }

  @Test
  void stopLocksWithoutLoggingOff() {
    startSession(7, 600);
    receive("{\"type\":\"session_stop\",\"session_id\":7,\"action\":\"lock\"}");

    assertThat(agent.isLocked()).isTrue();
    assertThat(agent.isLoggedOff()).isFalse();
    assertThat(agent.currentSessionId()).isNull();
    assertThat(agent.isOverlayVisible()).isFalse();
    assertThat(lastSent().get("ack_of").asText()).isEqualTo("session_stop");
    assertThat(lastSent().get("session_id").asLong()).isEqualTo(7);
  }

  @Test
  void expiredLocksAtOnceAndLogsOffAfterTheGracePeriod() {
    startSession(7, 600);
    receive(
        "{\"type\":\"session_expired\",\"session_id\":7,\"action\":\"logoff\",\"grace_seconds\":1}");

    assertThat(agent.isLocked()).isTrue();
    assertThat(agent.lockMessage()).isEqualTo("Session ended");
    assertThat(agent.isLoggedOff()).isFalse();
    assertThat(agent.currentSessionId()).isNull();
    assertThat(lastSent().get("ack_of").asText()).isEqualTo("session_expired");

    eventually(Duration.ofSeconds(3), agent::isLoggedOff);
  }

  @Test
  void syncResponseResynchronisesOrClears() {
    Instant now = Instant.now();
    receive(
        """
        {"type":"sync_response","server_time":"%s",
         "session":{"id":9,"status":"ACTIVE","scheduled_end_at":"%s","remaining_seconds":120}}"""
            .formatted(now, now.plusSeconds(120)));

    assertThat(agent.isLocked()).isFalse();
    assertThat(agent.currentSessionId()).isEqualTo(9L);
    assertThat(agent.remainingSeconds()).isBetween(118L, 120L);

    receive("{\"type\":\"sync_response\",\"session\":null,\"server_time\":\"" + now + "\"}");
    assertThat(agent.isLocked()).isTrue();
    assertThat(agent.currentSessionId()).isNull();
  }

  @Test
  void noSessionClearsLocalState() {
    startSession(7, 600);
    receive("{\"type\":\"no_session\"}");
    assertThat(agent.isLocked()).isTrue();
    assertThat(agent.currentSessionId()).isNull();
    assertThat(agent.lastKnownSessionId()).isNull();
  }

  @Test
  void heartbeatAcksAreCountedAndUnknownTypesIgnored() {
    receive("{\"type\":\"heartbeat_ack\"}");
    receive("{\"type\":\"heartbeat_ack\"}");
    receive("{\"type\":\"firmware_update\",\"url\":\"x\"}");
    receive("not json");

    assertThat(agent.heartbeatAcks()).isEqualTo(2);
    assertThat(agent.unknownMessages()).hasSize(2);
    assertThat(agent.received()).hasSize(4);
    assertThat(agent.sent()).isEmpty();
    assertThat(agent.isLocked()).isTrue();
  }

  @Test
  void countdownReachingZeroOfflineLocksByItself() {
    startSession(5, 1);
    assertThat(agent.isLocked()).isFalse();

    eventually(Duration.ofSeconds(3), agent::isLocked);

    assertThat(agent.offlineLocks()).isEqualTo(1);
    assertThat(agent.lockMessage()).isEqualTo("Session ended");
    assertThat(agent.isLoggedOff()).isFalse();
    assertThat(agent.lastKnownSessionId()).isEqualTo(5L);
  }

  @Test
  void awaitMessageReturnsEachMatchOnceInOrder() {
    receive("{\"type\":\"heartbeat_ack\",\"n\":1}");
    receive("{\"type\":\"no_session\"}");
    receive("{\"type\":\"heartbeat_ack\",\"n\":2}");

    assertThat(agent.awaitMessage("heartbeat_ack", Duration.ofMillis(10)).get("n").asInt())
        .isEqualTo(1);
    assertThat(agent.awaitMessage("heartbeat_ack", Duration.ofMillis(10)).get("n").asInt())
        .isEqualTo(2);
    assertThat(agent.awaitMessage("no_session", Duration.ofMillis(10))).isNotNull();
    assertThatThrownBy(() -> agent.awaitMessage("heartbeat_ack", Duration.ofMillis(50)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("heartbeat_ack");
  }

  @Test
  void readsServerTimesInSeveralShapes() {
    Instant t = Instant.parse("2025-03-01T18:30:00Z");
    var nodes = TestHttp.JSON.getNodeFactory();
    assertThat(AgentMessages.instant(nodes.textNode("2025-03-01T18:30:00Z"))).isEqualTo(t);
    assertThat(AgentMessages.instant(nodes.textNode("2025-03-01T19:30:00+01:00"))).isEqualTo(t);
    assertThat(AgentMessages.instant(nodes.textNode("2025-03-01T18:30:00"))).isEqualTo(t);
    assertThat(AgentMessages.instant(nodes.numberNode(t.toEpochMilli()))).isEqualTo(t);
    assertThat(AgentMessages.instant(nodes.numberNode(t.getEpochSecond()))).isEqualTo(t);
  }
}
