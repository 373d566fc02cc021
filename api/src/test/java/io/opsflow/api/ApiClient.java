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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** What an operator's client does: JSON over HTTP, and the SSE event stream. */
final class ApiClient {

  /** Status and parsed body of one answer. */
  record Answer(int status, JsonNode body) {}

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper mapper = new ObjectMapper();
  private final String base;

  ApiClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  Answer post(String path, String json) {
    return send("POST", path, json);
  }

  Answer put(String path, String json) {
    return send("PUT", path, json);
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
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/api/v1/events/stream" + query))
            .header("Accept", "text/event-stream")
            .build();
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
