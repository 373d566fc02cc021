package io.opsflow.pass.ccsds;

/** The packet type bit of the primary header (CCSDS 133.0-B-2 4.1.3.3.2). */
public enum PacketType {
  /** Telemetry (reporting), bit 0. */
  TM,
  /** Telecommand (requesting), bit 1. */
  TC;

  int bit() {
    return this == TM ? 0 : 1;
  }
}
