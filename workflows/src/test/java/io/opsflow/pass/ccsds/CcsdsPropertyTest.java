package io.opsflow.pass.ccsds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.opsflow.pass.ccsds.CdsTime.SubMillis;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips, fuzzing and mutations of packets and time codes. */
class CcsdsPropertyTest {

  @Property
  void packetsRoundTrip(@ForAll("packets") SpacePacket packet) {
    byte[] bytes = packet.encode();
    assertThat(bytes).hasSize(packet.length());
    assertThat(SpacePacket.decode(bytes)).isEqualTo(packet);
  }

  @Property(tries = 2000)
  void randomBytesOnlyEverFailWithTheCodecsException(@ForAll @Size(max = 80) byte[] bytes) {
    assertThatCode(
            () -> {
              try {
                SpacePacket.decode(bytes);
              } catch (CcsdsFormatException expected) {
                // the only failure allowed
              }
              try {
                TimeCode.decode(bytes, 0, bytes.length, 0);
              } catch (CcsdsFormatException expected) {
                // the only failure allowed
              }
              try {
                new SpacePacketStreamDecoder().feed(bytes);
              } catch (CcsdsFormatException expected) {
                // the only failure allowed
              }
            })
        .doesNotThrowAnyException();
  }

  @Property(tries = 2000)
  void mutatedPacketsAreRejectedOrReEncodeIdentically(
      @ForAll("packets") SpacePacket packet,
      @ForAll @IntRange(max = 1000) int position,
      @ForAll @IntRange(min = 1, max = 255) int xor,
      @ForAll @IntRange(min = -2, max = 2) int lengthChange) {
    byte[] bytes = packet.encode();
    bytes[position % bytes.length] ^= (byte) xor;
    byte[] mutated = java.util.Arrays.copyOf(bytes, Math.max(0, bytes.length + lengthChange));
    SpacePacket decoded;
    try {
      decoded = SpacePacket.decode(mutated);
    } catch (CcsdsFormatException rejected) {
      return;
    }
    assertThat(decoded.encode()).isEqualTo(mutated);
  }

  @Property(tries = 300)
  void streamDecoderFindsEveryPacketWhateverTheReadSizes(
      @ForAll @Size(min = 1, max = 8) List<@net.jqwik.api.From("packets") SpacePacket> packets,
      @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 64) Integer> reads) {
    byte[] stream =
        SpacePacketTest.concat(packets.stream().map(SpacePacket::encode).toArray(byte[][]::new));
    SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();
    List<SpacePacket> found = new ArrayList<>();
    int at = 0;
    for (int i = 0; at < stream.length; i++) {
      int n = Math.min(reads.get(i % reads.size()), stream.length - at);
      found.addAll(decoder.feed(stream, at, n));
      at += n;
    }
    assertThat(found).containsExactlyElementsOf(packets);
    assertThat(decoder.pending()).isZero();
  }

  @Property
  void timeCodesRoundTripThroughBytes(@ForAll("timeCodes") TimeCode code) {
    byte[] bytes = code.encode();
    assertThat(bytes).hasSize(code.length());
    assertThat(TimeCode.decode(bytes)).isEqualTo(code);
  }

  @Property
  void cucCodesRoundTripThroughInstants(@ForAll("cucCodes") CucTime code) {
    Instant epoch = Instant.parse("2000-01-01T12:00:00Z");
    Instant instant = code.toInstant(epoch);
    CucTime again =
        code.agencyEpoch()
            ? CucTime.ofAgency(instant, epoch, code.coarseOctets(), code.fineOctets())
            : CucTime.of(instant, code.coarseOctets(), code.fineOctets());
    // a leap second's TAI reading has no Instant of its own (it reads as the next second)
    if (!code.agencyEpoch() && again.coarse() == code.coarse() + 1) {
      return;
    }
    assertThat(again).isEqualTo(code);
  }

  @Property
  void instantsRoundTripWithinTheResolution(
      @ForAll("instants") Instant instant,
      @ForAll @IntRange(min = 0, max = 3) int fineOctets,
      @ForAll SubMillis subMillis) {
    Duration cucResolution = Duration.ofNanos(1_000_000_000L >> (8 * fineOctets));
    Instant cuc = CucTime.of(instant, 4, fineOctets).toInstant();
    assertThat(Duration.between(cuc, instant)).isBetween(Duration.ZERO, cucResolution);

    Instant cds = CdsTime.of(instant, false, subMillis).toInstant();
    Duration cdsResolution =
        Duration.ofNanos(
            switch (subMillis) {
              case NONE -> 999_999;
              case MICROS -> 999;
              case PICOS -> 0;
            });
    assertThat(Duration.between(cds, instant)).isBetween(Duration.ZERO, cdsResolution);
  }

  @Provide
  Arbitrary<SpacePacket> packets() {
    Arbitrary<Integer> apid = Arbitraries.integers().between(0, SpacePacket.MAX_APID);
    return Combinators.combine(
            Arbitraries.of(PacketType.class),
            Arbitraries.of(true, false),
            apid,
            Arbitraries.of(SequenceFlags.class),
            Arbitraries.integers().between(0, SpacePacket.MAX_SEQUENCE_COUNT),
            Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(300))
        .filter(
            (type, secondary, id, flags, count, data) ->
                !(id == SpacePacket.IDLE_APID && secondary))
        .as(SpacePacket::new);
  }

  @Provide
  Arbitrary<CucTime> cucCodes() {
    return Combinators.combine(
            Arbitraries.of(true, false),
            Arbitraries.integers().between(1, 4),
            Arbitraries.integers().between(0, 3),
            Arbitraries.longs().between(0, 0xFFFF_FFFFL),
            Arbitraries.longs().between(0, 0xFF_FFFFL))
        .as(
            (agency, coarseOctets, fineOctets, coarse, fine) -> {
              long c = coarse & ((1L << (8 * coarseOctets)) - 1);
              // a level-1 code must be after 1972 (TAI - UTC known): 4 coarse octets, late enough
              if (!agency) {
                return new CucTime(
                    false,
                    4,
                    fineOctets,
                    Math.max(c, 500_000_000L),
                    fine & ((1L << (8 * fineOctets)) - 1));
              }
              return new CucTime(
                  true, coarseOctets, fineOctets, c, fine & ((1L << (8 * fineOctets)) - 1));
            });
  }

  @Provide
  Arbitrary<TimeCode> timeCodes() {
    Arbitrary<CdsTime> cds =
        Combinators.combine(
                Arbitraries.of(true, false),
                Arbitraries.of(true, false),
                Arbitraries.of(SubMillis.class),
                Arbitraries.longs().between(0, 0xFF_FFFFL),
                Arbitraries.longs().between(0, CdsTime.MILLIS_PER_DAY - 1),
                Arbitraries.longs().between(0, 999_999_999L))
            .as(
                (agency, longDays, sub, day, ms, subMs) ->
                    new CdsTime(
                        agency,
                        longDays,
                        sub,
                        longDays ? day : day & 0xFFFF,
                        ms,
                        subMs % sub.perMilli));
    return Arbitraries.oneOf(cucCodes(), cds);
  }

  @Provide
  Arbitrary<Instant> instants() {
    return Arbitraries.longs()
        .between(
            Instant.parse("1972-01-01T00:00:00Z").getEpochSecond(),
            Instant.parse("2090-01-01T00:00:00Z").getEpochSecond())
        .flatMap(
            s ->
                Arbitraries.integers()
                    .between(0, 999_999_999)
                    .map(n -> Instant.ofEpochSecond(s, n)));
  }
}
