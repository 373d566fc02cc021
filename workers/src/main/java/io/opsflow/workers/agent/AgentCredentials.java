package io.opsflow.workers.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * What the agent sends as its bearer token: an OAuth2 access token of its own client (client
 * credentials, role node_agent), fetched from the issuer's token endpoint and renewed before it
 * expires, or the shared {@code AGENT_SECRET} as it is.
 */
interface AgentCredentials {

  /** The bearer token to send now; null for none. */
  String bearer() throws IOException, InterruptedException;

  /** The API refused the last token (401): forget it, the next call fetches a new one. */
  default void refused() {}

  static AgentCredentials of(Options.ClientCredentials client, String secret, HttpClient http) {
    if (client != null) {
      return new ClientCredentialsToken(client, http, Clock.systemUTC());
    }
    return () -> secret == null || secret.isBlank() ? null : secret;
  }

  /** Short alias for the options type. */
  final class Options {
    private Options() {}

    /**
     * An OAuth2 client of the agent's own.
     *
     * @param tokenUrl the issuer's token endpoint (the embedded issuer: {@code <api>/oauth2/token};
     *     Keycloak: {@code <issuer>/protocol/openid-connect/token})
     * @param clientId the client id
     * @param clientSecret its secret
     */
    public record ClientCredentials(URI tokenUrl, String clientId, String clientSecret) {
      @Override
      public String toString() {
        return "ClientCredentials[" + clientId + " at " + tokenUrl + "]";
      }
    }
  }

  /** A client-credentials access token, kept until shortly before it expires. */
  final class ClientCredentialsToken implements AgentCredentials {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MARGIN = Duration.ofSeconds(30);

    private final Options.ClientCredentials client;
    private final HttpClient http;
    private final Clock clock;
    private String token;
    private Instant renewAt = Instant.MIN;

    ClientCredentialsToken(Options.ClientCredentials client, HttpClient http, Clock clock) {
      this.client = client;
      this.http = http;
      this.clock = clock;
    }

    @Override
    public synchronized String bearer() throws IOException, InterruptedException {
      if (token != null && clock.instant().isBefore(renewAt)) {
        return token;
      }
      String basic =
          Base64.getEncoder()
              .encodeToString(
                  (encode(client.clientId()) + ":" + encode(client.clientSecret()))
                      .getBytes(StandardCharsets.UTF_8));
      HttpRequest request =
          HttpRequest.newBuilder(client.tokenUrl())
              .timeout(Duration.ofSeconds(10))
              .header("Authorization", "Basic " + basic)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException(
            "token endpoint "
                + client.tokenUrl()
                + " answered "
                + response.statusCode()
                + " for client "
                + client.clientId());
      }
      JsonNode body = JSON.readTree(response.body());
      String accessToken = body.path("access_token").asText(null);
      if (accessToken == null) {
        throw new IOException("token endpoint " + client.tokenUrl() + " sent no access_token");
      }
      long expiresIn = body.path("expires_in").asLong(60);
      token = accessToken;
      Duration life = Duration.ofSeconds(expiresIn);
      renewAt =
          clock
              .instant()
              .plus(
                  life.compareTo(MARGIN.multipliedBy(2)) > 0
                      ? life.minus(MARGIN)
                      : life.dividedBy(2));
      return token;
    }

    @Override
    public synchronized void refused() {
      token = null;
    }

    /** RFC 6749 2.3.1: the id and secret are form-encoded before Basic authentication. */
    private static String encode(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
  }
}
