package io.opsflow.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * The benchmark's HTTP client for the workload API on 127.0.0.1, recording when each request was
 * sent: latencies are measured from that instant, as a user's would be.
 */
final class WorkloadBenchHttp {

  /** One answered request; {@code sentAt} is taken just before the request leaves. */
  record Exchange(int status, JsonNode body, String raw, Instant sentAt, Instant answeredAt) {

    double millis() {
      return Duration.between(sentAt, answeredAt).toNanos() / 1e6;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String base;
  private final String agentSecret;
  private final String clientId;
  private final String clientSecret;
  private volatile String operatorToken;

  /**
   * @param agentSecret the shared agent secret for agent routes
   * @param clientId the operator's client on the embedded issuer (client credentials)
   * @param clientSecret its secret
   */
  WorkloadBenchHttp(int port, String agentSecret, String clientId, String clientSecret) {
    this.base = "http://127.0.0.1:" + port;
    this.agentSecret = agentSecret;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
  }

  /** The operator's bearer token, fetched once (it outlives a benchmark run: 15 min). */
  private String operatorToken() throws IOException, InterruptedException {
    if (operatorToken == null) {
      String basic =
          java.util.Base64.getEncoder()
              .encodeToString(
                  (clientId + ":" + clientSecret)
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                  .timeout(Duration.ofSeconds(30))
                  .header("Authorization", "Basic " + basic)
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("token for " + clientId + ": HTTP " + response.statusCode());
      }
      operatorToken = JSON.readTree(response.body()).path("access_token").asText();
    }
    return operatorToken;
  }

  /** An operator route. */
  Exchange post(String path, String json) throws IOException, InterruptedException {
    return send(path, json, false);
  }

  /** An agent route, with {@code Authorization: Bearer <AGENT_SECRET>}. */
  Exchange postAsAgent(String path, String json) throws IOException, InterruptedException {
    return send(path, json, true);
  }

  private Exchange send(String path, String json, boolean agent)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    request.header("Authorization", "Bearer " + (agent ? agentSecret : operatorToken()));
    HttpRequest built = request.build();
    Instant sentAt = Instant.now();
    HttpResponse<String> response = client.send(built, HttpResponse.BodyHandlers.ofString());
    Instant answeredAt = Instant.now();
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException notJson) {
      body = null;
    }
    return new Exchange(response.statusCode(), body, response.body(), sentAt, answeredAt);
  }

  /** A JSON string literal. */
  static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
