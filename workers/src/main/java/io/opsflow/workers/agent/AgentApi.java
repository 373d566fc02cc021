package io.opsflow.workers.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's two calls to the API, with the seed's bodies and its bearer token: its own OAuth2
 * client's access token, or the shared secret.
 */
final class AgentApi {

  static final String REGISTER_PATH = "/api/v1/nodes/register";
  static final String HEARTBEAT_PATH = "/api/v1/nodes/heartbeat";

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;
  private final AgentCredentials credentials;

  AgentApi(URI base, String secret, AgentCredentials.Options.ClientCredentials client) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    this.credentials = AgentCredentials.of(client, secret, http);
  }

  /** {@code {"nodeId","ipAddress","hostname","status":"active"}}; returns the HTTP status. */
  int register(String nodeId, String ipAddress, String hostname)
      throws IOException, InterruptedException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("nodeId", nodeId);
    body.put("ipAddress", ipAddress);
    body.put("hostname", hostname);
    body.put("status", "active");
    return post(REGISTER_PATH, body);
  }

  /**
   * {@code {"nodeId","status":"active","availableCpu","availableMemory"}} (cores, MiB); returns the
   * HTTP status.
   */
  int heartbeat(String nodeId, double availableCpu, long availableMemoryMb)
      throws IOException, InterruptedException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("nodeId", nodeId);
    body.put("status", "active");
    body.put("availableCpu", availableCpu);
    body.put("availableMemory", availableMemoryMb);
    return post(HEARTBEAT_PATH, body);
  }

  private int post(String path, Map<String, Object> body) throws IOException, InterruptedException {
    int status = send(path, body);
    if (status == 401) {
      // An expired or rotated token: fetch a new one and try once more.
      credentials.refused();
      status = send(path, body);
    }
    return status;
  }

  private int send(String path, Map<String, Object> body) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json(body)));
    String bearer = credentials.bearer();
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String json(Map<String, Object> body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
