package io.opsflow.devices;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.springframework.stereotype.Component;

/** Shelly Gen1 HTTP API: {@code /relay/0?turn=on|off[&timer=N]} and {@code /status}. */
@Component
public class ShellyPlugClient {

  /** Relay state and, when the plug meters, its power. */
  public record Reading(boolean on, Double powerWatts) {}

  private final HttpClient http;
  private final ObjectMapper mapper;
  private final DeviceProperties properties;

  public ShellyPlugClient(ObjectMapper mapper, DeviceProperties properties) {
    this.mapper = mapper;
    this.properties = properties;
    this.http = HttpClient.newBuilder().connectTimeout(properties.httpTimeout()).build();
  }

  /**
   * Switches relay 0. With {@code timerSeconds > 0} the plug flips back by itself after that time
   * (Shelly's own timer), so a console powered for a session turns off even if we are down.
   */
  public Reading switchRelay(String baseUrl, boolean on, long timerSeconds)
      throws IOException, InterruptedException, DeviceException {
    String query =
        "turn=" + (on ? "on" : "off") + (timerSeconds > 0 ? "&timer=" + timerSeconds : "");
    JsonNode relay = send(baseUrl, "/relay/0?" + query, true);
    return new Reading(relay.path("ison").asBoolean(), null);
  }

  /** Reads {@code /status}: relay state and power from {@code meters[0].power}. */
  public Reading status(String baseUrl) throws IOException, InterruptedException, DeviceException {
    JsonNode status = send(baseUrl, "/status", false);
    JsonNode relay = status.path("relays").path(0);
    boolean on =
        relay.isMissingNode()
            ? status.path("relay").path("ison").asBoolean()
            : relay.path("ison").asBoolean();
    JsonNode power = status.path("meters").path(0).path("power");
    if (power.isMissingNode()) {
      power = status.path("power");
    }
    return new Reading(on, power.isNumber() ? power.asDouble() : null);
  }

  private JsonNode send(String baseUrl, String path, boolean post)
      throws IOException, InterruptedException, DeviceException {
    URI uri = URI.create(stripSlash(baseUrl) + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(properties.httpTimeout());
    request = post ? request.POST(HttpRequest.BodyPublishers.noBody()) : request.GET();
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new DeviceException(
          "PLUG_ERROR",
          "plug " + uri + " answered " + response.statusCode() + ": " + response.body());
    }
    return mapper.readTree(response.body());
  }

  static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
