package io.opsflow.pass.ccsds;

/** The two sequence flag bits (CCSDS 133.0-B-2 4.1.3.4.2), in bit order 00..11. */
public enum SequenceFlags {
  /** 00: a continuation segment of user data. */
  CONTINUATION,
  /** 01: the first segment. */
  FIRST_SEGMENT,
  /** 10: the last segment. */
  LAST_SEGMENT,
  /** 11: unsegmented user data (the usual case). */
  UNSEGMENTED;

  static SequenceFlags of(int bits) {
    return values()[bits & 0b11];
  }
}
