package io.opsflow.workers.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** TCP ports on 127.0.0.1 for the embedded servers (and the tests that start processes). */
public final class LoopbackPorts {

  private LoopbackPorts() {}

  /** A port nothing listens on right now (the OS's pick). */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
    }
  }

  /**
   * Whether 127.0.0.1:port can be bound and nothing answers there. Bound as the servers bind it
   * (PostgreSQL, Temporal's Go server: with SO_REUSEADDR), so the connections of a server killed a
   * moment ago, still in TIME_WAIT, do not make its own port look taken when it is restarted.
   */
  public static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1);
    } catch (IOException e) {
      return false;
    }
    // A server bound to the wildcard address would not stop the bind above on every system.
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 200);
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
