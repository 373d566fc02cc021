package io.opsflow.pass.ccsds;

/**
 * The acknowledgement of a telecommand, sent as the user data of a TM packet on {@link #APID}
 * (after the time code secondary header), 5 octets:
 *
 * <pre>
 * octet 0-1: APID of the TC (upper 5 bits 0) | octet 2-3: sequence count of the TC (upper 2 bits 0)
 * octet 4:   0 = accepted, 1 = rejected
 * </pre>
 */
public record TcAck(int tcApid, int tcSequenceCount, boolean accepted) {

  /** APID of acknowledgement packets. */
  public static final int APID = 0x001;

  public static final int LENGTH = 5;

  public TcAck {
    if (tcApid < 0 || tcApid > SpacePacket.MAX_APID) {
      throw new IllegalArgumentException("TC APID " + tcApid + " outside 0..0x7FF");
    }
    if (tcSequenceCount < 0 || tcSequenceCount > SpacePacket.MAX_SEQUENCE_COUNT) {
      throw new IllegalArgumentException("TC sequence count " + tcSequenceCount + " too large");
    }
  }

  public byte[] encode() {
    return new byte[] {
      (byte) (tcApid >>> 8),
      (byte) tcApid,
      (byte) (tcSequenceCount >>> 8),
      (byte) tcSequenceCount,
      (byte) (accepted ? 0 : 1)
    };
  }

  /** Reads the user data of an acknowledgement packet. */
  public static TcAck decode(byte[] userData) {
    if (userData.length != LENGTH) {
      throw new CcsdsFormatException(
          "acknowledgement", 0, userData.length + " octets, expected " + LENGTH);
    }
    int apid = ((userData[0] & 0xFF) << 8) | (userData[1] & 0xFF);
    if (apid > SpacePacket.MAX_APID) {
      throw new CcsdsFormatException("acknowledged APID", 0, apid + " exceeds 11 bits");
    }
    int count = ((userData[2] & 0xFF) << 8) | (userData[3] & 0xFF);
    if (count > SpacePacket.MAX_SEQUENCE_COUNT) {
      throw new CcsdsFormatException("acknowledged sequence count", 2, count + " exceeds 14 bits");
    }
    int code = userData[4] & 0xFF;
    if (code > 1) {
      throw new CcsdsFormatException("acknowledgement code", 4, code + " is neither 0 nor 1");
    }
    return new TcAck(apid, count, code == 0);
  }
}
