package io.opsflow.simulators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The venue PC agent: a WebSocket client that says hello, sends heartbeats, obeys session commands
 * (unlock, countdown, warnings, lock, logoff), keeps counting down and locks by itself while
 * offline, and reconnects with exponential backoff.
 *
 * <p>Messages are JSON objects with a {@code type} and snake_case fields. Message handling lives in
 * {@link #handleMessage(JsonNode)}; the socket code around it only frames and forwards.
 */
public final class PcAgentSimulator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PcAgentSimulator.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Agent settings; start from {@link #defaults()} and adjust with the {@code with...} methods.
   *
   * @param lastKnownSessionId a session remembered from a previous run; makes the first connect
   *     send {@code sync_request}
   */
  public record Options(
      Duration heartbeatInterval,
      Duration reconnectInitialBackoff,
      Duration reconnectMaxBackoff,
      boolean autoReconnect,
      String version,
      String os,
      String cpu,
      int ramGb,
      String gpu,
      Long lastKnownSessionId) {

    /** Validates the values. */
    public Options {
      requirePositive(heartbeatInterval, "heartbeatInterval");
      requirePositive(reconnectInitialBackoff, "reconnectInitialBackoff");
      requirePositive(reconnectMaxBackoff, "reconnectMaxBackoff");
      if (reconnectMaxBackoff.compareTo(reconnectInitialBackoff) < 0) {
        throw new IllegalArgumentException("reconnectMaxBackoff < reconnectInitialBackoff");
      }
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(os, "os");
      Objects.requireNonNull(cpu, "cpu");
      Objects.requireNonNull(gpu, "gpu");
    }

    private static void requirePositive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
    }

    /** 30 s heartbeat, backoff 1 s doubling to 30 s, auto-reconnect, a Windows 11 gaming PC. */
    public static Options defaults() {
      return new Options(
          Duration.ofSeconds(30),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          true,
          "1.4.2",
          "Windows 11",
          "AMD Ryzen 7 7800X3D",
          32,
          "NVIDIA GeForce RTX 4070",
          null);
    }

    /** Copy with another heartbeat interval. */
    public Options withHeartbeatInterval(Duration d) {
      return new Options(
          d,
          reconnectInitialBackoff,
          reconnectMaxBackoff,
          autoReconnect,
          version,
          os,
          cpu,
          ramGb,
          gpu,
          lastKnownSessionId);
    }

    /** Copy with another reconnect backoff range. */
    public Options withReconnectBackoff(Duration initial, Duration max) {
      return new Options(
          heartbeatInterval,
          initial,
          max,
          autoReconnect,
          version,
          os,
          cpu,
          ramGb,
          gpu,
          lastKnownSessionId);
    }

    /** Copy with auto-reconnect on or off. */
    public Options withAutoReconnect(boolean on) {
      return new Options(
          heartbeatInterval,
          reconnectInitialBackoff,
          reconnectMaxBackoff,
          on,
          version,
          os,
          cpu,
          ramGb,
          gpu,
          lastKnownSessionId);
    }

    /** Copy with another agent version and OS string. */
    public Options withVersion(String agentVersion, String osName) {
      return new Options(
          heartbeatInterval,
          reconnectInitialBackoff,
          reconnectMaxBackoff,
          autoReconnect,
          agentVersion,
          osName,
          cpu,
          ramGb,
          gpu,
          lastKnownSessionId);
    }

    /** Copy with other hardware specs. */
    public Options withSpecs(String cpuName, int ram, String gpuName) {
      return new Options(
          heartbeatInterval,
          reconnectInitialBackoff,
          reconnectMaxBackoff,
          autoReconnect,
          version,
          os,
          cpuName,
          ram,
          gpuName,
          lastKnownSessionId);
    }

    /** Copy that remembers {@code sessionId} from a previous run. */
    public Options withLastKnownSessionId(Long sessionId) {
      return new Options(
          heartbeatInterval,
          reconnectInitialBackoff,
          reconnectMaxBackoff,
          autoReconnect,
          version,
          os,
          cpu,
          ramGb,
          gpu,
          sessionId);
    }
  }

  private final URI url;
  private final String token;
  private final Options options;
  private final Clock clock = Clock.systemUTC();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("pc-agent").factory());
  private final ExecutorService httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).executor(httpExecutor).build();
  private final AgentDesktop desktop;

  // Connection state, guarded by `this`.
  private volatile WebSocket socket;
  private int generation;
  private boolean manuallyDisconnected;
  private boolean closed;
  private Duration nextBackoff;
  private ScheduledFuture<?> heartbeatTask;
  private ScheduledFuture<?> reconnectTask;
  private int connectFailures;
  private int connects;
  private Integer lastHandshakeStatus;
  private Throwable lastConnectError;
  private final List<Duration> reconnectDelays = new ArrayList<>();

  // Inbound log, guarded by `this`; awaitMessage waits on it.
  private final List<JsonNode> received = new ArrayList<>();
  private final Map<String, Integer> cursors = new HashMap<>();
  private final List<JsonNode> unknown = new ArrayList<>();
  private int heartbeatAcks;
  private volatile Consumer<JsonNode> messageListener = m -> {};

  private final Object sendLock = new Object();
  private CompletableFuture<Void> sendChain = CompletableFuture.completedFuture(null);
  private final List<JsonNode> sent = new CopyOnWriteArrayList<>();

  PcAgentSimulator(URI url, String token, Options options) {
    this.url = url;
    this.token = token;
    this.options = Objects.requireNonNull(options);
    this.nextBackoff = options.reconnectInitialBackoff();
    this.desktop =
        new AgentDesktop(clock, scheduler, () -> socket != null, options.lastKnownSessionId());
  }

  /**
   * Connects to {@code wsUrl} (like {@code ws://127.0.0.1:8080/ws/agent/7}) with {@code
   * Authorization: Bearer <bearerToken>}, waiting for the first attempt's outcome. A failed attempt
   * is recorded ({@link #connectFailures()}, {@link #lastHandshakeStatus()}) and retried in the
   * background when auto-reconnect is on.
   */
  public static PcAgentSimulator connect(URI wsUrl, String bearerToken, Options options) {
    PcAgentSimulator agent =
        new PcAgentSimulator(
            Objects.requireNonNull(wsUrl), Objects.requireNonNull(bearerToken), options);
    agent.start();
    return agent;
  }

  /** First connection attempt; waits for its outcome. */
  void start() {
    awaitAttempt(attempt());
  }

  /** {@link #connect(URI, String, Options)} with {@link Options#defaults()}. */
  public static PcAgentSimulator connect(URI wsUrl, String bearerToken) {
    return connect(wsUrl, bearerToken, Options.defaults());
  }

  // ---------------------------------------------------------------- connection

  private CompletableFuture<Boolean> attempt() {
    int gen;
    synchronized (this) {
      if (closed || manuallyDisconnected || socket != null) {
        return CompletableFuture.completedFuture(socket != null);
      }
      gen = ++generation;
    }
    return http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .connectTimeout(CONNECT_TIMEOUT)
        .buildAsync(url, new Listener(gen))
        .handle(
            (ws, error) -> {
              if (error != null) {
                connectFailed(gen, error);
                return false;
              }
              return true;
            });
  }

  private void awaitAttempt(CompletableFuture<Boolean> attempt) {
    try {
      attempt.get(CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("connect attempt to {} did not finish: {}", url, e.toString());
    }
  }

  private void opened(int gen, WebSocket ws) {
    synchronized (this) {
      if (gen != generation || closed || manuallyDisconnected) {
        ws.abort();
        return;
      }
      socket = ws;
      connects++;
      nextBackoff = options.reconnectInitialBackoff();
      long every = options.heartbeatInterval().toMillis();
      heartbeatTask =
          scheduler.scheduleAtFixedRate(
              this::sendHeartbeatNow, every, every, TimeUnit.MILLISECONDS);
      // Hello and sync go out before any reply to server messages can.
      send(hello());
      Long lastKnown = desktop.lastKnownSessionId();
      if (lastKnown != null) {
        ObjectNode sync = message("sync_request");
        sync.put("last_known_session", lastKnown);
        send(sync);
      }
      notifyAll();
    }
    log.info("agent connected to {}", url);
  }

  private synchronized void connectFailed(int gen, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    connectFailures++;
    lastConnectError = cause;
    if (cause instanceof WebSocketHandshakeException handshake) {
      lastHandshakeStatus = handshake.getResponse().statusCode();
    }
    log.info("agent connect to {} failed: {}", url, cause.toString());
    scheduleReconnect(gen);
    notifyAll();
  }

  private void lost(int gen, String why) {
    synchronized (this) {
      if (gen != generation || socket == null) {
        return;
      }
      dropSocket();
      log.info("agent connection lost: {}", why);
      scheduleReconnect(gen);
      notifyAll();
    }
  }

  private WebSocket dropSocket() {
    WebSocket ws = socket;
    socket = null;
    if (heartbeatTask != null) {
      heartbeatTask.cancel(false);
      heartbeatTask = null;
    }
    desktop.wentOffline();
    return ws;
  }

  private void scheduleReconnect(int gen) {
    if (gen != generation || closed || manuallyDisconnected || !options.autoReconnect()) {
      return;
    }
    Duration delay = nextBackoff;
    reconnectDelays.add(delay);
    Duration doubled = delay.multipliedBy(2);
    nextBackoff =
        doubled.compareTo(options.reconnectMaxBackoff()) > 0
            ? options.reconnectMaxBackoff()
            : doubled;
    reconnectTask = scheduler.schedule(this::attempt, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Drops the socket abruptly (no close frame) and stays offline until {@link #reconnect()}. */
  public void disconnect() {
    WebSocket ws;
    synchronized (this) {
      manuallyDisconnected = true;
      generation++;
      if (reconnectTask != null) {
        reconnectTask.cancel(false);
      }
      ws = socket == null ? null : dropSocket();
      notifyAll();
    }
    if (ws != null) {
      ws.abort();
    }
  }

  /**
   * Connects again now (backoff reset) and waits for the attempt's outcome.
   *
   * @return whether the agent is connected afterwards
   */
  public boolean reconnect() {
    synchronized (this) {
      manuallyDisconnected = false;
      nextBackoff = options.reconnectInitialBackoff();
      if (reconnectTask != null) {
        reconnectTask.cancel(false);
      }
    }
    awaitAttempt(attempt());
    return isConnected();
  }

  /** Closes the socket politely and stops all timers. */
  @Override
  public void close() {
    WebSocket ws;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      generation++;
      if (reconnectTask != null) {
        reconnectTask.cancel(false);
      }
      ws = socket == null ? null : dropSocket();
    }
    if (ws != null) {
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "agent closing").get(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException | IllegalStateException e) {
        log.debug("close frame not sent: {}", e.toString());
      }
      ws.abort();
    }
    desktop.shutdown();
    scheduler.shutdownNow();
    http.shutdownNow();
    httpExecutor.shutdownNow();
  }

  /** Frames inbound text and forwards whole messages; ignores callbacks of replaced sockets. */
  private final class Listener implements WebSocket.Listener {
    private final int gen;
    private final StringBuilder buffer = new StringBuilder();

    Listener(int gen) {
      this.gen = gen;
    }

    @Override
    public void onOpen(WebSocket ws) {
      opened(gen, ws);
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String text = buffer.toString();
        buffer.setLength(0);
        if (isCurrent(gen)) {
          handleText(text);
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      lost(gen, "closed by server " + statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      lost(gen, error.toString());
    }
  }

  private synchronized boolean isCurrent(int gen) {
    return gen == generation && !closed;
  }

  // ---------------------------------------------------------------- outbound

  private ObjectNode message(String type) {
    ObjectNode node = Http.JSON.createObjectNode();
    node.put("type", type);
    return node;
  }

  private ObjectNode hello() {
    ObjectNode hello = message("agent_hello");
    hello.put("version", options.version());
    hello.put("os", options.os());
    ObjectNode specs = hello.putObject("specs");
    specs.put("cpu", options.cpu());
    specs.put("ram_gb", options.ramGb());
    specs.put("gpu", options.gpu());
    return hello;
  }

  /** Queues one text frame; frames go out in order, one at a time as the WebSocket API needs. */
  private void send(ObjectNode message) {
    String text = message.toString();
    synchronized (sendLock) {
      sent.add(message);
      WebSocket ws = socket;
      if (ws == null) {
        log.debug("offline, not sent: {}", text);
        return;
      }
      sendChain =
          sendChain
              .thenCompose(v -> ws.sendText(text, true))
              .<Void>thenApply(w -> null)
              .exceptionally(
                  e -> {
                    log.debug("send failed: {}", e.toString());
                    return null;
                  });
    }
  }

  /** Sends a heartbeat now (the timer also sends one every heartbeat interval). */
  public void sendHeartbeatNow() {
    if (socket == null) {
      return;
    }
    ObjectNode heartbeat = message("heartbeat");
    ThreadLocalRandom random = ThreadLocalRandom.current();
    heartbeat.put("cpu", Math.round(random.nextDouble(5, 40) * 10) / 10.0);
    heartbeat.put("ram", Math.round(random.nextDouble(30, 60) * 10) / 10.0);
    putNullable(heartbeat, "active_session", desktop.sessionId());
    putNullable(heartbeat, "remaining_seconds", desktop.remainingSeconds());
    send(heartbeat);
  }

  /** Reports a station status such as {@code MAINTENANCE}. */
  public void sendStatusChange(String status) {
    ObjectNode change = message("status_change");
    change.put("status", status);
    send(change);
  }

  private static void putNullable(ObjectNode node, String field, Long value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  // ---------------------------------------------------------------- inbound

  void handleText(String text) {
    JsonNode message;
    try {
      message = Http.JSON.readTree(text);
    } catch (JsonProcessingException e) {
      message = Http.JSON.getNodeFactory().textNode(text);
    }
    handleMessage(message);
  }

  /** Applies one server message, replies if the protocol says so, and records it. */
  void handleMessage(JsonNode message) {
    synchronized (this) {
      String type = message.path("type").asText("");
      Long sessionId = longOrNull(message.get("session_id"));
      switch (type) {
        case "session_start" -> {
          Instant end = serverInstant(message.get("scheduled_end_at"));
          Instant serverTime = serverInstant(message.get("server_time"));
          if (end == null) {
            Instant serverNow = serverTime != null ? serverTime : desktop.now();
            end = serverNow.plusSeconds(message.path("duration_seconds").asLong());
          }
          desktop.startSession(sessionId == null ? 0 : sessionId, desktop.toLocal(end, serverTime));
          ack(type, message);
        }
        case "session_extend" -> {
          Instant end = serverInstant(message.get("scheduled_end_at"));
          Instant serverTime = serverInstant(message.get("server_time"));
          Long remaining = desktop.remainingSeconds();
          Instant localEnd =
              end != null
                  ? desktop.toLocal(end, serverTime)
                  : desktop
                      .now()
                      .plusSeconds(
                          (remaining == null ? 0 : remaining)
                              + message.path("additional_seconds").asLong());
          desktop.extendSession(sessionId, localEnd);
          ack(type, message);
        }
        case "session_warning" -> {
          desktop.warning(message.path("remaining_seconds").asLong());
          ack(type, message);
        }
        case "session_stop" -> {
          desktop.stopSession();
          ack(type, message);
        }
        case "session_expired" -> {
          desktop.expireSession(message.path("grace_seconds").asLong(0));
          ack(type, message);
        }
        case "sync_response" -> sync(message);
        case "no_session" -> desktop.noSession();
        case "heartbeat_ack" -> heartbeatAcks++;
        default -> unknown.add(message);
      }
      received.add(message);
      notifyAll();
    }
    messageListener.accept(message);
  }

  private void sync(JsonNode message) {
    JsonNode session = message.get("session");
    if (session == null || !session.isObject()) {
      desktop.noSession();
      return;
    }
    Long id = longOrNull(session.get("id"));
    if (id == null) {
      desktop.noSession();
    } else if ("ACTIVE".equalsIgnoreCase(session.path("status").asText())) {
      Instant end = serverInstant(session.get("scheduled_end_at"));
      Instant localEnd =
          end != null
              ? desktop.toLocal(end, serverInstant(message.get("server_time")))
              : desktop.now().plusSeconds(session.path("remaining_seconds").asLong());
      desktop.startSession(id, localEnd);
    } else {
      desktop.endedElsewhere(id);
    }
  }

  private void ack(String type, JsonNode message) {
    ObjectNode ack = message("ack");
    ack.put("ack_of", type);
    ack.set(
        "session_id",
        message.path("session_id").isMissingNode()
            ? Http.JSON.getNodeFactory().nullNode()
            : message.get("session_id"));
    send(ack);
  }

  private static Long longOrNull(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isNumber()) {
      return node.asLong();
    }
    try {
      return Long.parseLong(node.asText().trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** ISO-8601 (with or without offset; no offset means UTC) or epoch seconds/millis. */
  static Instant serverInstant(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isNumber()) {
      long n = node.asLong();
      return n > 100_000_000_000L ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n);
    }
    String text = node.asText().trim();
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        log.warn("unparseable time {}", text);
        return null;
      }
    }
  }

  // ---------------------------------------------------------------- inspection

  /**
   * Waits for the next message of {@code type} received since the previous call for that type (or
   * since connect), returning once the agent has applied it.
   *
   * @throws IllegalStateException if none arrives within {@code timeout}
   */
  public synchronized JsonNode awaitMessage(String type, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int from = cursors.getOrDefault(type, 0);
      for (int i = from; i < received.size(); i++) {
        if (type.equals(received.get(i).path("type").asText())) {
          cursors.put(type, i + 1);
          return received.get(i);
        }
      }
      cursors.put(type, received.size());
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new IllegalStateException(
            "no '" + type + "' message within " + timeout + "; received " + typesReceived());
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + type, e);
      }
    }
  }

  /**
   * Waits until the agent is connected or the timeout passes.
   *
   * @return whether it is connected
   */
  public synchronized boolean awaitConnected(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (socket == null) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private List<String> typesReceived() {
    return received.stream().map(m -> m.path("type").asText("?")).toList();
  }

  /** Called with every inbound message after it was applied (e.g. to print it). */
  public void setMessageListener(Consumer<JsonNode> listener) {
    messageListener = Objects.requireNonNull(listener);
  }

  /** The endpoint this agent connects to. */
  public URI url() {
    return url;
  }

  /** Whether a WebSocket is open. */
  public boolean isConnected() {
    return socket != null;
  }

  /** Whether the screen is locked (initially true). */
  public boolean isLocked() {
    return desktop.isLocked();
  }

  /** Whether the user was logged off after an expired session's grace period. */
  public boolean isLoggedOff() {
    return desktop.isLoggedOff();
  }

  /** Whether the countdown overlay is shown. */
  public boolean isOverlayVisible() {
    return desktop.isOverlayVisible();
  }

  /** Text on the lock screen, e.g. {@code "Session ended"}, or {@code null}. */
  public String lockMessage() {
    return desktop.lockMessage();
  }

  /** The running session, or {@code null}. */
  public Long currentSessionId() {
    return desktop.sessionId();
  }

  /** The last session this PC knew of; sent in {@code sync_request} after reconnecting. */
  public Long lastKnownSessionId() {
    return desktop.lastKnownSessionId();
  }

  /** Seconds left on the local countdown (rounded up), or {@code null} without a session. */
  public Long remainingSeconds() {
    return desktop.remainingSeconds();
  }

  /** Times the countdown ran out while offline and the PC locked itself. */
  public int offlineLocks() {
    return desktop.offlineLocks();
  }

  /** {@code remaining_seconds} of each {@code session_warning}, in order. */
  public List<Long> warnings() {
    return desktop.warnings();
  }

  /** Notifications shown, e.g. {@code "Time added!"} per extension. */
  public List<String> notifications() {
    return desktop.notifications();
  }

  /** How many "Time added!" notifications were shown. */
  public long timeAddedCount() {
    return desktop.notifications().stream().filter(AgentDesktop.TIME_ADDED::equals).count();
  }

  /** Every inbound message in order (non-JSON frames as text nodes). */
  public synchronized List<JsonNode> received() {
    return List.copyOf(received);
  }

  /** Inbound messages of unknown type, ignored apart from this record. */
  public synchronized List<JsonNode> unknownMessages() {
    return List.copyOf(unknown);
  }

  /** Every outbound message in order, including ones dropped because the socket was down. */
  public List<JsonNode> sent() {
    return List.copyOf(sent);
  }

  /** Outbound messages as compact JSON text: the agent's request log. */
  public List<String> requests() {
    return sent.stream().map(JsonNode::toString).toList();
  }

  /** Number of {@code heartbeat_ack} messages received. */
  public synchronized int heartbeatAcks() {
    return heartbeatAcks;
  }

  /** Successful connections so far (the first plus reconnects). */
  public synchronized int connects() {
    return connects;
  }

  /** Failed connection attempts (refused, timed out, or handshake rejected). */
  public synchronized int connectFailures() {
    return connectFailures;
  }

  /** HTTP status of the last rejected WebSocket upgrade (e.g. 401, 404), or {@code null}. */
  public synchronized Integer lastHandshakeStatus() {
    return lastHandshakeStatus;
  }

  /** The last connection error, or {@code null}. */
  public synchronized Throwable lastConnectError() {
    return lastConnectError;
  }

  /** Delays of the reconnects scheduled so far, showing the exponential backoff. */
  public synchronized List<Duration> reconnectDelays() {
    return List.copyOf(reconnectDelays);
  }
}
