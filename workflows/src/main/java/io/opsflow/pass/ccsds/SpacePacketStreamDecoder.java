package io.opsflow.pass.ccsds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a byte stream (a TCP link) into space packets by their length fields: feed it whatever a
 * read returned, partial packets are kept until the rest arrives. A TCP stream has no markers to
 * resynchronise on, so the first invalid header ends the stream: that {@link #feed} throws and so
 * does every later one. Not thread-safe.
 */
public final class SpacePacketStreamDecoder {

  private byte[] buffer = new byte[1024];
  private int buffered;
  private long streamOffset; // stream position of buffer[0]
  private CcsdsFormatException broken;

  /** The packets completed by these octets, in order (often none, possibly several). */
  public List<SpacePacket> feed(byte[] bytes, int offset, int length) {
    if (broken != null) {
      throw broken;
    }
    append(bytes, offset, length);
    List<SpacePacket> packets = new ArrayList<>();
    int position = 0;
    try {
      while (buffered - position >= SpacePacket.PRIMARY_HEADER_LENGTH) {
        int total =
            SpacePacket.totalLength(buffer, position, buffered - position, streamOffset + position);
        if (buffered - position < total) {
          break;
        }
        packets.add(SpacePacket.body(buffer, position));
        position += total;
      }
    } catch (CcsdsFormatException e) {
      broken = e;
      throw e;
    } finally {
      System.arraycopy(buffer, position, buffer, 0, buffered - position);
      buffered -= position;
      streamOffset += position;
    }
    return packets;
  }

  public List<SpacePacket> feed(byte[] bytes) {
    return feed(bytes, 0, bytes.length);
  }

  /** Octets of an incomplete packet waiting for the rest. */
  public int pending() {
    return buffered;
  }

  /** Stream octets consumed into whole packets so far. */
  public long consumed() {
    return streamOffset;
  }

  private void append(byte[] bytes, int offset, int length) {
    if (buffered + length > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, buffered + length));
    }
    System.arraycopy(bytes, offset, buffer, buffered, length);
    buffered += length;
  }
}
