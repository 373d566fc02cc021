package io.opsflow.pass.ccsds;

import java.time.Instant;

/**
 * A CCSDS 301.0-B-4 time code with its P-field (preamble) first, so a reader knows the format from
 * the first octet: {@link CucTime} (unsegmented, codes 001 and 010) or {@link CdsTime} (day
 * segmented, code 100).
 */
public sealed interface TimeCode permits CucTime, CdsTime {

  /** P-field then T-field. */
  byte[] encode();

  /** Octets of {@link #encode()}. */
  int length();

  /** Whether the epoch is agency-defined (level 2) rather than 1958-01-01 (level 1). */
  boolean agencyEpoch();

  /** The instant of a level-1 code; a level-2 code needs its epoch, {@link #toInstant(Instant)}. */
  Instant toInstant();

  /** The instant of this code counted from {@code agencyEpoch} (ignored for a level-1 code). */
  Instant toInstant(Instant agencyEpoch);

  /**
   * Decodes the time code starting at {@code offset}, reading at most {@code available} octets;
   * {@code reportedOffset} is that offset in the caller's numbering, for error messages.
   */
  static TimeCode decode(byte[] bytes, int offset, int available, long reportedOffset) {
    if (available < 1) {
      throw new CcsdsFormatException("time code P-field", reportedOffset, "missing");
    }
    int pField = bytes[offset] & 0xFF;
    if ((pField & 0x80) != 0) {
      throw new CcsdsFormatException(
          "time code P-field",
          reportedOffset,
          "extension flag set: a second P-field octet is not supported");
    }
    return switch ((pField >>> 4) & 0b111) {
      case 0b001, 0b010 -> CucTime.decode(bytes, offset, available, reportedOffset);
      case 0b100 -> CdsTime.decode(bytes, offset, available, reportedOffset);
      default ->
          throw new CcsdsFormatException(
              "time code P-field",
              reportedOffset,
              "time code identification "
                  + Integer.toBinaryString(((pField >>> 4) & 0b111) | 8).substring(1)
                  + " is neither CUC (001, 010) nor CDS (100)");
    };
  }

  /** Decodes a whole buffer holding one time code and nothing else. */
  static TimeCode decode(byte[] bytes) {
    TimeCode code = decode(bytes, 0, bytes.length, 0);
    if (code.length() != bytes.length) {
      throw new CcsdsFormatException(
          "time code", code.length(), (bytes.length - code.length()) + " trailing octets");
    }
    return code;
  }

  static void require(int available, int needed, String field, long reportedOffset) {
    if (available < needed) {
      throw new CcsdsFormatException(
          field,
          reportedOffset,
          "the P-field announces " + needed + " octets, only " + available + " present");
    }
  }

  static long unsigned(byte[] bytes, int offset, int octets) {
    long value = 0;
    for (int i = 0; i < octets; i++) {
      value = (value << 8) | (bytes[offset + i] & 0xFF);
    }
    return value;
  }

  static void put(byte[] out, int offset, int octets, long value) {
    for (int i = octets - 1; i >= 0; i--) {
      out[offset + i] = (byte) value;
      value >>>= 8;
    }
  }
}
