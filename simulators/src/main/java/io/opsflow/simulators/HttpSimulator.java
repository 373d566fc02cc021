package io.opsflow.simulators;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base for the HTTP device simulators: one {@link HttpServer} on 127.0.0.1 served by virtual
 * threads, a request log, and a reachability switch that really closes the listening socket so
 * clients see the same connection-refused error a dead device produces.
 */
public abstract class HttpSimulator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpSimulator.class);
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private int port;
  private boolean closed;
  private volatile int errorStatus;
  private volatile Duration delay = Duration.ZERO;

  /** Creates an unbound simulator; subclasses' {@code start} methods call {@link #bind(int)}. */
  protected HttpSimulator() {}

  /** Binds 127.0.0.1 on {@code port} (0 picks a free one) and starts serving. */
  protected final synchronized void bind(int requestedPort) throws IOException {
    HttpServer created = HttpServer.create(new InetSocketAddress(LOOPBACK, requestedPort), 0);
    created.createContext("/", this::dispatch);
    created.setExecutor(executor);
    created.start();
    server = created;
    port = created.getAddress().getPort();
  }

  /** Handles one request; the exchange is closed afterwards by the caller. */
  protected abstract void handle(HttpExchange exchange) throws IOException;

  private void dispatch(HttpExchange exchange) {
    String query = exchange.getRequestURI().getQuery();
    String line =
        exchange.getRequestMethod()
            + " "
            + exchange.getRequestURI().getPath()
            + (query == null ? "" : "?" + query);
    requests.add(line);
    try {
      Duration wait = delay;
      if (!wait.isZero()) {
        Thread.sleep(wait);
      }
      int error = errorStatus;
      if (error != 0) {
        Http.sendText(exchange, error, "Simulated device fault: " + error);
        return;
      }
      handle(exchange);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      log.warn("{} failed: {}", line, e.toString());
      try {
        Http.sendText(exchange, 500, "Internal simulator error: " + e);
      } catch (IOException | RuntimeException ignored) {
        // Response headers were already sent; the client sees a truncated response.
      }
    } finally {
      exchange.close();
    }
  }

  /** Base URL such as {@code http://127.0.0.1:8181}. */
  public final synchronized URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The bound port; stays the same across {@link #setReachable(boolean)} cycles. */
  public final synchronized int port() {
    return port;
  }

  /**
   * {@code false} closes the listening socket (connections are refused, in-flight ones dropped);
   * {@code true} binds the same port again. Device state survives either way.
   */
  public final synchronized void setReachable(boolean reachable) {
    if (closed || reachable == (server != null)) {
      return;
    }
    if (reachable) {
      try {
        bind(port);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot re-bind 127.0.0.1:" + port, e);
      }
    } else {
      server.stop(0);
      server = null;
    }
  }

  /**
   * A device answering errors: every request gets {@code status} (e.g. 500 or 503) and changes no
   * state, until called again with 0. The request is still logged.
   */
  public final void setErrorStatus(int status) {
    if (status != 0 && (status < 400 || status > 599)) {
      throw new IllegalArgumentException("an error status is 4xx or 5xx, got " + status);
    }
    errorStatus = status;
  }

  /** A slow device: every request is held for {@code delay} before it is handled (zero: none). */
  public final void setDelay(Duration delay) {
    this.delay = delay == null ? Duration.ZERO : delay;
  }

  /** Whether the port currently accepts connections. */
  public final synchronized boolean isReachable() {
    return server != null;
  }

  /** Every request received, in order, like {@code "POST /relay/0?turn=off"} (decoded). */
  public final List<String> requests() {
    return List.copyOf(requests);
  }

  /** Forgets the request log. */
  public final void clearRequests() {
    requests.clear();
  }

  /** Stops the server for good. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (server != null) {
        server.stop(0);
        server = null;
      }
    }
    executor.shutdownNow();
  }
}
