package io.opsflow.workers.embedded;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Temporal Java SDK's in-memory test server, served over gRPC on {@code 127.0.0.1:<port>} so
 * that other processes (a second worker JVM, the Temporal CLI) can connect to it.
 *
 * <p>{@code io.temporal.testserver.TestServer.createPortBoundServer(port)} is not used because it
 * binds the wildcard address; this class builds the Netty server on the loopback address itself and
 * registers the same services. Time skipping is locked (off), so timers and sleeps take real
 * wall-clock time, as on a real server. State lives in memory and is lost on {@link #close()}.
 */
public final class EmbeddedTemporal implements TemporalEngine {

  /** The port a Temporal frontend conventionally listens on. */
  public static final int DEFAULT_PORT = 7233;

  private static final Logger log = LoggerFactory.getLogger(EmbeddedTemporal.class);

  private final TestServicesStarter services;
  private final Server server;
  private final int port;
  private final Thread shutdownHook;
  private boolean closed;

  private EmbeddedTemporal(TestServicesStarter services, Server server) {
    this.services = services;
    this.server = server;
    this.port = server.getPort();
    this.shutdownHook = new Thread(this::close, "embedded-temporal-shutdown-" + port);
  }

  /**
   * Starts the server.
   *
   * @param port the TCP port on 127.0.0.1, or 0 to pick a free one
   * @throws PortInUseException if the port is taken
   * @throws IllegalStateException if the server cannot start for another reason
   */
  public static EmbeddedTemporal start(int port) {
    return start(port, true);
  }

  /**
   * Starts the server; without sticky execution every workflow task goes to the normal queue, so a
   * replaced worker picks up the workflows its predecessor had cached (see {@link NoStickyQueues}).
   */
  public static EmbeddedTemporal start(int port, boolean stickyExecution) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    // lockTimeSkipping = true: the clock runs in real time unless a client unlocks it explicitly.
    TestServicesStarter services = new TestServicesStarter(true, 0);
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              // SDK clients ping every 30 s even without calls; the gRPC default policy (5 min,
              // only with calls) would answer with GOAWAY "too_many_pings".
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true);
      if (!stickyExecution) {
        builder.intercept(new NoStickyQueues());
      }
      GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
      Server server = builder.build().start();
      EmbeddedTemporal temporal = new EmbeddedTemporal(services, server);
      Runtime.getRuntime().addShutdownHook(temporal.shutdownHook);
      log.debug("Embedded Temporal server listening on {}", temporal.target());
      return temporal;
    } catch (IOException | RuntimeException e) {
      services.close();
      if (isAddressInUse(e)) {
        throw new PortInUseException(port, e);
      }
      throw new IllegalStateException(
          "Embedded Temporal server failed to start on 127.0.0.1:" + port + ": " + e, e);
    }
  }

  /** The address clients connect to, {@code 127.0.0.1:<port>}. */
  @Override
  public String target() {
    return "127.0.0.1:" + port;
  }

  /** The test server has no UI. */
  @Override
  public Optional<String> uiUrl() {
    return Optional.empty();
  }

  /** State lives in this JVM's memory. */
  @Override
  public boolean durable() {
    return false;
  }

  @Override
  public String describe() {
    return "Java test server at "
        + target()
        + " (the fallback engine: in memory, no Temporal UI; workflows are lost when the app"
        + " stops)";
  }

  /** The TCP port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** Whether the server still accepts calls. */
  public boolean isRunning() {
    return !server.isShutdown();
  }

  /** Stops the gRPC server (5 s grace for calls in progress) and the services. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this may be the hook itself
    }
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        log.debug("Embedded Temporal server calls still running after 5 s; cancelling them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      services.close();
      server.shutdownNow();
    }
    log.info("Embedded Temporal server at {} stopped", target());
  }

  private static boolean isAddressInUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }

  /** The requested port is already bound by another process or server. */
  public static final class PortInUseException extends IllegalStateException {
    private final int port;

    PortInUseException(int port, Throwable cause) {
      super("127.0.0.1:" + port + " is already in use", cause);
      this.port = port;
    }

    /** The port that was taken. */
    public int port() {
      return port;
    }
  }
}
