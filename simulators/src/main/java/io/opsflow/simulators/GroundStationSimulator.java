package io.opsflow.simulators;

import io.opsflow.pass.ccsds.CcsdsFormatException;
import io.opsflow.pass.ccsds.CucTime;
import io.opsflow.pass.ccsds.Housekeeping;
import io.opsflow.pass.ccsds.PacketType;
import io.opsflow.pass.ccsds.SpacePacket;
import io.opsflow.pass.ccsds.SpacePacketStreamDecoder;
import io.opsflow.pass.ccsds.TcAck;
import io.opsflow.pass.ccsds.TmDataField;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A ground station with a spacecraft behind it, on TCP at 127.0.0.1: CCSDS space packets both ways,
 * one link (the pass executor) at a time; a second connection while the link is up is closed at
 * once.
 *
 * <ul>
 *   <li>Every TC is answered with an acknowledgement TM on APID {@link TcAck#APID} ({@link TcAck}:
 *       TC APID, TC sequence count, accepted or rejected). A TC whose user data is {@code 01 MM}
 *       sets the spacecraft mode to MM when accepted.
 *   <li>While the link is up, housekeeping TM on APID {@link Housekeeping#APID} ({@link
 *       Housekeeping}: battery mV, temperature, mode) every {@code telemetryInterval}.
 *   <li>Every TM has a CUC 4+2 (CCSDS epoch, TAI) secondary header with the onboard time: ground
 *       time + offset + drift (ppm of the time since start), to exercise time correlation.
 *   <li>Bytes that are not valid space packets end the link (a TCP stream cannot resynchronise).
 * </ul>
 *
 * Controls for tests: {@link #dropLink()}, {@link #setResponseDelay}, {@link #loseEveryNthTm},
 * {@link #loseTmFraction}, {@link #rejectWhen}; counters are exact.
 */
public final class GroundStationSimulator implements AutoCloseable {

  /** Settings fixed at start. */
  public record Options(
      Duration telemetryInterval, Duration onboardOffset, double driftPpm, Clock clock) {

    public static Options defaults() {
      return new Options(Duration.ofSeconds(1), Duration.ZERO, 0, Clock.systemUTC());
    }

    /** Zero turns housekeeping off. */
    public Options withTelemetryInterval(Duration interval) {
      return new Options(interval, onboardOffset, driftPpm, clock);
    }

    public Options withOnboardClock(Duration offset, double driftPpm) {
      return new Options(telemetryInterval, offset, driftPpm, clock);
    }

    public Options withClock(Clock clock) {
      return new Options(telemetryInterval, onboardOffset, driftPpm, clock);
    }
  }

  /** First user-data octet of the set-mode TC ({@code 01 MM}). */
  public static final int MODE_COMMAND = 0x01;

  private final Options options;
  private final ServerSocket server;
  private final Instant startedAt;
  private final ScheduledExecutorService telemetry =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("gs-hk").factory());
  private final Map<Integer, Integer> sequenceCounts = new HashMap<>();

  private Socket link;
  private ScheduledFuture<?> housekeeping;
  private volatile Duration responseDelay = Duration.ZERO;
  private volatile Predicate<SpacePacket> reject = tc -> false;
  private int loseEveryNth;
  private double loseFraction;
  private Random lossRandom = new Random(0);
  private int mode = 1;

  private int linksAccepted;
  private int linksRefused;
  private int linksBroken;
  private int tcReceived;
  private int tcRejected;
  private int acksSent;
  private int housekeepingSent;
  private int tmAttempted;
  private int tmLost;
  private volatile boolean closed;

  private GroundStationSimulator(Options options, ServerSocket server) {
    this.options = options;
    this.server = server;
    this.startedAt = options.clock().instant();
  }

  /** Starts on {@code port} of 127.0.0.1 (0 = a free port). */
  public static GroundStationSimulator start(int port, Options options) throws IOException {
    ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    GroundStationSimulator station = new GroundStationSimulator(options, server);
    Thread.ofVirtual().name("gs-accept").start(station::acceptLoop);
    return station;
  }

  public static GroundStationSimulator start() throws IOException {
    return start(0, Options.defaults());
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code host:port} of the TM/TC endpoint. */
  public String endpoint() {
    return "127.0.0.1:" + port();
  }

  /** The onboard clock's reading at ground time {@code ground}. */
  public Instant onboardTime(Instant ground) {
    long elapsedNanos = Duration.between(startedAt, ground).toNanos();
    return ground
        .plus(options.onboardOffset())
        .plusNanos(Math.round(elapsedNanos * options.driftPpm() / 1e6));
  }

  // --- controls -----------------------------------------------------------------------------

  /** Closes the current link, as a ground station losing the spacecraft or the network would. */
  public synchronized void dropLink() {
    closeLink();
  }

  /** Each acknowledgement is sent this long after its TC arrived. */
  public void setResponseDelay(Duration delay) {
    responseDelay = delay;
  }

  /** Every n-th TM (acks and housekeeping, counted together) is lost; 0 loses none. */
  public synchronized void loseEveryNthTm(int n) {
    loseEveryNth = n;
  }

  /** A fraction of TMs is lost, drawn from a seeded random so runs repeat. */
  public synchronized void loseTmFraction(double fraction, long seed) {
    loseFraction = fraction;
    lossRandom = new Random(seed);
  }

  /** TCs matching this are acknowledged as rejected (and have no effect). */
  public void rejectWhen(Predicate<SpacePacket> predicate) {
    reject = predicate;
  }

  public synchronized void setMode(int mode) {
    this.mode = mode;
  }

  // --- counters -----------------------------------------------------------------------------

  public synchronized boolean linkUp() {
    return link != null;
  }

  public synchronized int linksAccepted() {
    return linksAccepted;
  }

  /** Connections closed at once because a link was already up. */
  public synchronized int linksRefused() {
    return linksRefused;
  }

  /** Links ended because they carried bytes that are not space packets. */
  public synchronized int linksBroken() {
    return linksBroken;
  }

  public synchronized int tcReceived() {
    return tcReceived;
  }

  public synchronized int tcRejected() {
    return tcRejected;
  }

  /** Acknowledgements written to the link (lost ones not counted). */
  public synchronized int acksSent() {
    return acksSent;
  }

  public synchronized int housekeepingSent() {
    return housekeepingSent;
  }

  /** TM packets written to the link. */
  public synchronized int tmSent() {
    return acksSent + housekeepingSent;
  }

  /** TM packets lost on purpose; their sequence counts are skipped, as in a real gap. */
  public synchronized int tmLost() {
    return tmLost;
  }

  public synchronized int mode() {
    return mode;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    synchronized (this) {
      closeLink();
    }
    telemetry.shutdownNow();
  }

  // --- the link -----------------------------------------------------------------------------

  private void acceptLoop() {
    while (!closed) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      synchronized (this) {
        if (link != null) {
          linksRefused++;
          closeQuietly(socket);
          continue;
        }
        link = socket;
        linksAccepted++;
        Duration interval = options.telemetryInterval();
        if (!interval.isZero()) {
          housekeeping =
              telemetry.scheduleAtFixedRate(
                  () -> sendHousekeeping(socket),
                  interval.toNanos(),
                  interval.toNanos(),
                  TimeUnit.NANOSECONDS);
        }
      }
      Thread.ofVirtual().name("gs-link").start(() -> serve(socket));
    }
  }

  private void serve(Socket socket) {
    SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();
    byte[] buffer = new byte[4096];
    // counters change before the link closes, so a client seeing the close sees them
    try {
      InputStream in = socket.getInputStream();
      int n;
      while ((n = in.read(buffer)) > 0) {
        for (SpacePacket packet : decoder.feed(buffer, 0, n)) {
          if (packet.type() == PacketType.TC) {
            telecommand(socket, packet);
          }
        }
      }
    } catch (CcsdsFormatException e) {
      synchronized (this) {
        linksBroken++;
      }
    } catch (IOException | InterruptedException e) {
      // link dropped or closed
    } finally {
      synchronized (this) {
        if (link == socket) {
          closeLink();
        } else {
          closeQuietly(socket);
        }
      }
    }
  }

  private void telecommand(Socket socket, SpacePacket tc) throws IOException, InterruptedException {
    boolean accepted = !reject.test(tc);
    synchronized (this) {
      tcReceived++;
      if (!accepted) {
        tcRejected++;
      }
      byte[] data = tc.data();
      if (accepted && !tc.secondaryHeader() && data.length == 2 && data[0] == MODE_COMMAND) {
        mode = data[1] & 0xFF;
      }
    }
    if (responseDelay.isPositive()) {
      Thread.sleep(responseDelay);
    }
    TcAck ack = new TcAck(tc.apid(), tc.sequenceCount(), accepted);
    if (send(socket, TcAck.APID, ack.encode())) {
      synchronized (this) {
        acksSent++;
      }
    }
  }

  private void sendHousekeeping(Socket socket) {
    Housekeeping hk;
    synchronized (this) {
      int n = housekeepingSent + tmLost;
      hk = new Housekeeping(28_000 + (n % 50) * 10, 2_000 + (n % 20) * 5, mode);
    }
    try {
      if (send(socket, Housekeeping.APID, hk.encode())) {
        synchronized (this) {
          housekeepingSent++;
        }
      }
    } catch (IOException e) {
      // the reader sees the broken link and cleans up
    }
  }

  /** Sends a TM unless loss is simulated; {@code true} if written. */
  private boolean send(Socket socket, int apid, byte[] userData) throws IOException {
    SpacePacket packet;
    synchronized (this) {
      if (link != socket) {
        return false;
      }
      int count = sequenceCounts.getOrDefault(apid, 0);
      sequenceCounts.put(apid, (count + 1) & SpacePacket.MAX_SEQUENCE_COUNT);
      tmAttempted++;
      boolean lost =
          (loseEveryNth > 0 && tmAttempted % loseEveryNth == 0)
              || (loseFraction > 0 && lossRandom.nextDouble() < loseFraction);
      if (lost) {
        tmLost++;
        return false;
      }
      CucTime time = CucTime.of(onboardTime(options.clock().instant()), 4, 2);
      packet = new TmDataField(time, userData).packet(apid, count);
      OutputStream out = socket.getOutputStream();
      out.write(packet.encode());
      out.flush();
    }
    return true;
  }

  private void closeLink() {
    if (housekeeping != null) {
      housekeeping.cancel(false);
      housekeeping = null;
    }
    if (link != null) {
      closeQuietly(link);
      link = null;
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }
}
