package io.opsflow.simulators.syslog;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RELP client (the sending side of rsyslog's Reliable Event Logging Protocol), to a loopback
 * address only. Every message is kept until the receiver answers {@code rsp 200 OK} for it; at most
 * {@code window} are unacknowledged at a time ({@link #send} waits). When the connection breaks
 * (the receiver was killed, closed, or sent {@code serverclose}), the sender reconnects with
 * exponential backoff, opens a new session and sends every unacknowledged message again, in the
 * original order. So nothing is lost; a message the receiver had stored but could not acknowledge
 * arrives twice, which the receiver must recognise (opsflow's intake does).
 *
 * <p>Wire format: {@code TXNR SP COMMAND SP DATALEN [SP DATA] LF}; the session starts with {@code
 * open} offering {@code relp_version=0}, {@code relp_software} and {@code commands=syslog}, and
 * ends with {@code close}.
 */
public final class RelpSender implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(RelpSender.class);
  private static final long MAX_TXNR = 999_999_999L;
  private static final int MAX_RESPONSE = 64 * 1024;
  private static final String OFFERS =
      "relp_version=0\nrelp_software=opsflow-simulators,1,RelpSender\ncommands=syslog";

  /**
   * What the sender did so far.
   *
   * @param sent messages handed to {@link #send}
   * @param acknowledged messages the receiver confirmed ({@code 200})
   * @param refused messages the receiver refused ({@code 500}); not sent again
   * @param resent frames sent again in a new session (their acknowledgement was not seen)
   * @param sessions sessions opened (1 plus the reconnects)
   * @param unacknowledged messages still waiting for their acknowledgement
   */
  public record Stats(
      long sent, long acknowledged, long refused, long resent, long sessions, int unacknowledged) {}

  private final InetSocketAddress target;
  private final InetAddress from;
  private final int window;
  private final Duration maxBackoff;
  private final Object lock = new Object();

  /** Unacknowledged messages by sequence number, in sending order. */
  private final LinkedHashMap<Long, byte[]> unacked = new LinkedHashMap<>();

  private Session session;
  private long nextSeq;
  private long sent;
  private long acknowledged;
  private long refused;
  private long resent;
  private long sessions;
  private boolean closed;

  /** One connection: its socket, its transaction numbers and which message each one carries. */
  private final class Session {
    final Socket socket;
    final OutputStream out;
    final InputStream in;
    final Map<Long, Long> seqOfTxnr = new HashMap<>();
    long txnr = 1;
    long closeTxnr = -1;
    boolean closeAnswered;
    boolean broken;

    Session(Socket socket) throws IOException {
      this.socket = socket;
      this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    }

    long nextTxnr() {
      long t = txnr;
      txnr = txnr == MAX_TXNR ? 1 : txnr + 1;
      return t;
    }

    void write(long txnr, String command, byte[] data) throws IOException {
      out.write((txnr + " " + command + " " + data.length).getBytes(StandardCharsets.US_ASCII));
      if (data.length > 0) {
        out.write(' ');
        out.write(data);
      }
      out.write('\n');
    }
  }

  /**
   * A sender to {@code target} (loopback), from the local loopback address {@code from}.
   *
   * @param window most messages unacknowledged at a time (rsyslog's default is 128)
   * @param maxBackoff longest wait between two connection attempts
   */
  public RelpSender(InetSocketAddress target, InetAddress from, int window, Duration maxBackoff) {
    if (!target.getAddress().isLoopbackAddress() || !from.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "RELP target and source must be loopback addresses: " + target + " from " + from);
    }
    if (window < 1) {
      throw new IllegalArgumentException("window must be at least 1, got " + window);
    }
    this.target = target;
    this.from = from;
    this.window = window;
    this.maxBackoff = maxBackoff;
  }

  public RelpSender(InetSocketAddress target) {
    this(target, InetAddress.getLoopbackAddress(), 128, Duration.ofSeconds(5));
  }

  /**
   * Sends one syslog message; returns once it is written (not yet acknowledged). Waits while the
   * window is full and while the receiver cannot be reached.
   */
  public void send(String message) throws InterruptedException {
    byte[] data = message.getBytes(StandardCharsets.UTF_8);
    synchronized (lock) {
      while (true) {
        ensureSession();
        if (unacked.size() < window) {
          break;
        }
        lock.wait(100);
      }
      long seq = nextSeq++;
      unacked.put(seq, data);
      sent++;
      Session s = session;
      long txnr = s.nextTxnr();
      s.seqOfTxnr.put(txnr, seq);
      try {
        s.write(txnr, "syslog", data);
        if (unacked.size() >= window) {
          s.out.flush();
        }
      } catch (IOException e) {
        broken(s, e);
      }
    }
  }

  /** Pushes written frames out (does not wait for acknowledgements). */
  public void flush() {
    synchronized (lock) {
      Session s = session;
      if (s != null) {
        try {
          s.out.flush();
        } catch (IOException e) {
          broken(s, e);
        }
      }
    }
  }

  /**
   * Waits until every message sent is acknowledged (or refused), reconnecting and resending as
   * needed.
   *
   * @return false when {@code timeout} passed first
   */
  public boolean awaitAcknowledged(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!unacked.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        ensureSession();
        flush();
        lock.wait(Math.max(1, Math.min(100, left / 1_000_000)));
      }
      return true;
    }
  }

  public Stats stats() {
    synchronized (lock) {
      return new Stats(sent, acknowledged, refused, resent, sessions, unacked.size());
    }
  }

  /**
   * Ends the session with {@code close} (waiting briefly for its response) and closes the socket;
   * messages still unacknowledged are given up (see {@link #awaitAcknowledged} first).
   */
  @Override
  public void close() {
    Session s;
    synchronized (lock) {
      closed = true;
      s = session;
      session = null;
      lock.notifyAll();
    }
    if (s == null) {
      return;
    }
    try {
      synchronized (lock) {
        s.closeTxnr = s.nextTxnr();
        s.write(s.closeTxnr, "close", new byte[0]);
        s.out.flush();
        // the reader thread sees the response (or the connection end); two seconds at most
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (!s.closeAnswered && !s.broken && System.nanoTime() < deadline) {
          lock.wait(100);
        }
      }
    } catch (IOException e) {
      log.debug("relp close to {}: {}", target, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        s.socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** Connects (with backoff) when there is no session; holds the lock, waits releasing it. */
  private void ensureSession() throws InterruptedException {
    long backoff = 100;
    while (session == null) {
      if (closed) {
        throw new IllegalStateException("RELP sender closed");
      }
      try {
        session = open();
      } catch (IOException e) {
        log.debug(
            "relp connect to {} failed, retrying in {} ms: {}", target, backoff, e.toString());
        lock.wait(backoff);
        backoff = Math.min(backoff * 2, maxBackoff.toMillis());
      }
    }
  }

  /** Connects, opens the session, resends the unacknowledged messages, starts the reader. */
  private Session open() throws IOException {
    Socket socket = new Socket();
    try {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(target, 5_000);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(10_000);
      Session s = new Session(socket);
      long openTxnr = s.nextTxnr();
      s.write(openTxnr, "open", OFFERS.getBytes(StandardCharsets.UTF_8));
      s.out.flush();
      Response r = Response.read(s.in);
      if (r == null || r.txnr != openTxnr || !r.command.equals("rsp") || !r.ok()) {
        throw new IOException("RELP open refused by " + target + ": " + r);
      }
      if (!r.text().contains("syslog")) {
        throw new IOException("RELP receiver " + target + " does not offer syslog: " + r.text());
      }
      socket.setSoTimeout(0);
      sessions++;
      int again = 0;
      for (Map.Entry<Long, byte[]> e : unacked.entrySet()) {
        long txnr = s.nextTxnr();
        s.seqOfTxnr.put(txnr, e.getKey());
        s.write(txnr, "syslog", e.getValue());
        again++;
      }
      s.out.flush();
      if (again > 0) {
        resent += again;
        log.info("relp session {} to {}: resent {} unacknowledged", sessions, target, again);
      }
      Thread.ofVirtual().name("relp-sender-rsp").start(() -> readResponses(s));
      return s;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private void readResponses(Session s) {
    try {
      Response r;
      while ((r = Response.read(s.in)) != null) {
        if (r.command.equals("serverclose")) {
          throw new IOException("serverclose");
        }
        if (!r.command.equals("rsp")) {
          continue;
        }
        synchronized (lock) {
          if (r.txnr == s.closeTxnr) {
            s.closeAnswered = true;
          }
          Long seq = s.seqOfTxnr.remove(r.txnr);
          if (seq != null && unacked.remove(seq) != null) {
            if (r.ok()) {
              acknowledged++;
            } else {
              refused++;
              log.warn("relp message refused by {}: {}", target, r.text());
            }
          }
          lock.notifyAll();
        }
      }
      throw new EOFException("connection closed by " + target);
    } catch (IOException e) {
      synchronized (lock) {
        broken(s, e);
      }
    }
  }

  /** Drops a broken session (lock held); its unacknowledged messages wait for the next one. */
  private void broken(Session s, IOException cause) {
    if (!s.broken) {
      s.broken = true;
      if (!closed) {
        log.info(
            "relp session to {} broken ({} unacknowledged): {}",
            target,
            unacked.size(),
            cause.toString());
      }
    }
    if (session == s) {
      session = null;
    }
    try {
      s.socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    lock.notifyAll();
  }

  /** A frame from the receiver. */
  private record Response(long txnr, String command, byte[] data) {
    boolean ok() {
      return text().startsWith("200");
    }

    String text() {
      return new String(data, StandardCharsets.UTF_8);
    }

    /** The next frame, null at the end of the stream; IOException when it is not RELP. */
    static Response read(InputStream in) throws IOException {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      ByteArrayOutputStream header = new ByteArrayOutputStream(32);
      int spaces = 0;
      while (true) {
        if (b < 0) {
          throw new EOFException("stream ended inside a RELP header");
        }
        if (b == ' ' && ++spaces == 3) {
          break;
        }
        if (b == '\n' && spaces == 2) {
          break;
        }
        if (header.size() > 64) {
          throw new IOException("RELP header too long");
        }
        header.write(b);
        b = in.read();
      }
      String[] parts = header.toString(StandardCharsets.US_ASCII).split(" ");
      if (parts.length != 3) {
        throw new IOException("not a RELP header: " + header);
      }
      long txnr;
      int length;
      try {
        txnr = Long.parseLong(parts[0]);
        length = Integer.parseInt(parts[2]);
      } catch (NumberFormatException e) {
        throw new IOException("not a RELP header: " + header, e);
      }
      if (length < 0 || length > MAX_RESPONSE) {
        throw new IOException("RELP response of " + length + " bytes");
      }
      byte[] data = new byte[0];
      if (b == ' ') {
        data = in.readNBytes(length);
        if (data.length < length || in.read() != '\n') {
          throw new IOException("RELP frame " + txnr + " not terminated by LF");
        }
      } else if (length != 0) {
        throw new IOException("RELP frame " + txnr + " misses its data");
      }
      return new Response(txnr, parts[1], data);
    }
  }
}
