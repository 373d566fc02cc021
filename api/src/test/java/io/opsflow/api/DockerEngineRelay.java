package io.opsflow.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker engine as the code under test sees it: a TCP listener on 127.0.0.1 relaying to the real
 * engine's Unix socket, which the test makes fail without touching the shared daemon. {@link
 * Mode#DOWN} closes the listener (new connections are refused) and every relayed connection; {@link
 * Mode#ERROR} answers every request with HTTP 500 and a Docker-style JSON error; {@link Mode#SLOW}
 * passes requests on at once but holds the engine's answers to POST requests (create, start, stop)
 * for {@link #slowBy}, so the engine does the work and the client hears of it late or never.
 *
 * <p>The relay measures how long a client waited for an answer it then gave up on ({@link
 * #abandonedWaits()}): the time from its request to closing the connection.
 */
final class DockerEngineRelay implements AutoCloseable {

  enum Mode {
    PASS,
    DOWN,
    ERROR,
    SLOW
  }

  private final UnixDomainSocketAddress engine;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final List<Duration> abandoned = new CopyOnWriteArrayList<>();
  private final AtomicInteger creates = new AtomicInteger();
  private volatile ServerSocket server;
  private volatile Mode mode = Mode.PASS;
  private volatile Duration slowBy = Duration.ZERO;
  private volatile boolean closed;

  private DockerEngineRelay(Path socket) throws IOException {
    this.engine = UnixDomainSocketAddress.of(socket);
    this.server = listen(0);
    this.port = server.getLocalPort();
    startAccepting(server);
  }

  /** A relay to the engine's socket ({@code DOCKER_HOST} if it is a unix:// one). */
  static DockerEngineRelay start() throws IOException {
    String host = System.getenv("DOCKER_HOST");
    Path socket =
        host != null && host.startsWith("unix://")
            ? Path.of(host.substring("unix://".length()))
            : Path.of("/var/run/docker.sock");
    return new DockerEngineRelay(socket);
  }

  /** The engine address to configure: {@code tcp://127.0.0.1:<port>}. */
  String host() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Container create requests that reached the engine through the relay. */
  int creates() {
    return creates.get();
  }

  /** How long each client waited before giving up on an answer the relay held back. */
  List<Duration> abandonedWaits() {
    return List.copyOf(abandoned);
  }

  synchronized void mode(Mode next) throws IOException {
    mode(next, Duration.ZERO);
  }

  synchronized void mode(Mode next, Duration delay) throws IOException {
    Mode before = mode;
    slowBy = delay;
    mode = next;
    // Pooled connections are cut, so the next request meets the new behaviour.
    for (Socket s : open) {
      closeQuietly(s);
    }
    if (next == Mode.DOWN && before != Mode.DOWN) {
      server.close();
    } else if (next != Mode.DOWN && before == Mode.DOWN) {
      server = listen(port);
      startAccepting(server);
    }
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    return s;
  }

  private void startAccepting(ServerSocket listener) {
    Thread.ofVirtual().name("engine-relay-accept").start(() -> accept(listener));
  }

  private void accept(ServerSocket listener) {
    while (!closed && !listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      open.add(client);
      Mode now = mode;
      if (now == Mode.ERROR) {
        Thread.ofVirtual().start(() -> answerError(client));
      } else {
        Thread.ofVirtual().start(() -> relay(client));
      }
    }
  }

  /** Reads each request's head and answers 500, like an engine whose daemon is broken. */
  private void answerError(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      readHead(in);
      byte[] body =
          "{\"message\":\"relay: engine failing (injected 500)\"}\n"
              .getBytes(StandardCharsets.UTF_8);
      out.write(
          ("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                  + "Content-Length: "
                  + body.length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
    } catch (IOException e) {
      // the client went away
    } finally {
      open.remove(client);
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    int b;
    while (matched < 4 && (b = in.read()) >= 0) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  private void relay(Socket client) {
    SocketChannel upstream;
    try {
      upstream = SocketChannel.open(StandardProtocolFamily.UNIX);
      upstream.connect(engine);
    } catch (IOException e) {
      closeQuietly(client);
      open.remove(client);
      return;
    }
    // A request's time and method, for the answer's hold and for measuring abandoned waits.
    Exchange exchange = new Exchange();
    Thread.ofVirtual()
        .start(
            () -> {
              try (InputStream in = Channels.newInputStream(upstream);
                  OutputStream out = client.getOutputStream()) {
                byte[] buf = new byte[16384];
                int n;
                while ((n = in.read(buf)) >= 0) {
                  Exchange.Pending p = exchange.pending;
                  if (p != null && p.post && mode == Mode.SLOW) {
                    long wait = p.at + slowBy.toNanos() - System.nanoTime();
                    if (wait > 0) {
                      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                  }
                  exchange.pending = null;
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // either side closed
              } finally {
                closeQuietly(client);
              }
            });
    try (InputStream in = client.getInputStream();
        OutputStream out = Channels.newOutputStream(upstream)) {
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (exchange.pending == null) {
          String start = new String(buf, 0, Math.min(n, 64), StandardCharsets.US_ASCII);
          boolean post = start.startsWith("POST ");
          if (post && start.contains("/containers/create")) {
            creates.incrementAndGet();
          }
          exchange.pending = new Exchange.Pending(System.nanoTime(), post);
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side closed
    } finally {
      Exchange.Pending p = exchange.pending;
      // Only a held answer the client stopped waiting for (a cut by the relay is no wait).
      if (p != null && p.post && mode == Mode.SLOW && !closed) {
        abandoned.add(Duration.ofNanos(System.nanoTime() - p.at));
      }
      closeQuietly(client);
      try {
        upstream.close();
      } catch (IOException e) {
        // closed
      }
      open.remove(client);
    }
  }

  private static final class Exchange {
    record Pending(long at, boolean post) {}

    volatile Pending pending;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closed already
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
