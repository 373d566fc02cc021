package io.opsflow.device.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The syslog listeners (UDP, TCP, RELP) and the database writer behind them. Sockets put raw frames
 * on a bounded queue; a parser thread takes them in batches and parses them while a writer thread
 * maps the source addresses to devices and writes the batch before (one batch in hand-off). A full
 * queue makes TCP connections stop reading (the sender's window fills: it waits, nothing is lost)
 * and UDP datagrams dropped, each counted ({@code opsflow.syslog.dropped}); datagrams the kernel
 * dropped because the socket buffer overflowed are read from /proc/net/udp ({@code
 * opsflow.syslog.udp.kernel.drops}). A batch the database refuses is retried until it is written or
 * the process stops.
 *
 * <p>RELP ({@link RelpSession}) is the reliable one: a message is acknowledged ({@code rsp 200 OK})
 * only after its batch is committed, so a sender that loses the connection (this process killed)
 * resends exactly what it has no acknowledgement for; those resends that had been committed are
 * recognised by {@link TelemetryStore} and stored once.
 */
public class SyslogIntake implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(SyslogIntake.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** A frame as it came off a socket; {@code reply} (RELP only) is completed once it is stored. */
  private record Frame(
      String text,
      String sourceIp,
      Instant receivedAt,
      String transport,
      RelpSession.Reply reply) {}

  /** Parsed messages on their way to the writer, with the RELP replies to send once committed. */
  private record Batch(List<TelemetryStore.Incoming> records, List<RelpSession.Reply> replies) {}

  /**
   * Counters so far.
   *
   * @param received frames taken off the sockets
   * @param stored records committed to the database
   * @param dropped UDP datagrams dropped because the queue was full
   * @param kernelDrops datagrams the kernel dropped on this UDP socket (buffer full), -1 unknown
   * @param queued frames waiting for the writer
   * @param batches batches committed
   * @param writeMillis time spent writing them (parse, map, insert, commit)
   * @param duplicates RELP messages received again after they were stored (resends), not stored
   * @param relpRefused RELP frames refused (malformed, too big, out of order, unknown command)
   */
  public record Stats(
      long received,
      long stored,
      long dropped,
      long kernelDrops,
      int queued,
      long batches,
      long writeMillis,
      long duplicates,
      long relpRefused) {}

  private final SyslogProperties properties;
  private final TelemetryStore store;
  private final EndpointDirectory endpoints;
  private final List<FirstContactListener> listeners;
  private final Clock clock;
  private final BlockingQueue<Frame> queue;

  /** Parsed batches on their way to the writer; {@link #END} after the last one. */
  private final BlockingQueue<Batch> parsed = new ArrayBlockingQueue<>(1);

  private static final Batch END = new Batch(List.of(), List.of());
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong stored = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong writeNanos = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong relpRefused = new AtomicLong();
  private final MeterRegistry meters;
  private final Counter receivedRelp;
  private final Counter duplicateCounter;
  private final Counter droppedCounter;
  private final Counter storedCounter;
  private final Counter receivedUdp;
  private final Counter receivedTcp;

  private volatile boolean running;
  private DatagramChannel udp;
  private ServerSocketChannel tcp;
  private ServerSocketChannel relp;
  private final List<Thread> threads = new ArrayList<>();
  private final List<SocketChannel> connections = new ArrayList<>();
  private volatile Instant lastDropWarning = Instant.MIN;

  public SyslogIntake(
      SyslogProperties properties,
      TelemetryStore store,
      EndpointDirectory endpoints,
      List<FirstContactListener> listeners,
      MeterRegistry meters,
      Clock clock) {
    this.properties = properties;
    this.store = store;
    this.endpoints = endpoints;
    this.listeners = List.copyOf(listeners);
    this.clock = clock;
    this.queue = new ArrayBlockingQueue<>(properties.queueCapacity());
    this.droppedCounter =
        Counter.builder("opsflow.syslog.dropped")
            .description("UDP syslog datagrams dropped because the intake queue was full")
            .tag("reason", "queue_full")
            .register(meters);
    this.storedCounter =
        Counter.builder("opsflow.syslog.stored")
            .description("Telemetry records committed")
            .register(meters);
    this.receivedUdp =
        Counter.builder("opsflow.syslog.received").tag("transport", "udp").register(meters);
    this.receivedTcp =
        Counter.builder("opsflow.syslog.received").tag("transport", "tcp").register(meters);
    this.receivedRelp =
        Counter.builder("opsflow.syslog.received").tag("transport", "relp").register(meters);
    this.duplicateCounter =
        Counter.builder("opsflow.syslog.relp.duplicates")
            .description("RELP messages resent after they were stored (not stored again)")
            .register(meters);
    this.meters = meters;
    Gauge.builder("opsflow.syslog.queue.depth", queue, BlockingQueue::size).register(meters);
    Gauge.builder("opsflow.syslog.udp.kernel.drops", this, SyslogIntake::kernelDrops)
        .description("Datagrams the kernel dropped on the syslog UDP socket (receive buffer full)")
        .register(meters);
  }

  @Override
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    try {
      InetAddress bind = InetAddress.getByName(properties.bindAddress());
      if (properties.udpPort() >= 0) {
        udp = DatagramChannel.open();
        udp.setOption(StandardSocketOptions.SO_RCVBUF, properties.udpReceiveBuffer());
        udp.bind(new InetSocketAddress(bind, properties.udpPort()));
        threads.add(Thread.ofPlatform().name("syslog-udp").start(this::receiveUdp));
      }
      if (properties.tcpPort() >= 0) {
        tcp = ServerSocketChannel.open();
        tcp.bind(new InetSocketAddress(bind, properties.tcpPort()), 128);
        threads.add(
            Thread.ofPlatform().name("syslog-tcp").start(() -> accept(tcp, "tcp", this::serve)));
      }
      if (properties.relpPort() >= 0) {
        relp = ServerSocketChannel.open();
        relp.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        relp.bind(new InetSocketAddress(bind, properties.relpPort()), 128);
        threads.add(
            Thread.ofPlatform()
                .name("syslog-relp")
                .start(() -> accept(relp, "relp", this::serveRelp)));
      }
    } catch (IOException e) {
      running = false;
      closeSockets();
      throw new UncheckedIOException("syslog intake cannot listen on " + describe(), e);
    }
    threads.add(Thread.ofPlatform().name("syslog-parser").start(this::parseLoop));
    threads.add(Thread.ofPlatform().name("syslog-writer").start(this::writeLoop));
    log.info(
        "syslog intake listening on {} (udp {}, tcp {}, relp {}, receive buffer {} bytes)",
        properties.bindAddress(),
        udpPort(),
        tcpPort(),
        relpPort(),
        receiveBuffer());
  }

  @Override
  public void stop() {
    List<Thread> stopping;
    synchronized (this) {
      if (!running) {
        return;
      }
      running = false;
      closeSockets();
      stopping = List.copyOf(threads);
      threads.clear();
    }
    for (Thread t : stopping) {
      try {
        t.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** The bound UDP port, -1 without UDP. */
  public int udpPort() {
    try {
      return udp == null ? -1 : ((InetSocketAddress) udp.getLocalAddress()).getPort();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The bound TCP port, -1 without TCP. */
  public int tcpPort() {
    try {
      return tcp == null ? -1 : ((InetSocketAddress) tcp.getLocalAddress()).getPort();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The bound RELP port, -1 without RELP. */
  public int relpPort() {
    try {
      return relp == null ? -1 : ((InetSocketAddress) relp.getLocalAddress()).getPort();
    } catch (IOException e) {
      return -1;
    }
  }

  public Stats stats() {
    return new Stats(
        received.get(),
        stored.get(),
        dropped.get(),
        kernelDrops(),
        queue.size(),
        batches.get(),
        writeNanos.get() / 1_000_000,
        duplicates.get(),
        relpRefused.get());
  }

  private String describe() {
    return properties.bindAddress()
        + " udp "
        + properties.udpPort()
        + " tcp "
        + properties.tcpPort()
        + " relp "
        + properties.relpPort();
  }

  private int receiveBuffer() {
    try {
      return udp == null ? 0 : udp.getOption(StandardSocketOptions.SO_RCVBUF);
    } catch (IOException e) {
      return 0;
    }
  }

  private synchronized void closeSockets() {
    for (var channel : new java.nio.channels.Channel[] {udp, tcp, relp}) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
    for (SocketChannel c : connections) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    connections.clear();
  }

  private void receiveUdp() {
    ByteBuffer buffer = ByteBuffer.allocate(65536);
    while (running) {
      SocketAddress from;
      try {
        buffer.clear();
        from = udp.receive(buffer);
      } catch (ClosedChannelException closed) {
        return;
      } catch (IOException e) {
        log.warn("syslog udp receive failed: {}", e.toString());
        continue;
      }
      buffer.flip();
      int length = Math.min(buffer.remaining(), properties.maxMessageLength());
      String text = new String(buffer.array(), 0, length, StandardCharsets.UTF_8);
      received.incrementAndGet();
      receivedUdp.increment();
      Frame frame = new Frame(text, address(from), clock.instant(), "udp", null);
      if (!queue.offer(frame)) {
        dropped.incrementAndGet();
        droppedCounter.increment();
        Instant now = clock.instant();
        if (lastDropWarning.plusSeconds(10).isBefore(now)) {
          lastDropWarning = now;
          log.warn(
              "syslog intake queue full ({}): UDP datagrams dropped, {} so far",
              properties.queueCapacity(),
              dropped.get());
        }
      }
    }
  }

  /**
   * Accepts connections on {@code server} until the intake stops; each is tracked (closed on stop)
   * and served by {@code serve} on its own virtual thread, then forgotten.
   */
  private void accept(
      ServerSocketChannel server,
      String transport,
      java.util.function.Consumer<SocketChannel> serve) {
    while (running) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (ClosedChannelException closed) {
        return;
      } catch (IOException e) {
        log.warn("syslog {} accept failed: {}", transport, e.toString());
        continue;
      }
      synchronized (this) {
        if (!running) {
          closeQuietly(channel);
          return;
        }
        connections.add(channel);
      }
      Thread.ofVirtual()
          .name("syslog-" + transport + "-conn")
          .start(
              () -> {
                try {
                  serve.accept(channel);
                } finally {
                  synchronized (this) {
                    connections.remove(channel);
                  }
                }
              });
    }
  }

  private void serve(SocketChannel channel) {
    Socket socket = channel.socket();
    String source = address(socket.getRemoteSocketAddress());
    try (var in = new BufferedInputStream(socket.getInputStream(), 64 * 1024)) {
      SyslogFrames frames = new SyslogFrames(in, properties.maxMessageLength());
      String text;
      while ((text = frames.next()) != null) {
        received.incrementAndGet();
        receivedTcp.increment();
        // Blocks while the queue is full: the connection is not read, TCP pushes back.
        queue.put(new Frame(text, source, clock.instant(), "tcp", null));
      }
    } catch (IOException e) {
      if (running) {
        log.debug("syslog tcp connection from {} ended: {}", source, e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(channel);
    }
  }

  private void serveRelp(SocketChannel channel) {
    String source = address(channel.socket().getRemoteSocketAddress());
    new RelpSession(
            channel,
            source,
            properties.maxMessageLength(),
            (text, ip, reply) -> {
              received.incrementAndGet();
              receivedRelp.increment();
              queue.put(new Frame(text, ip, clock.instant(), TelemetryStore.RELP, reply));
            },
            this::relpRefused)
        .serve();
  }

  private void relpRefused(String reason) {
    relpRefused.incrementAndGet();
    Counter.builder("opsflow.syslog.relp.refused")
        .description("RELP frames refused (malformed, too big, out of order, unknown command)")
        .tag("reason", reason)
        .register(meters)
        .increment();
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  /**
   * Takes frames off the queue in batches and parses them, while the writer stores the batch
   * before: parsing and the database overlap. The hand-off holds one batch, so a slow database
   * stops this thread too and the queue fills (back-pressure reaches the sockets).
   */
  private void parseLoop() {
    long flushNanos = properties.flushInterval().toNanos();
    try {
      while (running || !queue.isEmpty()) {
        Frame first = queue.poll(flushNanos, TimeUnit.NANOSECONDS);
        if (first == null) {
          continue;
        }
        List<Frame> frames = new ArrayList<>(properties.batchSize());
        frames.add(first);
        queue.drainTo(frames, properties.batchSize() - 1);
        List<TelemetryStore.Incoming> batch = new ArrayList<>(frames.size());
        List<RelpSession.Reply> replies = new ArrayList<>(0);
        for (Frame f : frames) {
          if (f.reply() != null) {
            replies.add(f.reply());
          }
          batch.add(
              new TelemetryStore.Incoming(
                  f.receivedAt(),
                  f.sourceIp(),
                  null,
                  f.transport(),
                  parse(f.text(), f.receivedAt())));
        }
        parsed.put(new Batch(batch, replies));
      }
      parsed.put(END);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void writeLoop() {
    try {
      while (true) {
        Batch batch = parsed.take();
        if (batch == END) {
          return;
        }
        if (writeUntilStored(batch.records())) {
          // committed: only now may a RELP sender forget these messages
          for (RelpSession.Reply reply : batch.replies()) {
            reply.complete("200 OK");
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True once the batch is committed; false when interrupted first (nothing acknowledged). */
  private boolean writeUntilStored(List<TelemetryStore.Incoming> batch) {
    long start = System.nanoTime();
    Duration backoff = Duration.ofMillis(200);
    while (true) {
      try {
        List<TelemetryStore.Incoming> mapped = new ArrayList<>(batch.size());
        for (TelemetryStore.Incoming in : batch) {
          mapped.add(
              new TelemetryStore.Incoming(
                  in.receivedAt(),
                  in.sourceIp(),
                  endpoints.deviceOf(in.sourceIp()),
                  in.transport(),
                  in.message()));
        }
        TelemetryStore.Written written = store.write(mapped);
        stored.addAndGet(written.ids().size());
        storedCounter.increment(written.ids().size());
        duplicates.addAndGet(written.duplicates());
        duplicateCounter.increment(written.duplicates());
        if (written.duplicates() > 0) {
          log.info(
              "{} resent RELP messages already stored, not stored again", written.duplicates());
        }
        batches.incrementAndGet();
        writeNanos.addAndGet(System.nanoTime() - start);
        notifyFirstContacts(written.firstContacts());
        return true;
      } catch (RuntimeException e) {
        log.warn(
            "syslog batch of {} not stored, retrying in {} ms: {}",
            batch.size(),
            backoff.toMillis(),
            e.toString());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          log.error("syslog intake interrupted: {} messages not stored", batch.size());
          return false;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      }
    }
  }

  private SyslogMessage parse(String text, Instant receivedAt) {
    try {
      return SyslogParser.parse(text, receivedAt, properties.bsdZone());
    } catch (RuntimeException bug) {
      // The parser is built not to throw; should it anyway, the message is still kept.
      log.error("syslog parser failed, message kept unparsed", bug);
      return SyslogMessage.unparsed(text);
    }
  }

  private void notifyFirstContacts(List<FirstContact> contacts) {
    for (FirstContact contact : contacts) {
      log.info("first telemetry from device {} at {}", contact.deviceId(), contact.at());
      for (FirstContactListener listener : listeners) {
        try {
          listener.firstContact(contact);
        } catch (RuntimeException e) {
          log.warn(
              "first contact of device {} not delivered: {}", contact.deviceId(), e.toString());
        }
      }
    }
  }

  /** The address as PostgreSQL's inet takes it (IPv4-mapped IPv6 as IPv4, no scope). */
  static String address(SocketAddress from) {
    InetAddress a = ((InetSocketAddress) from).getAddress();
    String text = a.getHostAddress();
    if (a instanceof Inet6Address) {
      int scope = text.indexOf('%');
      return scope < 0 ? text : text.substring(0, scope);
    }
    return text;
  }

  /** Drops counted by the kernel on this UDP socket (Linux /proc/net/udp), -1 when unknown. */
  private long kernelDrops() {
    return UdpDrops.forPort(udpPort());
  }
}
