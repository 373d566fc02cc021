package io.opsflow.simulators.flight;

import io.opsflow.simulators.syslog.RelpSender;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Replays a MAVLink telemetry log as a drone's onboard software would forward it: each HEARTBEAT,
 * position, GPS, system status, STATUSTEXT, battery and temperature message becomes one RFC 5424
 * syslog message (see {@link MavlinkTelemetry} for the fields and units), sent over UDP (one
 * message per datagram, RFC 5426), TCP (octet counting, RFC 6587) or RELP ({@link RelpSender}:
 * every message kept until the receiver acknowledges it, resent after a reconnect; closing waits up
 * to a minute for the last acknowledgements), to a loopback address only. The messages keep the
 * log's own timestamps; pacing follows them at {@code speed} times real time (0 = as fast as the
 * socket takes them).
 *
 * <pre>
 * TlogForwarder --tlog FILE --to udp://127.0.0.1:5514 [--speed 50] [--hostname drone-1] [--limit N]
 * TlogForwarder --tlog FILE --to relp://127.0.0.1:20514 ...
 * </pre>
 */
public final class TlogForwarder implements Closeable {

  /** What one replay did. */
  public record Result(long sent, long skippedKinds, long undecodable, Duration elapsed) {}

  private final Transport transport;
  private final String hostname;
  private final double speed;

  private TlogForwarder(Transport transport, String hostname, double speed) {
    this.transport = transport;
    this.hostname = hostname;
    this.speed = speed;
  }

  /**
   * A forwarder to {@code target} ({@code udp://host:port}, {@code tcp://host:port} or {@code
   * relp://host:port}, host on the loopback).
   *
   * @throws IllegalArgumentException when the target is not a loopback udp/tcp URI or speed is
   *     negative
   */
  public static TlogForwarder open(URI target, String hostname, double speed) throws IOException {
    return open(target, InetAddress.getLoopbackAddress(), hostname, speed);
  }

  /**
   * A forwarder to {@code target} sending from the local loopback address {@code from} (the
   * receiver names the device by its source address, e.g. 127.0.12.7 for a test's endpoint).
   *
   * @throws IllegalArgumentException when from is not a loopback address
   */
  public static TlogForwarder open(URI target, InetAddress from, String hostname, double speed)
      throws IOException {
    if (!from.isLoopbackAddress()) {
      throw new IllegalArgumentException("from must be a loopback address, got " + from);
    }
    if (!(speed >= 0) || Double.isInfinite(speed)) {
      throw new IllegalArgumentException("speed must be a finite number >= 0, got " + speed);
    }
    String scheme = target.getScheme();
    if (target.getHost() == null || target.getPort() < 1) {
      throw new IllegalArgumentException(
          "to must be udp://HOST:PORT, tcp://HOST:PORT or relp://HOST:PORT: " + target);
    }
    InetAddress address = InetAddress.getByName(target.getHost());
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException("to must be a loopback address, got " + address);
    }
    InetSocketAddress endpoint = new InetSocketAddress(address, target.getPort());
    Transport transport =
        switch (scheme == null ? "" : scheme) {
          case "udp" -> new Udp(from, endpoint);
          case "tcp" -> new Tcp(from, endpoint);
          case "relp" -> new Relp(new RelpSender(endpoint, from, 128, Duration.ofSeconds(5)));
          default ->
              throw new IllegalArgumentException(
                  "to must use udp://, tcp:// or relp://, got " + target);
        };
    return new TlogForwarder(transport, hostname, speed);
  }

  /** Sends up to {@code limit} messages of {@code tlog}; returns when they are all sent. */
  public Result replay(Path tlog, long limit) throws IOException, InterruptedException {
    long started = System.nanoTime();
    long sent = 0;
    long skippedKinds = 0;
    Instant first = null;
    try (TlogReader reader = new TlogReader(tlog)) {
      for (TlogRecord record = reader.next();
          record != null && sent < limit;
          record = reader.next()) {
        var message = MavlinkTelemetry.of(record);
        if (message.isEmpty()) {
          skippedKinds++;
          continue;
        }
        if (first == null) {
          first = record.time();
        }
        pace(started, Duration.between(first, record.time()));
        transport.send(Rfc5424.format(message.get(), hostname));
        sent++;
      }
      transport.flush();
      return new Result(
          sent, skippedKinds, reader.skipped(), Duration.ofNanos(System.nanoTime() - started));
    }
  }

  private void pace(long startedNanos, Duration sinceFirst)
      throws IOException, InterruptedException {
    if (speed == 0) {
      return;
    }
    long due = startedNanos + (long) (sinceFirst.toNanos() / speed);
    long wait = due - System.nanoTime();
    if (wait > 0) {
      transport.flush();
      Thread.sleep(Duration.ofNanos(wait));
    }
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }

  /** Command line: see the class comment. */
  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--") && i + 1 < args.length) {
        opts.put(args[i].substring(2), args[++i]);
      } else {
        System.err.println("ignoring argument " + args[i]);
      }
    }
    String tlog = opts.get("tlog");
    String to = opts.get("to");
    if (tlog == null || to == null) {
      System.err.println(
          "usage: TlogForwarder --tlog FILE"
              + " --to udp://127.0.0.1:5514|tcp://127.0.0.1:5514|relp://127.0.0.1:20514"
              + " [--speed 50] [--hostname drone-1] [--limit N] [--from 127.0.0.1]");
      System.exit(2);
    }
    double speed = Double.parseDouble(opts.getOrDefault("speed", "1"));
    long limit = Long.parseLong(opts.getOrDefault("limit", Long.toString(Long.MAX_VALUE)));
    InetAddress from = InetAddress.getByName(opts.getOrDefault("from", "127.0.0.1"));
    try (TlogForwarder forwarder =
        open(URI.create(to), from, opts.getOrDefault("hostname", "drone-1"), speed)) {
      Result result = forwarder.replay(Path.of(tlog), limit);
      System.out.printf(
          "sent %d messages to %s in %s (%d records of other kinds, %d undecodable)%n",
          result.sent(), to, result.elapsed(), result.skippedKinds(), result.undecodable());
    }
  }

  private interface Transport extends Closeable {
    void send(String message) throws IOException, InterruptedException;

    void flush() throws IOException;
  }

  private static final class Udp implements Transport {
    private final DatagramSocket socket;
    private final InetSocketAddress target;

    Udp(InetAddress from, InetSocketAddress target) throws IOException {
      this.socket = new DatagramSocket(new InetSocketAddress(from, 0));
      this.target = target;
    }

    @Override
    public void send(String message) throws IOException {
      byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
      socket.send(new DatagramPacket(bytes, bytes.length, target));
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      socket.close();
    }
  }

  private static final class Relp implements Transport {
    private final RelpSender sender;

    Relp(RelpSender sender) {
      this.sender = sender;
    }

    @Override
    public void send(String message) throws InterruptedException {
      sender.send(message);
    }

    @Override
    public void flush() {
      sender.flush();
    }

    @Override
    public void close() throws IOException {
      try {
        if (!sender.awaitAcknowledged(Duration.ofMinutes(1))) {
          throw new IOException(
              "RELP receiver did not acknowledge "
                  + sender.stats().unacknowledged()
                  + " messages within a minute");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for RELP acknowledgements", e);
      } finally {
        sender.close();
      }
    }
  }

  private static final class Tcp implements Transport {
    private final Socket socket;
    private final OutputStream out;

    Tcp(InetAddress from, InetSocketAddress target) throws IOException {
      this.socket = new Socket();
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(target, 5_000);
      socket.setTcpNoDelay(true);
      this.out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    }

    // Octet counting (RFC 6587 3.4.1): "LEN SP MSG", LEN in bytes.
    @Override
    public void send(String message) throws IOException {
      byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
      out.write((bytes.length + " ").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      try {
        out.flush();
      } finally {
        socket.close();
      }
    }
  }
}
