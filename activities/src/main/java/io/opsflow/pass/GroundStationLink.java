package io.opsflow.pass;

import io.opsflow.pass.PacketStore.Row;
import io.opsflow.pass.PacketStore.StoredTc;
import io.opsflow.pass.PassLinkActivities.LinkStatus;
import io.opsflow.pass.Telemetry.Received;
import io.opsflow.pass.ccsds.CcsdsFormatException;
import io.opsflow.pass.ccsds.PacketType;
import io.opsflow.pass.ccsds.SpacePacket;
import io.opsflow.pass.ccsds.SpacePacketStreamDecoder;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass's TCP link to its ground station in this process: CCSDS space packets both ways (no
 * framing), split by {@link SpacePacketStreamDecoder}. A reader thread decodes every TM packet,
 * queues it for storage and keeps the recent ones in memory for the waiting actions; a writer
 * thread stores the queue in batches, retrying until the database takes them, so nothing received
 * is lost. A link that drops is reconnected {@code reconnectAttempts} times with doubling backoff;
 * after that it is down and every wait fails with {@code LinkDown} until an action reconnects it.
 */
final class GroundStationLink {

  private static final Logger log = LoggerFactory.getLogger(GroundStationLink.class);

  /** Failure type of a link that could not be (re)established. */
  static final String LINK_DOWN = "LinkDown";

  /** How many received TM packets are kept in memory for the waiting actions. */
  private static final int RECENT = 20_000;

  /** How many TM packets the writer stores in one batch (one multi-row round trip), at most. */
  static final int BATCH = 500;

  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_DRAIN = Duration.ofSeconds(5);

  /**
   * How the link behaves.
   *
   * @param connectTimeout one connection attempt's timeout
   * @param reconnectAttempts attempts after the link dropped (or failed to open) before it is down
   * @param reconnectBackoff the wait before the first reconnect, doubled each time
   * @param tmBatch the most TM packets stored in one batch ({@link #BATCH}; 1 stores each packet
   *     with its own INSERT, the naive store the TM benchmark compares with)
   */
  record Settings(
      Duration connectTimeout, int reconnectAttempts, Duration reconnectBackoff, int tmBatch) {

    Settings {
      if (tmBatch < 1) {
        throw new IllegalArgumentException("tmBatch must be at least 1, was " + tmBatch);
      }
    }

    Settings(Duration connectTimeout, int reconnectAttempts, Duration reconnectBackoff) {
      this(connectTimeout, reconnectAttempts, reconnectBackoff, BATCH);
    }

    static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), 3, Duration.ofMillis(500));
    }
  }

  private final long passId;
  private final String host;
  private final int port;
  private final PacketStore store;
  private final Settings settings;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Deque<Received> recent = new ArrayDeque<>();
  private final LinkedBlockingQueue<Row> toStore = new LinkedBlockingQueue<>();
  private final Thread writer;

  // guarded by lock
  private Socket socket;
  private Thread reader;
  private boolean connecting;
  private boolean closing;
  private boolean closed;
  private String down;
  private Received lastHousekeeping;
  private long tcSent;
  private long tmReceived;
  private long reconnects;
  private long queued;
  private long stored;

  GroundStationLink(long passId, String host, int port, PacketStore store, Settings settings) {
    this.passId = passId;
    this.host = host;
    this.port = port;
    this.store = store;
    this.settings = settings;
    this.writer = Thread.ofVirtual().name("pass-" + passId + "-store").start(this::storeLoop);
  }

  long passId() {
    return passId;
  }

  String endpoint() {
    return host + ":" + port;
  }

  /**
   * Connects unless the link is up (or reconnecting, which it waits for); a link that is down gets
   * another round of attempts.
   *
   * @throws ApplicationFailure type {@code LinkDown} when no attempt connects
   */
  void ensureUp(Runnable heartbeat) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the link of pass " + passId + " is closed");
      }
      while (connecting) {
        heartbeat.run();
        changed.await(250, TimeUnit.MILLISECONDS);
      }
      if (socket != null) {
        return;
      }
      connecting = true;
      down = null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      lock.unlock();
    }
    Socket connected = null;
    try {
      connected = connectWithRetries(heartbeat, false);
    } finally {
      lock.lock();
      try {
        connecting = false;
        if (connected != null) {
          attach(connected);
        } else if (down == null) {
          down = "cannot connect to " + endpoint();
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
    if (connected == null) {
      event("down", Map.of("reason", String.valueOf(down())));
      throw linkDown(down());
    }
    event("opened", Map.of("endpoint", endpoint()));
  }

  /** Records a link event; a database hiccup never breaks the link. */
  private void event(String event, Map<String, Object> detail) {
    try {
      store.linkEvent(passId, event, detail);
    } catch (RuntimeException e) {
      log.warn("pass {}: cannot record link event {}: {}", passId, event, e.toString());
    }
  }

  private String down() {
    lock.lock();
    try {
      return down;
    } finally {
      lock.unlock();
    }
  }

  /** Attempts to connect: once, then {@code reconnectAttempts} more with backoff. */
  private Socket connectWithRetries(Runnable heartbeat, boolean afterDrop) {
    Duration backoff = settings.reconnectBackoff();
    IOException last = null;
    for (int attempt = 0; attempt <= settings.reconnectAttempts(); attempt++) {
      if (attempt > 0 || afterDrop) {
        if (!sleep(backoff, heartbeat)) {
          return null;
        }
        backoff = backoff.multipliedBy(2);
      }
      lock.lock();
      try {
        if (closing || closed) {
          return null;
        }
      } finally {
        lock.unlock();
      }
      Socket s = new Socket();
      try {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), (int) settings.connectTimeout().toMillis());
        return s;
      } catch (IOException e) {
        last = e;
        closeQuietly(s);
        log.warn(
            "pass {}: cannot connect to {} (attempt {}): {}",
            passId,
            endpoint(),
            attempt + 1,
            e.toString());
      }
    }
    lock.lock();
    try {
      down =
          "the link to "
              + endpoint()
              + " is down: "
              + (settings.reconnectAttempts() + 1)
              + " connection attempts failed"
              + (last == null ? "" : " (" + last.getMessage() + ")");
    } finally {
      lock.unlock();
    }
    return null;
  }

  /** Holds lock. */
  private void attach(Socket s) {
    socket = s;
    Thread previous = reader;
    reader = Thread.ofVirtual().name("pass-" + passId + "-link").unstarted(() -> readLoop(s));
    reader.start();
    // A reconnect after a drop runs in the old reader itself, which ends on its own: interrupting
    // it would fail its next JDBC call (the "reconnected" event) and, through the pool's
    // validation on an interrupted thread, close every pooled connection.
    if (previous != null && previous != Thread.currentThread()) {
      previous.interrupt();
    }
  }

  private void readLoop(Socket s) {
    SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();
    byte[] buffer = new byte[8192];
    String reason = null;
    try {
      InputStream in = s.getInputStream();
      int n;
      while ((n = in.read(buffer)) > 0) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (SpacePacket packet : decoder.feed(buffer, 0, n)) {
          if (packet.type() == PacketType.TM) {
            received(Telemetry.decode(packet, now));
          }
        }
      }
      reason = "the ground station closed the link";
    } catch (CcsdsFormatException e) {
      reason = "the stream carried an invalid packet: " + e.getMessage();
    } catch (IOException e) {
      reason = e.toString();
    }
    closeQuietly(s);
    boolean reconnect;
    lock.lock();
    try {
      if (socket != s) {
        return;
      }
      socket = null;
      reconnect = !closing && !closed;
      if (reconnect) {
        connecting = true;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (!reconnect) {
      return;
    }
    log.warn("pass {}: link to {} dropped ({}), reconnecting", passId, endpoint(), reason);
    event("dropped", Map.of("endpoint", endpoint(), "reason", reason));
    Socket again = connectWithRetries(() -> {}, true);
    boolean reattached = false;
    lock.lock();
    try {
      connecting = false;
      if (again != null) {
        if (closing || closed) {
          closeQuietly(again);
        } else {
          reconnects++;
          attach(again);
          reattached = true;
        }
      } else if (down == null) {
        down = "the link to " + endpoint() + " dropped (" + reason + ")";
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (reattached) {
      event("reconnected", Map.of("endpoint", endpoint()));
    } else if (again == null) {
      event("down", Map.of("reason", String.valueOf(down())));
    }
  }

  private void received(Received tm) {
    toStore.add(
        new Row(
            passId,
            "tm",
            tm.packet(),
            tm.groundTime(),
            tm.onboardTime(),
            tm.decoded(),
            null,
            null));
    lock.lock();
    try {
      tmReceived++;
      queued++;
      recent.addLast(tm);
      if (recent.size() > RECENT) {
        recent.removeFirst();
      }
      if (!tm.parameters().isEmpty()) {
        lastHousekeeping = tm;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // --- storage ----------------------------------------------------------------------------

  private void storeLoop() {
    List<Row> batch = new ArrayList<>();
    while (true) {
      try {
        Row first = toStore.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          lock.lock();
          try {
            if (closed && queued == stored) {
              return;
            }
          } finally {
            lock.unlock();
          }
          continue;
        }
        batch.add(first);
        toStore.drainTo(batch, settings.tmBatch() - 1);
        storeWithRetries(batch);
        lock.lock();
        try {
          stored += batch.size();
          changed.signalAll();
        } finally {
          lock.unlock();
        }
        batch.clear();
      } catch (InterruptedException e) {
        // only close interrupts, after the queue was flushed
        return;
      }
    }
  }

  private void storeWithRetries(List<Row> batch) throws InterruptedException {
    long backoff = 100;
    while (true) {
      try {
        store.insert(batch);
        return;
      } catch (RuntimeException e) {
        log.warn(
            "pass {}: storing {} TM packets failed, retrying: {}",
            passId,
            batch.size(),
            e.toString());
        Thread.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  /** Waits until every TM received so far is stored. */
  void flush() {
    long deadline = System.nanoTime() + FLUSH_TIMEOUT.toNanos();
    lock.lock();
    try {
      while (stored < queued) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "pass "
                  + passId
                  + ": "
                  + (queued - stored)
                  + " TM packets not stored after "
                  + FLUSH_TIMEOUT);
        }
        changed.await(Math.min(left, 100_000_000L), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      lock.unlock();
    }
  }

  // --- telecommands ------------------------------------------------------------------------

  /**
   * Stores, then sends, the TC of a run; a run whose TC is stored already is not sent again.
   *
   * @return the stored TC, and whether this call sent it
   */
  Map.Entry<StoredTc, Boolean> send(
      String runKey,
      String nodeId,
      int apid,
      byte[] userData,
      Map<String, Object> decoded,
      Runnable heartbeat) {
    Optional<StoredTc> existing = store.telecommand(passId, runKey);
    if (existing.isPresent()) {
      return Map.entry(existing.get(), false);
    }
    ensureUp(heartbeat);
    lock.lock();
    try {
      // One TC at a time per link: sequence counts and the stream stay in order.
      Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
      int count = store.nextSequenceCount(passId, apid);
      SpacePacket tc = SpacePacket.of(PacketType.TC, false, apid, count, userData);
      Map.Entry<StoredTc, Boolean> row =
          store.insertTelecommand(new Row(passId, "tc", tc, now, null, decoded, runKey, nodeId));
      if (!row.getValue()) {
        return row;
      }
      Socket s = socket;
      try {
        if (s == null) {
          throw new IOException("the link dropped before the telecommand was written");
        }
        OutputStream out = s.getOutputStream();
        out.write(tc.encode());
        out.flush();
        tcSent++;
      } catch (IOException e) {
        store.markSendError(row.getKey().id(), e.getMessage());
        throw linkDown(
            "the telecommand of "
                + runKey
                + " (APID "
                + apid
                + ", sequence count "
                + count
                + ") may not have been sent: "
                + e.getMessage());
      }
      return row;
    } finally {
      lock.unlock();
    }
  }

  // --- waiting -----------------------------------------------------------------------------

  /**
   * Waits until {@code memory} (under the link's lock, over {@link #recent}) or {@code database}
   * (every second) finds something, the deadline passes (empty), or the link is down (LinkDown).
   * Heartbeats all along; a cancelled activity's heartbeat throws.
   */
  <T> Optional<T> await(
      Instant deadline,
      Supplier<Optional<T>> memory,
      Supplier<Optional<T>> database,
      Runnable heartbeat) {
    long nextDatabase = 0;
    while (true) {
      lock.lock();
      try {
        Optional<T> found = memory.get();
        if (found.isPresent()) {
          return found;
        }
        if (down != null && socket == null && !connecting) {
          throw linkDown(down);
        }
      } finally {
        lock.unlock();
      }
      if (database != null && System.nanoTime() >= nextDatabase) {
        Optional<T> found = database.get();
        if (found.isPresent()) {
          return found;
        }
        nextDatabase = System.nanoTime() + 1_000_000_000L;
      }
      heartbeat.run();
      Duration left = Duration.between(Instant.now(), deadline);
      if (left.isNegative() || left.isZero()) {
        return Optional.empty();
      }
      lock.lock();
      try {
        changed.await(Math.min(left.toMillis() + 1, 250), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting", e);
      } finally {
        lock.unlock();
      }
    }
  }

  /** The TM received by this link, oldest first; call under {@link #await}'s memory only. */
  Iterable<Received> recent() {
    return recent;
  }

  /** The last housekeeping received by this link, or null. */
  Received lastHousekeeping() {
    lock.lock();
    try {
      return lastHousekeeping;
    } finally {
      lock.unlock();
    }
  }

  LinkStatus status() {
    lock.lock();
    try {
      return new LinkStatus(socket != null, tcSent, tmReceived, reconnects);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Closes the link after the ground station has sent what it had: our side is shut for output, the
   * ground station ends the link, the reader reads to the end; then every TM is stored.
   */
  LinkStatus close() {
    Socket s;
    Thread r;
    lock.lock();
    try {
      if (closed) {
        return new LinkStatus(false, tcSent, tmReceived, reconnects);
      }
      closing = true;
      s = socket;
      r = reader;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (s != null) {
      try {
        s.shutdownOutput();
      } catch (IOException e) {
        // already broken: the reader ends anyway
      }
    }
    if (r != null) {
      try {
        if (!r.join(CLOSE_DRAIN)) {
          closeQuietly(s);
          r.join(CLOSE_DRAIN);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly(s);
    flush();
    lock.lock();
    try {
      closed = true;
      socket = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    writer.interrupt();
    LinkStatus status = status();
    event(
        "closed",
        Map.of(
            "tc_sent", status.tcSent(),
            "tm_received", status.tmReceived(),
            "reconnects", status.reconnects()));
    log.info(
        "pass {}: link to {} closed: {} TC sent, {} TM received and stored, {} reconnects",
        passId,
        endpoint(),
        status.tcSent(),
        status.tmReceived(),
        status.reconnects());
    return status;
  }

  /** Drops the connection without the graceful close (process shutdown). */
  void abort() {
    Socket s;
    lock.lock();
    try {
      closing = true;
      s = socket;
    } finally {
      lock.unlock();
    }
    closeQuietly(s);
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn("pass {}: {}", passId, e.getMessage());
    }
    lock.lock();
    try {
      closed = true;
      socket = null;
    } finally {
      lock.unlock();
    }
    writer.interrupt();
  }

  static ApplicationFailure linkDown(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, LINK_DOWN);
  }

  private boolean sleep(Duration d, Runnable heartbeat) {
    long end = System.nanoTime() + d.toNanos();
    lock.lock();
    try {
      while (!closing && !closed) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        heartbeat.run();
        changed.await(Math.min(left, 250_000_000L), TimeUnit.NANOSECONDS);
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  private static void closeQuietly(Socket s) {
    if (s == null) {
      return;
    }
    try {
      s.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }
}
