package io.opsflow.pass.ccsds;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A CCSDS space packet (CCSDS 133.0-B-2): the 6-octet primary header and the packet data field.
 *
 * <pre>
 * octet 0-1: version (3 bits, always 000) | type (1) | secondary header flag (1) | APID (11)
 * octet 2-3: sequence flags (2) | sequence count or packet name (14)
 * octet 4-5: packet data length = octets in the data field - 1
 * octet 6- : packet data field, 1 to 65536 octets (secondary header, if flagged, then user data)
 * </pre>
 *
 * <p>The data field is opaque here; {@link TmDataField} reads the TM secondary header. The record
 * holds a private copy of {@code data}, so instances are immutable and compare by content.
 *
 * <p>What the standard rejects and {@link #decode} refuses: a version other than 000, a length
 * field that disagrees with the octets present (truncated or trailing), and an idle packet (APID
 * 0x7FF) with the secondary header flag set. A data field of zero octets cannot be encoded (the
 * length field counts from one), so the constructor refuses it. CCSDS 133.0-B puts no further
 * condition on TC packets: a TC needs no secondary header (ECSS PUS does, a mission layer above).
 */
public record SpacePacket(
    PacketType type,
    boolean secondaryHeader,
    int apid,
    SequenceFlags sequenceFlags,
    int sequenceCount,
    byte[] data) {

  /** Packet version number 1, encoded as 000. */
  public static final int VERSION = 0;

  public static final int PRIMARY_HEADER_LENGTH = 6;
  public static final int MAX_DATA_LENGTH = 65536;
  public static final int MAX_LENGTH = PRIMARY_HEADER_LENGTH + MAX_DATA_LENGTH;
  public static final int IDLE_APID = 0x7FF;
  public static final int MAX_APID = 0x7FF;
  public static final int MAX_SEQUENCE_COUNT = 0x3FFF;

  public SpacePacket {
    if (type == null || sequenceFlags == null || data == null) {
      throw new IllegalArgumentException("type, sequence flags and data are required");
    }
    if (apid < 0 || apid > MAX_APID) {
      throw new IllegalArgumentException("APID " + apid + " outside 0..0x7FF");
    }
    if (sequenceCount < 0 || sequenceCount > MAX_SEQUENCE_COUNT) {
      throw new IllegalArgumentException("sequence count " + sequenceCount + " outside 0..16383");
    }
    if (data.length < 1 || data.length > MAX_DATA_LENGTH) {
      throw new IllegalArgumentException(
          "packet data field of " + data.length + " octets, must be 1..65536");
    }
    if (apid == IDLE_APID && secondaryHeader) {
      throw new IllegalArgumentException("an idle packet (APID 0x7FF) has no secondary header");
    }
    data = data.clone();
  }

  /** An unsegmented packet. */
  public static SpacePacket of(
      PacketType type, boolean secondaryHeader, int apid, int sequenceCount, byte[] data) {
    return new SpacePacket(
        type, secondaryHeader, apid, SequenceFlags.UNSEGMENTED, sequenceCount, data);
  }

  /** A copy of the packet data field. */
  @Override
  public byte[] data() {
    return data.clone();
  }

  /** Always {@link #VERSION}: other versions are refused when decoding. */
  public int version() {
    return VERSION;
  }

  /** The packet data length field: octets in the data field minus one. */
  public int dataLength() {
    return data.length - 1;
  }

  /** Octets of the whole packet. */
  public int length() {
    return PRIMARY_HEADER_LENGTH + data.length;
  }

  public boolean isIdle() {
    return apid == IDLE_APID;
  }

  public byte[] encode() {
    byte[] out = new byte[length()];
    int id = (VERSION << 13) | (type.bit() << 12) | (secondaryHeader ? 1 << 11 : 0) | apid;
    int sequence = (sequenceFlags.ordinal() << 14) | sequenceCount;
    out[0] = (byte) (id >>> 8);
    out[1] = (byte) id;
    out[2] = (byte) (sequence >>> 8);
    out[3] = (byte) sequence;
    out[4] = (byte) (dataLength() >>> 8);
    out[5] = (byte) dataLength();
    System.arraycopy(data, 0, out, PRIMARY_HEADER_LENGTH, data.length);
    return out;
  }

  /** Decodes exactly one packet: {@code bytes} must hold it and nothing else. */
  public static SpacePacket decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /** Decodes exactly one packet from {@code length} octets at {@code offset}. */
  public static SpacePacket decode(byte[] bytes, int offset, int length) {
    int total = totalLength(bytes, offset, length, offset);
    if (length < total) {
      throw new CcsdsFormatException(
          "packet data length",
          offset + 4,
          "announces "
              + (total - PRIMARY_HEADER_LENGTH)
              + " data octets, only "
              + (length - PRIMARY_HEADER_LENGTH)
              + " present (truncated packet)");
    }
    if (length > total) {
      throw new CcsdsFormatException(
          "packet data length",
          offset + 4,
          "announces a packet of "
              + total
              + " octets, "
              + (length - total)
              + " trailing octets follow it");
    }
    return body(bytes, offset);
  }

  /**
   * Validates the primary header at {@code offset} ({@code available} octets present, at least the
   * header) and returns the total packet length it announces. {@code reportedOffset} is where the
   * header starts in the caller's numbering (the stream position for the stream decoder).
   */
  static int totalLength(byte[] bytes, int offset, int available, long reportedOffset) {
    if (available < PRIMARY_HEADER_LENGTH) {
      throw new CcsdsFormatException(
          "packet primary header",
          reportedOffset,
          "needs 6 octets, only " + Math.max(available, 0) + " present");
    }
    int version = (bytes[offset] & 0xE0) >>> 5;
    if (version != VERSION) {
      throw new CcsdsFormatException(
          "packet version number",
          reportedOffset,
          "is " + Integer.toBinaryString(version | 8).substring(1) + ", only 000 is defined");
    }
    int apid = ((bytes[offset] & 0x07) << 8) | (bytes[offset + 1] & 0xFF);
    boolean secondaryHeader = (bytes[offset] & 0x08) != 0;
    if (apid == IDLE_APID && secondaryHeader) {
      throw new CcsdsFormatException(
          "secondary header flag", reportedOffset, "is set on an idle packet (APID 0x7FF)");
    }
    int dataLength = ((bytes[offset + 4] & 0xFF) << 8) | (bytes[offset + 5] & 0xFF);
    return PRIMARY_HEADER_LENGTH + dataLength + 1;
  }

  /** Builds the packet at {@code offset}, whose header {@link #totalLength} has validated. */
  static SpacePacket body(byte[] bytes, int offset) {
    int dataLength = ((bytes[offset + 4] & 0xFF) << 8) | (bytes[offset + 5] & 0xFF);
    int start = offset + PRIMARY_HEADER_LENGTH;
    return new SpacePacket(
        (bytes[offset] & 0x10) == 0 ? PacketType.TM : PacketType.TC,
        (bytes[offset] & 0x08) != 0,
        ((bytes[offset] & 0x07) << 8) | (bytes[offset + 1] & 0xFF),
        SequenceFlags.of((bytes[offset + 2] & 0xC0) >>> 6),
        ((bytes[offset + 2] & 0x3F) << 8) | (bytes[offset + 3] & 0xFF),
        Arrays.copyOfRange(bytes, start, start + dataLength + 1));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SpacePacket p
        && type == p.type
        && secondaryHeader == p.secondaryHeader
        && apid == p.apid
        && sequenceFlags == p.sequenceFlags
        && sequenceCount == p.sequenceCount
        && Arrays.equals(data, p.data);
  }

  @Override
  public int hashCode() {
    return ((((type.hashCode() * 31 + Boolean.hashCode(secondaryHeader)) * 31 + apid) * 31
                        + sequenceFlags.hashCode())
                    * 31
                + sequenceCount)
            * 31
        + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "SpacePacket[%s apid=0x%03X seq=%s/%d secondaryHeader=%s data=%s]"
        .formatted(
            type,
            apid,
            sequenceFlags,
            sequenceCount,
            secondaryHeader,
            data.length <= 32
                ? HexFormat.of().formatHex(data)
                : HexFormat.of().formatHex(data, 0, 32) + "...(" + data.length + " octets)");
  }
}
