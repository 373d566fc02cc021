package io.opsflow.simulators;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Just enough of an RFC 6455 server to drive the agent over a real socket: handshake with a Bearer
 * check, text frames, close, ping. The JDK ships a WebSocket client but no server.
 */
final class TinyWebSocketServer implements AutoCloseable {

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final ServerSocket listener;
  private final String path;
  private final String token;
  private final BlockingQueue<Connection> connections = new LinkedBlockingQueue<>();

  TinyWebSocketServer(String path, String token) throws IOException {
    this.path = path;
    this.token = token;
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::acceptLoop);
  }

  URI url() {
    return URI.create("ws://127.0.0.1:" + listener.getLocalPort() + path);
  }

  Connection awaitConnection(Duration timeout) throws InterruptedException {
    Connection c = connections.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (c == null) {
      throw new AssertionError("no WebSocket connection within " + timeout);
    }
    return c;
  }

  Connection pollConnection(Duration timeout) throws InterruptedException {
    return connections.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      String[] lines = readHead(in).split("\r\n");
      String target = lines[0].split(" ")[1];
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
      int status =
          !target.equals(path)
              ? 404
              : !("Bearer " + token).equals(headers.get("authorization")) ? 401 : 101;
      if (status != 101) {
        out.write(
            ("HTTP/1.1 " + status + " Rejected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        socket.close();
        return;
      }
      String accept = accept(headers.get("sec-websocket-key"));
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Accept: "
                  + accept
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Connection connection = new Connection(socket, headers);
      connections.add(connection);
      connection.readLoop();
    } catch (IOException e) {
      closeQuietly(socket);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("eof in handshake");
      }
      head.write(b);
      matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : 0;
    }
    return head.toString(StandardCharsets.US_ASCII).trim();
  }

  private static String accept(String key) {
    try {
      byte[] sha1 =
          MessageDigest.getInstance("SHA-1")
              .digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Connection c : connections) {
      c.drop();
    }
  }

  /** One accepted WebSocket: inbound JSON messages queue up, outbound are sent unmasked. */
  static final class Connection {
    final Map<String, String> headers;
    private final Socket socket;
    private final BlockingQueue<JsonNode> inbound = new LinkedBlockingQueue<>();
    private volatile boolean closedByPeer;

    Connection(Socket socket, Map<String, String> headers) {
      this.socket = socket;
      this.headers = headers;
    }

    private void readLoop() throws IOException {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      while (true) {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long length = b1 & 0x7F;
        if (length == 126) {
          length = in.readUnsignedShort();
        } else if (length == 127) {
          length = in.readLong();
        }
        byte[] mask = new byte[4];
        if ((b1 & 0x80) != 0) {
          in.readFully(mask);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i % 4];
        }
        int opcode = b0 & 0x0F;
        if (opcode == 0x8) {
          closedByPeer = true;
          frame(0x8, payload);
          socket.close();
          return;
        } else if (opcode == 0x9) {
          frame(0xA, payload);
        } else if (opcode == 0x1 || opcode == 0x0) {
          message.write(payload);
          if ((b0 & 0x80) != 0) {
            inbound.add(TestHttp.JSON.readTree(message.toString(StandardCharsets.UTF_8)));
            message.reset();
          }
        }
      }
    }

    private synchronized void frame(int opcode, byte[] payload) throws IOException {
      OutputStream out = socket.getOutputStream();
      out.write(0x80 | opcode);
      if (payload.length < 126) {
        out.write(payload.length);
      } else {
        out.write(126);
        out.write(payload.length >>> 8);
        out.write(payload.length & 0xFF);
      }
      out.write(payload);
      out.flush();
    }

    void send(String json) throws IOException {
      frame(0x1, json.getBytes(StandardCharsets.UTF_8));
    }

    /** The next inbound message, skipping ones of other types (e.g. heartbeats). */
    JsonNode await(String type, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        long left = deadline - System.nanoTime();
        JsonNode next = inbound.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
        if (next == null) {
          throw new AssertionError("no '" + type + "' from agent within " + timeout);
        }
        if (type.equals(next.path("type").asText())) {
          return next;
        }
      }
    }

    /** The next inbound message whatever its type. */
    JsonNode next(Duration timeout) throws InterruptedException {
      JsonNode next = inbound.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (next == null) {
        throw new AssertionError("nothing from agent within " + timeout);
      }
      return next;
    }

    boolean closedByPeer() {
      return closedByPeer;
    }

    /** Drops the TCP connection without a close frame, like a crashed server. */
    void drop() {
      closeQuietly(socket);
    }
  }
}
