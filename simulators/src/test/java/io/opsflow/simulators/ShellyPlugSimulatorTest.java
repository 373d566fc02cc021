package io.opsflow.simulators;

import static io.opsflow.simulators.TestHttp.eventually;
import static io.opsflow.simulators.TestHttp.get;
import static io.opsflow.simulators.TestHttp.json;
import static io.opsflow.simulators.TestHttp.request;
import static io.opsflow.simulators.TestHttp.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShellyPlugSimulatorTest {

  private ShellyPlugSimulator plug;

  @BeforeEach
  void start() throws IOException {
    plug = ShellyPlugSimulator.start();
  }

  @AfterEach
  void stop() {
    plug.close();
  }

  private JsonNode post(String pathAndQuery) throws IOException {
    HttpResponse<String> response =
        send(request(plug.baseUrl(), pathAndQuery).POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(response.statusCode()).isEqualTo(200);
    return json(response);
  }

  @Test
  void turnOnAndOffReturnRelayJsonAndCount() throws IOException {
    assertThat(plug.isOn()).isFalse();

    JsonNode on = json(get(plug.baseUrl(), "/relay/0?turn=on"));
    assertThat(on.get("ison").asBoolean()).isTrue();
    assertThat(on.get("has_timer").asBoolean()).isFalse();
    assertThat(on.get("timer_duration").asInt()).isZero();
    assertThat(on.get("overpower").asBoolean()).isFalse();
    assertThat(on.get("source").asText()).isEqualTo("http");

    JsonNode off = post("/relay/0?turn=off");
    assertThat(off.get("ison").asBoolean()).isFalse();
    post("/relay/0?turn=off");

    assertThat(plug.isOn()).isFalse();
    assertThat(plug.httpOnCount()).isEqualTo(1);
    assertThat(plug.httpOffCount()).isEqualTo(2);
    assertThat(plug.timerOffCount()).isZero();
    assertThat(plug.lastTimerSeconds()).isNull();
    assertThat(plug.requests())
        .containsExactly(
            "GET /relay/0?turn=on", "POST /relay/0?turn=off", "POST /relay/0?turn=off");
  }

  @Test
  void flipBackTimerTurnsTheRelayOffByItself() throws IOException {
    JsonNode on = post("/relay/0?turn=on&timer=1");
    assertThat(on.get("ison").asBoolean()).isTrue();
    assertThat(on.get("has_timer").asBoolean()).isTrue();
    assertThat(on.get("timer_duration").asInt()).isEqualTo(1);
    assertThat(on.get("timer_remaining").asInt()).isEqualTo(1);
    assertThat(on.get("timer_started").asLong())
        .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(2L));
    assertThat(plug.lastTimerSeconds()).isEqualTo(1);

    eventually(Duration.ofSeconds(3), () -> !plug.isOn());

    assertThat(plug.timerOffCount()).isEqualTo(1);
    assertThat(plug.httpOffCount()).isZero();
    JsonNode state = json(get(plug.baseUrl(), "/relay/0"));
    assertThat(state.get("ison").asBoolean()).isFalse();
    assertThat(state.get("has_timer").asBoolean()).isFalse();
    assertThat(state.get("source").asText()).isEqualTo("timer");
  }

  @Test
  void aNewCommandReplacesThePendingTimer() throws IOException {
    post("/relay/0?turn=on&timer=60");
    assertThat(plug.hasTimer()).isTrue();

    JsonNode on = post("/relay/0?turn=on");

    assertThat(on.get("has_timer").asBoolean()).isFalse();
    assertThat(plug.hasTimer()).isFalse();
    assertThat(plug.lastTimerSeconds()).isEqualTo(60);
  }

  @Test
  void toggleFlipsTheRelay() throws IOException {
    assertThat(post("/relay/0?turn=toggle").get("ison").asBoolean()).isTrue();
    assertThat(post("/relay/0?turn=toggle").get("ison").asBoolean()).isFalse();
    assertThat(plug.httpOnCount()).isEqualTo(1);
    assertThat(plug.httpOffCount()).isEqualTo(1);
  }

  @Test
  void statusReportsRelayAndPowerWhileOn() throws IOException {
    plug.setPowerWatts(45.2);
    JsonNode off = json(get(plug.baseUrl(), "/status"));
    assertThat(off.get("power").asDouble()).isZero();
    assertThat(off.at("/meters/0/power").asDouble()).isZero();

    post("/relay/0?turn=on");
    JsonNode status = json(get(plug.baseUrl(), "/status"));

    assertThat(status.at("/relays/0/ison").asBoolean()).isTrue();
    assertThat(status.at("/meters/0/power").asDouble()).isEqualTo(45.2);
    assertThat(status.at("/meters/0/is_valid").asBoolean()).isTrue();
    assertThat(status.at("/meters/0/total").isIntegralNumber()).isTrue();
    assertThat(status.get("uptime").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(status.at("/relay/ison").asBoolean()).isTrue();
    assertThat(status.get("power").asDouble()).isEqualTo(45.2);
  }

  @Test
  void deviceInfo() throws IOException {
    JsonNode info = json(get(plug.baseUrl(), "/shelly"));
    assertThat(info.get("type").asText()).isEqualTo("SHSW-PM");
    assertThat(info.get("mac").asText()).matches("[0-9A-F]{12}");
    assertThat(info.get("auth").asBoolean()).isFalse();
    assertThat(info.get("fw").asText()).isNotBlank();
  }

  @Test
  void badTurnIsRejected() throws IOException {
    HttpResponse<String> response = get(plug.baseUrl(), "/relay/0?turn=maybe");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("Bad turn");
    assertThat(get(plug.baseUrl(), "/relay/0?turn=on&timer=x").statusCode()).isEqualTo(400);
    assertThat(get(plug.baseUrl(), "/relay/1").statusCode()).isEqualTo(404);
    assertThat(plug.isOn()).isFalse();
  }

  @Test
  void unreachablePlugRefusesConnectionsAndKeepsItsPortAndState() throws IOException {
    post("/relay/0?turn=on");
    int port = plug.port();

    plug.setReachable(false);

    assertThat(plug.isReachable()).isFalse();
    assertThatThrownBy(() -> get(plug.baseUrl(), "/status")).isInstanceOf(ConnectException.class);

    plug.setReachable(true);

    assertThat(plug.port()).isEqualTo(port);
    assertThat(json(get(plug.baseUrl(), "/relay/0")).get("ison").asBoolean()).isTrue();
  }
}
