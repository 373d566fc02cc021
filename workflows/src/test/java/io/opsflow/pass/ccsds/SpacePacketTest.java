package io.opsflow.pass.ccsds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpacePacketTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void encodesThePrimaryHeaderBitByBit() {
    SpacePacket tc =
        SpacePacket.of(
            PacketType.TC,
            false,
            0x123,
            0x1234,
            new byte[] {(byte) 0xAA, (byte) 0xBB, (byte) 0xCC});

    // 000 1 0 00100100011 | 11 01001000110100 | 0x0002
    assertThat(HEX.formatHex(tc.encode())).isEqualTo("1123d2340002aabbcc");
    assertThat(tc.dataLength()).isEqualTo(2);
    assertThat(SpacePacket.decode(tc.encode())).isEqualTo(tc);
  }

  @Test
  void tmWithSecondaryHeaderAndSegmentFlags() {
    SpacePacket tm =
        new SpacePacket(
            PacketType.TM, true, 0x7FE, SequenceFlags.FIRST_SEGMENT, 0x3FFF, new byte[1]);

    assertThat(HEX.formatHex(tm.encode())).isEqualTo("0ffe7fff000000");
  }

  @Test
  void versionOtherThanZeroIsRejected() {
    byte[] bytes = HEX.parseHex("2123c0000000aa");

    CcsdsFormatException e =
        catchThrowableOfType(CcsdsFormatException.class, () -> SpacePacket.decode(bytes));

    assertThat(e.field()).isEqualTo("packet version number");
    assertThat(e.offset()).isZero();
    assertThat(e).hasMessage("packet version number at octet 0: is 001, only 000 is defined");
  }

  @Test
  void truncatedPacketIsRejectedNamingTheLengthField() {
    assertThatThrownBy(() -> SpacePacket.decode(HEX.parseHex("0123c0000003aabb")))
        .isInstanceOf(CcsdsFormatException.class)
        .hasMessage(
            "packet data length at octet 4: announces 4 data octets, only 2 present (truncated"
                + " packet)");
  }

  @Test
  void trailingOctetsAreRejected() {
    assertThatThrownBy(() -> SpacePacket.decode(HEX.parseHex("0123c0000000aabb")))
        .isInstanceOf(CcsdsFormatException.class)
        .hasMessage(
            "packet data length at octet 4: announces a packet of 7 octets, 1 trailing octets"
                + " follow it");
  }

  @Test
  void shortHeaderIsRejected() {
    assertThatThrownBy(() -> SpacePacket.decode(HEX.parseHex("0123c000")))
        .isInstanceOf(CcsdsFormatException.class)
        .hasMessage("packet primary header at octet 0: needs 6 octets, only 4 present");
  }

  @Test
  void idlePacketWithSecondaryHeaderIsRejected() {
    assertThatThrownBy(() -> SpacePacket.decode(HEX.parseHex("0fffc0000000ff")))
        .isInstanceOf(CcsdsFormatException.class)
        .hasMessage("secondary header flag at octet 0: is set on an idle packet (APID 0x7FF)");
    SpacePacket idle = SpacePacket.decode(HEX.parseHex("07ffc0000000ff"));
    assertThat(idle.isIdle()).isTrue();
  }

  @Test
  void emptyDataFieldCannotBeBuilt() {
    assertThatThrownBy(() -> SpacePacket.of(PacketType.TM, false, 1, 0, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("packet data field of 0 octets");
  }

  @Test
  void tcNeedsNoSecondaryHeader() {
    SpacePacket tc = SpacePacket.decode(HEX.parseHex("1001c0070000ab"));
    assertThat(tc.type()).isEqualTo(PacketType.TC);
    assertThat(tc.secondaryHeader()).isFalse();
    assertThat(tc.sequenceCount()).isEqualTo(7);
  }

  @Test
  void largestPacketRoundTrips() {
    SpacePacket big =
        SpacePacket.of(PacketType.TM, false, 5, 1, new byte[SpacePacket.MAX_DATA_LENGTH]);
    byte[] bytes = big.encode();
    assertThat(bytes).hasSize(SpacePacket.MAX_LENGTH);
    assertThat(bytes[4]).isEqualTo((byte) 0xFF);
    assertThat(SpacePacket.decode(bytes)).isEqualTo(big);
  }

  @Test
  void streamDecoderSplitsPartialAndJoinedReads() {
    SpacePacket a = SpacePacket.of(PacketType.TM, false, 1, 1, new byte[] {1, 2, 3});
    SpacePacket b = SpacePacket.of(PacketType.TM, false, 2, 2, new byte[] {4});
    byte[] ab = concat(a.encode(), b.encode());
    SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();

    assertThat(decoder.feed(ab, 0, 4)).isEmpty();
    assertThat(decoder.feed(ab, 4, 8)).containsExactly(a);
    assertThat(decoder.pending()).isEqualTo(3);
    assertThat(decoder.feed(concat(slice(ab, 12, ab.length), ab))).containsExactly(b, a, b);
    assertThat(decoder.consumed()).isEqualTo(2L * ab.length);
  }

  @Test
  void streamDecoderReportsTheStreamOffsetAndStaysBroken() {
    SpacePacket a = SpacePacket.of(PacketType.TM, false, 1, 1, new byte[] {1, 2, 3});
    SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();
    byte[] bytes = concat(a.encode(), HEX.parseHex("e00000000000"));

    CcsdsFormatException e =
        catchThrowableOfType(CcsdsFormatException.class, () -> decoder.feed(bytes));

    assertThat(e.offset()).isEqualTo(9);
    assertThat(e.field()).isEqualTo("packet version number");
    assertThatThrownBy(() -> decoder.feed(a.encode())).isSameAs(e);
  }

  @Test
  void tmDataFieldCarriesTheTimeCode() {
    CucTime time = new CucTime(false, 4, 2, 0x6EFAA525L, 0x8000);
    SpacePacket tm = new TmDataField(time, new byte[] {9}).packet(Housekeeping.APID, 3);

    assertThat(HEX.formatHex(tm.encode())).isEqualTo("0864c00300071e6efaa525800009");
    TmDataField field = TmDataField.decode(SpacePacket.decode(tm.encode()));
    assertThat(field.time()).isEqualTo(time);
    assertThat(field.userData()).containsExactly(9);
  }

  @Test
  void tmWithoutTimeCodeIsRejectedAtTheSecondaryHeaderOffset() {
    SpacePacket tm = SpacePacket.of(PacketType.TM, true, 0x64, 0, HEX.parseHex("1e0102"));
    assertThatThrownBy(() -> TmDataField.decode(tm))
        .isInstanceOf(CcsdsFormatException.class)
        .hasMessage("CUC T-field at octet 7: the P-field announces 7 octets, only 3 present");
  }

  @Test
  void ackAndHousekeepingRoundTrip() {
    assertThat(TcAck.decode(new TcAck(0x7FE, 0x3FFF, false).encode()))
        .isEqualTo(new TcAck(0x7FE, 0x3FFF, false));
    assertThat(Housekeeping.decode(new Housekeeping(28_100, -1_250, 1).encode()))
        .isEqualTo(new Housekeeping(28_100, -1_250, 1));
    assertThatThrownBy(() -> TcAck.decode(HEX.parseHex("0001000002")))
        .hasMessage("acknowledgement code at octet 4: 2 is neither 0 nor 1");
  }

  static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] part : List.of(parts)) {
      System.arraycopy(part, 0, out, at, part.length);
      at += part.length;
    }
    return out;
  }

  static byte[] slice(byte[] bytes, int from, int to) {
    return java.util.Arrays.copyOfRange(bytes, from, to);
  }
}
