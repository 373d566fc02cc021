package io.opsflow.simulators;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's WebSocket: connect with a Bearer header, frame text, send in order, and reconnect
 * with exponential backoff. Knows nothing about the protocol; reports to {@link Events}.
 */
final class AgentConnection {

  /** Callbacks, never invoked while this connection's lock is held. */
  interface Events {
    /** The socket is open; runs before any inbound message is delivered. */
    void opened();

    void text(String message);

    /** The socket dropped (not called for {@link #disconnect()} or {@link #close()}). */
    void lost();
  }

  private static final Logger log = LoggerFactory.getLogger(AgentConnection.class);
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final URI url;
  private final String token;
  private final PcAgentSimulator.Options options;
  private final ScheduledExecutorService scheduler;
  private final Events events;
  private final ExecutorService httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).executor(httpExecutor).build();

  // Guarded by `this`; `generation` tells current callbacks from those of replaced sockets.
  private volatile WebSocket socket;
  private int generation;
  private boolean manuallyDisconnected;
  private boolean closed;
  private Duration nextBackoff;
  private ScheduledFuture<?> reconnectTask;
  private int connects;
  private int connectFailures;
  private Integer lastHandshakeStatus;
  private Throwable lastConnectError;
  private final List<Duration> reconnectDelays = new ArrayList<>();

  private final Object sendLock = new Object();
  private CompletableFuture<Void> sendChain = CompletableFuture.completedFuture(null);

  AgentConnection(
      URI url,
      String token,
      PcAgentSimulator.Options options,
      ScheduledExecutorService scheduler,
      Events events) {
    this.url = url;
    this.token = token;
    this.options = options;
    this.scheduler = scheduler;
    this.events = events;
    this.nextBackoff = options.reconnectInitialBackoff();
  }

  /** Starts one connection attempt; completes with whether it opened. */
  CompletableFuture<Boolean> attempt() {
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
                failed(gen, error);
              }
              return error == null;
            });
  }

  /** Waits for an attempt's outcome (bounded by the connect timeout). */
  void await(CompletableFuture<Boolean> attempt) {
    try {
      attempt.get(CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("connect attempt to {} did not finish: {}", url, e.toString());
    }
  }

  private boolean open(int gen, WebSocket ws) {
    synchronized (this) {
      if (gen != generation || closed || manuallyDisconnected) {
        ws.abort();
        return false;
      }
      socket = ws;
      connects++;
      nextBackoff = options.reconnectInitialBackoff();
      notifyAll();
    }
    log.info("agent connected to {}", url);
    return true;
  }

  private void failed(int gen, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    synchronized (this) {
      connectFailures++;
      lastConnectError = cause;
      if (cause instanceof WebSocketHandshakeException handshake) {
        lastHandshakeStatus = handshake.getResponse().statusCode();
      }
      scheduleReconnect(gen);
      notifyAll();
    }
    log.info("agent connect to {} failed: {}", url, cause.toString());
  }

  private void lost(int gen, String why) {
    synchronized (this) {
      if (gen != generation || socket == null) {
        return;
      }
      socket = null;
      scheduleReconnect(gen);
      notifyAll();
    }
    log.info("agent connection lost: {}", why);
    events.lost();
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

  /** Aborts the socket and stays offline until {@link #reconnect()}. */
  void disconnect() {
    WebSocket ws;
    synchronized (this) {
      manuallyDisconnected = true;
      ws = detach();
    }
    if (ws != null) {
      ws.abort();
    }
  }

  boolean reconnect() {
    synchronized (this) {
      manuallyDisconnected = false;
      nextBackoff = options.reconnectInitialBackoff();
      if (reconnectTask != null) {
        reconnectTask.cancel(false);
      }
    }
    await(attempt());
    return isConnected();
  }

  void close() {
    WebSocket ws;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      ws = detach();
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
    http.shutdownNow();
    httpExecutor.shutdownNow();
  }

  private WebSocket detach() {
    generation++;
    if (reconnectTask != null) {
      reconnectTask.cancel(false);
    }
    WebSocket ws = socket;
    socket = null;
    notifyAll();
    return ws;
  }

  /** Queues a text frame; frames go out in order, one at a time as the WebSocket API needs. */
  boolean send(String text) {
    synchronized (sendLock) {
      WebSocket ws = socket;
      if (ws == null) {
        return false;
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
      return true;
    }
  }

  boolean isConnected() {
    return socket != null;
  }

  synchronized boolean awaitConnected(Duration timeout) {
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

  private synchronized boolean isCurrent(int gen) {
    return gen == generation && !closed;
  }

  synchronized int connects() {
    return connects;
  }

  synchronized int connectFailures() {
    return connectFailures;
  }

  synchronized Integer lastHandshakeStatus() {
    return lastHandshakeStatus;
  }

  synchronized Throwable lastConnectError() {
    return lastConnectError;
  }

  synchronized List<Duration> reconnectDelays() {
    return List.copyOf(reconnectDelays);
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
      if (open(gen, ws)) {
        events.opened();
      }
      ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String text = buffer.toString();
        buffer.setLength(0);
        if (isCurrent(gen)) {
          events.text(text);
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
}
