package io.opsflow.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on 127.0.0.1 in front of the app, for a browser whose connections a test breaks for
 * real: {@link #cut()} closes every relayed connection (both sockets), and while {@link
 * #refuse(boolean) refusing}, a new connection is closed as soon as it is accepted. Bytes pass
 * unchanged, so the browser talks HTTP to the app as it would directly (with the relay's port in
 * its Host header).
 */
final class CuttableProxy implements AutoCloseable {

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean refusing;
  private volatile boolean closed;

  private CuttableProxy(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("proxy-accept").start(this::accept);
  }

  static CuttableProxy to(int port) throws IOException {
    return new CuttableProxy(port);
  }

  int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far, refused ones included. */
  int accepted() {
    return accepted.get();
  }

  /** Closes every connection relayed now. */
  void cut() {
    for (Socket s : open) {
      close(s);
    }
  }

  void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (refusing) {
        close(client);
        continue;
      }
      Thread.ofVirtual().start(() -> relay(client));
    }
  }

  private void relay(Socket client) {
    Socket upstream = new Socket();
    try {
      upstream.connect(target, 5000);
    } catch (IOException e) {
      close(client);
      close(upstream);
      return;
    }
    open.add(client);
    open.add(upstream);
    Thread.ofVirtual().start(() -> pump(client, upstream));
    pump(upstream, client);
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream()) {
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // cut, or closed by either side: the other side goes too
    } finally {
      close(from);
      close(to);
    }
  }

  private void close(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    cut();
  }
}
