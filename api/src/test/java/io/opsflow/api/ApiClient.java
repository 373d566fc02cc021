package io.opsflow.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** What an operator's client does: JSON over HTTP, and the SSE event stream. */
final class ApiClient {

  /** Status and parsed body of one answer. */
  record Answer(int status, JsonNode body) {}

  /** One server-sent event as a client sees it. */
  record SseEvent(String id, String name, String data) {}

  /** A followed SSE stream: events so far, and whether the server ended it. */
  record SseStream(List<SseEvent> events, java.util.concurrent.CompletableFuture<Integer> ended) {}

  /** The test clients' admin (see src/test/resources/config/application.yml). */
  static final String ADMIN = "it-admin";

  private static final Map<String, Token> TOKENS = new ConcurrentHashMap<>();

  private record Token(String value, long expiresAtNanos) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper mapper = new ObjectMapper();
  private final String base;
  private final String client;
  private final String fixedToken;

  /** The admin test client. */
  ApiClient(int port) {
    this("http://127.0.0.1:" + port, ADMIN);
  }

  private ApiClient(String base, String client) {
    this(base, client, null);
  }

  private ApiClient(String base, String client, String fixedToken) {
    this.base = base;
    this.client = client;
    this.fixedToken = fixedToken;
  }

  /** The API's base URL, {@code http://127.0.0.1:<port>}. */
  String base() {
    return base;
  }

  /** The API with a bearer token from elsewhere (Keycloak, a forged one). */
  static ApiClient withToken(int port, String token) {
    return new ApiClient("http://127.0.0.1:" + port, null, token);
  }

  /**
   * The same API as the test client {@code name} (client credentials, secret {@code
   * <name>-secret}): its token's subject is the operator's name.
   */
  ApiClient as(String name) {
    return new ApiClient(base, name);
  }

  /** The same API without credentials. */
  ApiClient anonymous() {
    return new ApiClient(base, null);
  }

  /** A bearer token of this client from the embedded issuer, fetched once and kept until expiry. */
  String token() {
    if (fixedToken != null) {
      return fixedToken;
    }
    if (client == null) {
      return null;
    }
    String key = base + " " + client;
    Token known = TOKENS.get(key);
    if (known != null && known.expiresAtNanos() - System.nanoTime() > 30_000_000_000L) {
      return known.value();
    }
    String basic =
        java.util.Base64.getEncoder()
            .encodeToString(
                (client + ":" + client + "-secret")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
            .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError(
            "token for " + client + " -> " + response.statusCode() + " " + response.body());
      }
      JsonNode body = mapper.readTree(response.body());
      Token token =
          new Token(
              body.path("access_token").asText(),
              System.nanoTime() + body.path("expires_in").asLong(60) * 1_000_000_000L);
      TOKENS.put(key, token);
      return token.value();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("token for " + client + " failed: " + e, e);
    }
  }

  private void authorize(HttpRequest.Builder request) {
    String token = token();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
  }

  /** GET with Accept: text/plain. */
  String text(String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Accept", "text/plain");
    authorize(request);
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new AssertionError("GET " + path + " -> " + response.statusCode() + response.body());
      }
      return response.body();
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("GET " + path + " failed: " + e, e);
    }
  }

  /**
   * Follows an SSE endpoint: every event (id, name, data) is collected as it arrives; {@code ended}
   * completes with the HTTP status once the server closes the stream.
   */
  SseStream sse(String path, String lastEventId) {
    List<SseEvent> events = new CopyOnWriteArrayList<>();
    var ended = new java.util.concurrent.CompletableFuture<Integer>();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    authorize(request);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                HttpResponse<java.util.stream.Stream<String>> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
                String[] current = new String[3];
                StringBuilder data = new StringBuilder();
                response
                    .body()
                    .forEach(
                        line -> {
                          if (line.isEmpty()) {
                            if (current[1] != null || data.length() > 0) {
                              events.add(new SseEvent(current[0], current[1], data.toString()));
                            }
                            current[0] = null;
                            current[1] = null;
                            data.setLength(0);
                          } else if (line.startsWith("id:")) {
                            current[0] = line.substring(3);
                          } else if (line.startsWith("event:")) {
                            current[1] = line.substring(6);
                          } else if (line.startsWith("data:")) {
                            if (data.length() > 0) {
                              data.append('\n');
                            }
                            data.append(line.substring(5));
                          }
                        });
                ended.complete(response.statusCode());
              } catch (IOException | InterruptedException e) {
                ended.completeExceptionally(e);
              }
            });
    return new SseStream(events, ended);
  }

  Answer post(String path, String json) {
    return send("POST", path, json);
  }

  Answer put(String path, String json) {
    return send("PUT", path, json);
  }

  Answer patch(String path, String json) {
    return send("PATCH", path, json);
  }

  Answer delete(String path) {
    return send("DELETE", path, null);
  }

  Answer get(String path) {
    return send("GET", path, null);
  }

  JsonNode ok(Answer answer, int expected) {
    if (answer.status() != expected) {
      throw new AssertionError("expected " + expected + " but got " + answer);
    }
    return answer.body();
  }

  private Answer send(String method, String path, String json) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    request.method(
        method,
        json == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      request.header("Content-Type", "application/json");
    }
    request.header("Accept", "application/json");
    authorize(request);
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String body = response.body();
      return new Answer(
          response.statusCode(), body.isBlank() ? mapper.nullNode() : mapper.readTree(body));
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  /** Creates a pipeline of the YAML as this client's operator; returns its id. */
  long pipeline(String name, String yaml) {
    var body = mapper.createObjectNode();
    body.put("name", name);
    body.put("yaml", yaml);
    return ok(post("/api/v1/pipelines", body.toString()), 201).path("id").asLong();
  }

  /** Starts a build of the pipeline as this client's operator; returns the build id. */
  long startBuild(long pipeline) {
    return ok(post("/api/v1/pipelines/" + pipeline + "/builds", null), 201).path("id").asLong();
  }

  /**
   * Creates a ground station whose TM/TC link is 127.0.0.1:{@code port} (Svalbard's location);
   * returns its id.
   */
  long groundStation(String name, int port) {
    return ok(
            post(
                "/api/v1/ground-stations",
                "{\"name\":\""
                    + name
                    + "\",\"host\":\"127.0.0.1\",\"port\":"
                    + port
                    + ",\"latitude\":78.23,\"longitude\":15.41,\"altitude\":500}"),
            201)
        .path("id")
        .asLong();
  }

  /** Creates a customer; returns its id. */
  long user(String name) {
    return ok(post("/api/v1/users", "{\"name\":\"" + name + "\"}"), 201).path("id").asLong();
  }

  /** Registers a console powered through a Shelly plug; returns the station id. */
  long console(String name, URI plug) {
    return ok(
            post(
                "/api/v1/stations",
                "{\"name\":\"" + name + "\",\"type\":\"CONSOLE\",\"plug_url\":\"" + plug + "\"}"),
            201)
        .path("station")
        .path("id")
        .asLong();
  }

  /** Starts a session (cash) of whole minutes and returns the session; 201 and ACTIVE expected. */
  JsonNode startSession(long station, long user, int minutes) {
    JsonNode session =
        ok(
            post(
                "/api/v1/sessions/start",
                "{\"station_id\":"
                    + station
                    + ",\"duration\":"
                    + minutes
                    + ",\"user_id\":"
                    + user
                    + "}"),
            201);
    if (!session.path("status").asText().equals("ACTIVE")) {
      throw new AssertionError("session not ACTIVE: " + session);
    }
    return session;
  }

  /** Polls until the answer to GET path satisfies the condition, or fails after the timeout. */
  JsonNode await(String path, Predicate<JsonNode> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = get(path).body();
      if (condition.test(last)) {
        return last;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError("GET " + path + " never satisfied the condition; last: " + last);
  }

  /** Subscribes to the SSE stream; events (their data JSON) are collected as they arrive. */
  List<JsonNode> subscribe(String query) {
    List<JsonNode> events = new CopyOnWriteArrayList<>();
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(base + "/api/v1/events/stream" + query))
            .header("Accept", "text/event-stream");
    authorize(builder);
    HttpRequest request = builder.build();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                http.send(request, HttpResponse.BodyHandlers.ofLines())
                    .body()
                    .filter(line -> line.startsWith("data:"))
                    .forEach(
                        line -> {
                          try {
                            events.add(mapper.readTree(line.substring(5)));
                          } catch (IOException e) {
                            throw new IllegalStateException(e);
                          }
                        });
              } catch (IOException | InterruptedException e) {
                // stream closed with the test
              }
            });
    return events;
  }
}
