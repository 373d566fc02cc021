package io.opsflow.pass.ccsds;

import java.util.Arrays;

/**
 * The data field of a TM packet in this project: the packet secondary header is exactly one time
 * code with its P-field (CUC or CDS, self-describing, see {@link TimeCode}), the user data follows
 * it (may be empty). The simulator sends CUC 4+2 with the CCSDS epoch: P-field 0x1E, 4 octets of
 * TAI seconds since 1958, 2 octets of 1/65536 s, 7 octets in all. TCs carry no secondary header.
 */
public record TmDataField(TimeCode time, byte[] userData) {

  public TmDataField {
    if (time == null || userData == null) {
      throw new IllegalArgumentException("time and user data are required");
    }
    userData = userData.clone();
  }

  @Override
  public byte[] userData() {
    return userData.clone();
  }

  public byte[] encode() {
    byte[] time = this.time.encode();
    byte[] out = Arrays.copyOf(time, time.length + userData.length);
    System.arraycopy(userData, 0, out, time.length, userData.length);
    return out;
  }

  /** A TM packet carrying this data field, unsegmented, secondary header flag set. */
  public SpacePacket packet(int apid, int sequenceCount) {
    return SpacePacket.of(PacketType.TM, true, apid, sequenceCount, encode());
  }

  /** Reads the data field of a TM packet; offsets in errors count from the packet's start. */
  public static TmDataField decode(SpacePacket packet) {
    if (packet.type() != PacketType.TM) {
      throw new CcsdsFormatException("packet type", 0, "is TC, a TM data field was expected");
    }
    if (!packet.secondaryHeader()) {
      throw new CcsdsFormatException(
          "secondary header flag", 0, "is not set: TM carries its time code there");
    }
    byte[] data = packet.data();
    TimeCode time = TimeCode.decode(data, 0, data.length, SpacePacket.PRIMARY_HEADER_LENGTH);
    return new TmDataField(time, Arrays.copyOfRange(data, time.length(), data.length));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TmDataField f
        && time.equals(f.time)
        && Arrays.equals(userData, f.userData);
  }

  @Override
  public int hashCode() {
    return time.hashCode() * 31 + Arrays.hashCode(userData);
  }

  @Override
  public String toString() {
    return "TmDataField[time=" + time + ", userData=" + userData.length + " octets]";
  }
}
