package io.opsflow.workers.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the API's agent routes on 127.0.0.1: records every request to {@code
 * /api/v1/nodes/register} and {@code /api/v1/nodes/heartbeat} and answers with a settable status.
 */
final class RecordingApi implements AutoCloseable {

  /** One request as received. */
  record Call(String path, String authorization, JsonNode body, Instant at) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private volatile int registerStatus = 200;
  private volatile int heartbeatStatus = 200;

  private RecordingApi(HttpServer server) {
    this.server = server;
  }

  /** Listens on a free port, or on {@code port} (to come back where an agent expects it). */
  static RecordingApi start(int port) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    RecordingApi api = new RecordingApi(server);
    server.createContext(AgentApi.REGISTER_PATH, e -> api.answer(e, api.registerStatus));
    server.createContext(AgentApi.HEARTBEAT_PATH, e -> api.answer(e, api.heartbeatStatus));
    server.start();
    return api;
  }

  private void answer(HttpExchange exchange, int status) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      calls.add(
          new Call(
              exchange.getRequestURI().getPath(),
              exchange.getRequestHeaders().getFirst("Authorization"),
              body.length == 0 ? null : JSON.readTree(body),
              Instant.now()));
      exchange.sendResponseHeaders(status, -1);
    }
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port());
  }

  int port() {
    return server.getAddress().getPort();
  }

  void answerRegister(int status) {
    registerStatus = status;
  }

  void answerHeartbeat(int status) {
    heartbeatStatus = status;
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  List<Call> registrations() {
    return calls.stream().filter(c -> c.path().equals(AgentApi.REGISTER_PATH)).toList();
  }

  List<Call> heartbeats() {
    return calls.stream().filter(c -> c.path().equals(AgentApi.HEARTBEAT_PATH)).toList();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
