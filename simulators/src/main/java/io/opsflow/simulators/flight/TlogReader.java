package io.opsflow.simulators.flight;

import io.dronefleet.mavlink.MavlinkConnection;
import io.dronefleet.mavlink.MavlinkMessage;
import io.dronefleet.mavlink.ardupilotmega.ArdupilotmegaDialect;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a MAVLink telemetry log ({@code .tlog}): each record is an 8-byte big-endian microsecond
 * UTC timestamp followed by one MAVLink v1 (0xFE) or v2 (0xFD) packet.
 *
 * <p>Only the tlog framing is done here (the timestamp, and the packet's length from its header so
 * the timestamp stays attached to its packet); CRC check and decoding are io.dronefleet.mavlink's,
 * with the ArduPilot dialect (which includes common and minimal) for every system. Records whose
 * packet the library rejects (bad CRC, message unknown to the dialect) are skipped and counted.
 */
public final class TlogReader implements Closeable {

  private static final int V1_MAGIC = 0xFE;
  private static final int V2_MAGIC = 0xFD;
  private static final int V1_OVERHEAD = 8; // magic, len, seq, sys, comp, msgid, crc(2)
  private static final int V2_OVERHEAD =
      12; // magic, len, incompat, compat, seq, sys, comp, id(3), crc(2)
  private static final int V2_SIGNATURE = 13;
  private static final Map<Class<?>, String> NAMES = new ConcurrentHashMap<>();

  private final DataInputStream in;
  private final PacketFeed feed = new PacketFeed();
  private final ArdupilotmegaDialect dialect = new ArdupilotmegaDialect();
  private MavlinkConnection connection;
  private long skipped;

  /** Opens {@code tlog} for reading. */
  public TlogReader(Path tlog) throws IOException {
    this(Files.newInputStream(tlog));
  }

  /** Reads a tlog from {@code in}, which this reader closes. */
  public TlogReader(InputStream in) {
    this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
    this.connection = newConnection();
  }

  /** Every record of {@code tlog} that decodes, in file order. */
  public static List<TlogRecord> readAll(Path tlog) throws IOException {
    List<TlogRecord> records = new ArrayList<>();
    try (TlogReader reader = new TlogReader(tlog)) {
      for (TlogRecord record = reader.next(); record != null; record = reader.next()) {
        records.add(record);
      }
    }
    return records;
  }

  /** The next decodable record, or null at the end of the log. */
  public TlogRecord next() throws IOException {
    while (true) {
      long micros;
      int magic;
      try {
        micros = in.readLong();
        magic = in.readUnsignedByte();
      } catch (EOFException end) {
        return null;
      }
      int length = in.read();
      if (length < 0) {
        return null;
      }
      int total;
      if (magic == V1_MAGIC) {
        total = length + V1_OVERHEAD;
      } else if (magic == V2_MAGIC) {
        int incompat = in.read();
        if (incompat < 0) {
          return null;
        }
        total = length + V2_OVERHEAD + ((incompat & 0x01) != 0 ? V2_SIGNATURE : 0);
        byte[] packet = new byte[total];
        packet[0] = (byte) magic;
        packet[1] = (byte) length;
        packet[2] = (byte) incompat;
        if (!readFully(packet, 3)) {
          return null;
        }
        TlogRecord record = decode(micros, packet);
        if (record != null) {
          return record;
        }
        continue;
      } else {
        // Not a packet start: the framing is lost; nothing after it can be trusted to line up.
        throw new IOException(
            String.format("not a tlog: byte 0x%02X where a MAVLink packet should start", magic));
      }
      byte[] packet = new byte[total];
      packet[0] = (byte) magic;
      packet[1] = (byte) length;
      if (!readFully(packet, 2)) {
        return null;
      }
      TlogRecord record = decode(micros, packet);
      if (record != null) {
        return record;
      }
    }
  }

  /** Records whose packet the MAVLink library did not accept. */
  public long skipped() {
    return skipped;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** The MAVLink message name of a dronefleet payload class: {@code VfrHud} is VFR_HUD. */
  public static String messageName(Class<?> payloadType) {
    return NAMES.computeIfAbsent(
        payloadType,
        type -> type.getSimpleName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase());
  }

  private boolean readFully(byte[] packet, int from) throws IOException {
    try {
      in.readFully(packet, from, packet.length - from);
      return true;
    } catch (EOFException truncated) {
      skipped++;
      return false;
    }
  }

  private TlogRecord decode(long micros, byte[] packet) throws IOException {
    feed.set(packet);
    MavlinkMessage<?> message;
    try {
      message = connection.next();
    } catch (EOFException rejected) {
      // The library read past the packet: it dropped it (CRC, unknown id). Its reader may hold a
      // partial frame, so start over with a fresh connection on the same dialect.
      skipped++;
      connection = newConnection();
      return null;
    }
    if (message == null || message.getPayload() == null) {
      skipped++;
      return null;
    }
    Instant time = Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1_000);
    return new TlogRecord(
        time,
        message.getOriginSystemId(),
        message.getOriginComponentId(),
        messageName(message.getPayload().getClass()),
        message.getPayload());
  }

  private MavlinkConnection newConnection() {
    return MavlinkConnection.builder(feed, OutputStream.nullOutputStream())
        .defaultDialect(dialect)
        .build();
  }

  /** The bytes of one packet at a time; end of stream after them. */
  private static final class PacketFeed extends InputStream {
    private byte[] bytes = new byte[0];
    private int position;

    void set(byte[] packet) {
      bytes = packet;
      position = 0;
    }

    @Override
    public int read() {
      return position < bytes.length ? bytes[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (position >= bytes.length) {
        return -1;
      }
      int n = Math.min(len, bytes.length - position);
      System.arraycopy(bytes, position, b, off, n);
      position += n;
      return n;
    }
  }
}
