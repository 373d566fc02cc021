package io.opsflow.simulators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The venue PC agent: a WebSocket client that says hello, sends heartbeats, obeys session commands
 * (unlock, countdown, warnings, lock, logoff), keeps counting down and locks by itself while
 * offline, and reconnects with exponential backoff.
 *
 * <p>Messages are JSON objects with a {@code type} and snake_case fields. Protocol handling lives
 * in {@link #handleMessage(JsonNode)}; the socket underneath only frames and forwards text.
 */
public final class PcAgentSimulator implements AutoCloseable {

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
      for (Duration d : List.of(heartbeatInterval, reconnectInitialBackoff, reconnectMaxBackoff)) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("durations must be positive: " + d);
        }
      }
      if (reconnectMaxBackoff.compareTo(reconnectInitialBackoff) < 0) {
        throw new IllegalArgumentException("reconnectMaxBackoff < reconnectInitialBackoff");
      }
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(os, "os");
      Objects.requireNonNull(cpu, "cpu");
      Objects.requireNonNull(gpu, "gpu");
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
    public Options withHeartbeatInterval(Duration interval) {
      return edit(o -> o.heartbeatInterval = interval);
    }

    /**
     * Copy with another reconnect backoff: starts at {@code initial}, doubles up to {@code max}.
     */
    public Options withReconnectBackoff(Duration initial, Duration max) {
      return edit(
          o -> {
            o.reconnectInitialBackoff = initial;
            o.reconnectMaxBackoff = max;
          });
    }

    /** Copy with auto-reconnect on or off. */
    public Options withAutoReconnect(boolean on) {
      return edit(o -> o.autoReconnect = on);
    }

    /** Copy with another agent version and OS string. */
    public Options withVersion(String agentVersion, String osName) {
      return edit(
          o -> {
            o.version = agentVersion;
            o.os = osName;
          });
    }

    /** Copy with other hardware specs. */
    public Options withSpecs(String cpuName, int ram, String gpuName) {
      return edit(
          o -> {
            o.cpu = cpuName;
            o.ramGb = ram;
            o.gpu = gpuName;
          });
    }

    /** Copy that remembers {@code sessionId} from a previous run. */
    public Options withLastKnownSessionId(Long sessionId) {
      return edit(o -> o.lastKnownSessionId = sessionId);
    }

    private Options edit(Consumer<Draft> change) {
      Draft draft = new Draft(this);
      change.accept(draft);
      return draft.build();
    }

    /** Mutable copy behind the withers. */
    private static final class Draft {
      Duration heartbeatInterval;
      Duration reconnectInitialBackoff;
      Duration reconnectMaxBackoff;
      boolean autoReconnect;
      String version;
      String os;
      String cpu;
      int ramGb;
      String gpu;
      Long lastKnownSessionId;

      Draft(Options o) {
        heartbeatInterval = o.heartbeatInterval;
        reconnectInitialBackoff = o.reconnectInitialBackoff;
        reconnectMaxBackoff = o.reconnectMaxBackoff;
        autoReconnect = o.autoReconnect;
        version = o.version;
        os = o.os;
        cpu = o.cpu;
        ramGb = o.ramGb;
        gpu = o.gpu;
        lastKnownSessionId = o.lastKnownSessionId;
      }

      Options build() {
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
            lastKnownSessionId);
      }
    }
  }

  private final URI url;
  private final Options options;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("pc-agent").factory());
  private final AgentConnection connection;
  private final AgentDesktop desktop;

  // Inbound log, guarded by `this`; awaitMessage waits on it.
  private final List<JsonNode> received = new ArrayList<>();
  private final Map<String, Integer> cursors = new HashMap<>();
  private final List<JsonNode> unknown = new ArrayList<>();
  private int heartbeatAcks;
  private int enforcements;
  private final List<JsonNode> dropped = new ArrayList<>();
  private volatile boolean hung;
  private volatile String failure;
  private ScheduledFuture<?> heartbeatTask;
  private volatile Consumer<JsonNode> messageListener = m -> {};
  private final List<JsonNode> sent = new CopyOnWriteArrayList<>();

  PcAgentSimulator(URI url, String token, Options options) {
    this.url = Objects.requireNonNull(url);
    this.options = Objects.requireNonNull(options);
    this.connection =
        new AgentConnection(
            url,
            Objects.requireNonNull(token),
            options,
            scheduler,
            new AgentConnection.Events() {
              @Override
              public void opened() {
                onOpened();
              }

              @Override
              public void text(String message) {
                handleText(message);
              }

              @Override
              public void lost() {
                wentOffline();
              }
            });
    this.desktop =
        new AgentDesktop(
            Clock.systemUTC(), scheduler, connection::isConnected, options.lastKnownSessionId());
  }

  /**
   * Connects to {@code wsUrl} (like {@code ws://127.0.0.1:8080/ws/agent/7}) with {@code
   * Authorization: Bearer <bearerToken>}, waiting for the first attempt's outcome. A failed attempt
   * is recorded ({@link #connectFailures()}, {@link #lastHandshakeStatus()}) and retried in the
   * background when auto-reconnect is on.
   */
  public static PcAgentSimulator connect(URI wsUrl, String bearerToken, Options options) {
    PcAgentSimulator agent = new PcAgentSimulator(wsUrl, bearerToken, options);
    agent.start();
    return agent;
  }

  /** {@link #connect(URI, String, Options)} with {@link Options#defaults()}. */
  public static PcAgentSimulator connect(URI wsUrl, String bearerToken) {
    return connect(wsUrl, bearerToken, Options.defaults());
  }

  /** First connection attempt; waits for its outcome. */
  void start() {
    connection.await(connection.attempt());
  }

  // Hello (and sync) go out before any inbound message is handled or heartbeat sent.
  private void onOpened() {
    send(AgentMessages.hello(options));
    Long lastKnown = desktop.lastKnownSessionId();
    if (lastKnown != null) {
      send(AgentMessages.syncRequest(lastKnown));
    }
    long every = options.heartbeatInterval().toMillis();
    synchronized (this) {
      cancelHeartbeats();
      heartbeatTask =
          scheduler.scheduleAtFixedRate(
              this::sendHeartbeatNow, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private void wentOffline() {
    synchronized (this) {
      cancelHeartbeats();
    }
    desktop.wentOffline();
  }

  private void cancelHeartbeats() {
    if (heartbeatTask != null) {
      heartbeatTask.cancel(false);
      heartbeatTask = null;
    }
  }

  /** Drops the socket abruptly (no close frame) and stays offline until {@link #reconnect()}. */
  public void disconnect() {
    connection.disconnect();
    wentOffline();
  }

  /**
   * Connects again now (backoff reset) and waits for the attempt's outcome.
   *
   * @return whether the agent is connected afterwards
   */
  public boolean reconnect() {
    return connection.reconnect();
  }

  /** Closes the socket politely and stops all timers. */
  @Override
  public void close() {
    connection.close();
    desktop.shutdown();
    scheduler.shutdownNow();
  }

  // ---------------------------------------------------------------- outbound

  private void send(ObjectNode message) {
    sent.add(message);
    connection.send(message.toString());
  }

  /** Sends a heartbeat now if connected (the timer sends one every heartbeat interval). */
  public void sendHeartbeatNow() {
    if (connection.isConnected() && !hung) {
      send(AgentMessages.heartbeat(desktop.sessionId(), desktop.remainingSeconds()));
    }
  }

  /** Reports a station status such as {@code MAINTENANCE}. */
  public void sendStatusChange(String status) {
    send(AgentMessages.statusChange(status));
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

  /**
   * A frozen PC: while {@code true} the agent keeps its socket but neither sends heartbeats nor
   * applies or answers what it receives (kept in {@link #dropped()}); the server's heartbeat sweep
   * closes such a socket. {@code false}: it runs again, sends {@code sync_request} for the session
   * it last knew when connected (and reconnects, with auto-reconnect on).
   */
  public void setHung(boolean hung) {
    boolean resumed = this.hung && !hung;
    this.hung = hung;
    Long lastKnown = desktop.lastKnownSessionId();
    if (resumed && lastKnown != null && connection.isConnected()) {
      // After a stall the agent cannot know what it missed: it asks, as after a reconnect.
      send(AgentMessages.syncRequest(lastKnown));
    }
  }

  /**
   * An agent that cannot enforce: while non-null, {@code session_expired} and {@code session_stop}
   * are answered with {@code {"type":"error","ack_of":...,"session_id":...,"message":failure}} and
   * not applied (the screen stays unlocked). {@code null}: enforces again.
   */
  public void setEnforcementFailure(String failure) {
    this.failure = failure;
  }

  /** Applies one server message, acks it where the protocol says so, and records it. */
  void handleMessage(JsonNode message) {
    synchronized (this) {
      String type = message.path("type").asText("");
      if (hung) {
        dropped.add(message);
        return;
      }
      String cannot = failure;
      if (cannot != null && (type.equals("session_expired") || type.equals("session_stop"))) {
        ObjectNode error = AgentMessages.ack(type, message);
        error.put("type", "error");
        error.put("message", cannot);
        send(error);
        received.add(message);
        notifyAll();
        return;
      }
      switch (type) {
        case "session_start" -> {
          Long id = AgentMessages.longOrNull(message.get("session_id"));
          Instant serverTime = AgentMessages.instant(message.get("server_time"));
          Instant end = AgentMessages.instant(message.get("scheduled_end_at"));
          if (end == null) {
            Instant serverNow = serverTime != null ? serverTime : desktop.now();
            end = serverNow.plusSeconds(message.path("duration_seconds").asLong());
          }
          desktop.startSession(id == null ? 0 : id, desktop.toLocal(end, serverTime));
          send(AgentMessages.ack(type, message));
        }
        case "session_extend" -> {
          Instant end = AgentMessages.instant(message.get("scheduled_end_at"));
          Long remaining = desktop.remainingSeconds();
          Instant localEnd =
              end != null
                  ? desktop.toLocal(end, AgentMessages.instant(message.get("server_time")))
                  : desktop
                      .now()
                      .plusSeconds(
                          (remaining == null ? 0 : remaining)
                              + message.path("additional_seconds").asLong());
          desktop.extendSession(AgentMessages.longOrNull(message.get("session_id")), localEnd);
          send(AgentMessages.ack(type, message));
        }
        case "session_warning" -> {
          desktop.warning(message.path("remaining_seconds").asLong());
          send(AgentMessages.ack(type, message));
        }
        case "session_stop" -> {
          enforcements++;
          desktop.stopSession();
          send(AgentMessages.ack(type, message));
        }
        case "session_expired" -> {
          enforcements++;
          desktop.expireSession(message.path("grace_seconds").asLong(0));
          send(AgentMessages.ack(type, message));
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
    JsonNode session = message.path("session");
    Long id = AgentMessages.longOrNull(session.get("id"));
    if (!session.isObject() || id == null) {
      desktop.noSession();
    } else if ("ACTIVE".equalsIgnoreCase(session.path("status").asText())) {
      Instant end = AgentMessages.instant(session.get("scheduled_end_at"));
      Instant localEnd =
          end != null
              ? desktop.toLocal(end, AgentMessages.instant(message.get("server_time")))
              : desktop.now().plusSeconds(session.path("remaining_seconds").asLong());
      desktop.startSession(id, localEnd);
    } else {
      desktop.endedElsewhere(id);
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
      for (int i = cursors.getOrDefault(type, 0); i < received.size(); i++) {
        if (type.equals(received.get(i).path("type").asText())) {
          cursors.put(type, i + 1);
          return received.get(i);
        }
      }
      cursors.put(type, received.size());
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        List<String> types = received.stream().map(m -> m.path("type").asText("?")).toList();
        throw new IllegalStateException(
            "no '" + type + "' message within " + timeout + "; received " + types);
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
  public boolean awaitConnected(Duration timeout) {
    return connection.awaitConnected(timeout);
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
    return connection.isConnected();
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

  /** Times the agent applied {@code session_expired} or {@code session_stop} (locked the PC). */
  public synchronized int enforcements() {
    return enforcements;
  }

  /** Messages that arrived while the agent was hung, unapplied. */
  public synchronized List<JsonNode> dropped() {
    return List.copyOf(dropped);
  }

  /** Number of {@code heartbeat_ack} messages received. */
  public synchronized int heartbeatAcks() {
    return heartbeatAcks;
  }

  /** Successful connections so far (the first plus reconnects). */
  public int connects() {
    return connection.connects();
  }

  /** Failed connection attempts (refused, timed out, or handshake rejected). */
  public int connectFailures() {
    return connection.connectFailures();
  }

  /** HTTP status of the last rejected WebSocket upgrade (e.g. 401, 404), or {@code null}. */
  public Integer lastHandshakeStatus() {
    return connection.lastHandshakeStatus();
  }

  /** The last connection error, or {@code null}. */
  public Throwable lastConnectError() {
    return connection.lastConnectError();
  }

  /** Delays of the reconnects scheduled so far, showing the exponential backoff. */
  public List<Duration> reconnectDelays() {
    return connection.reconnectDelays();
  }
}
