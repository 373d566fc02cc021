package io.opsflow.pass.ccsds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.pass.ccsds.CdsTime.SubMillis;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TimeCodeTest {

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void cucCountsTaiSecondsSince1958() {
    // 21,550 days from 1958 to 2017, plus TAI - UTC = 37 s
    CucTime cuc = CucTime.of(Instant.parse("2017-01-01T00:00:00.5Z"), 4, 2);

    assertThat(HEX.formatHex(cuc.encode())).isEqualTo("1e6efaa5258000");
    assertThat(cuc.coarse()).isEqualTo(21_550L * 86_400 + 37);
    assertThat(cuc.toInstant()).isEqualTo(Instant.parse("2017-01-01T00:00:00.5Z"));
  }

  @Test
  void cucAppliesTheLeapSecondsOfItsDate() {
    assertThat(CucTime.of(Instant.parse("2016-12-31T23:59:59Z"), 4, 0).coarse())
        .isEqualTo(21_550L * 86_400 - 1 + 36);
    // the inserted second 2016-12-31T23:59:60 has no Instant: it reads as the next second
    assertThat(new CucTime(false, 4, 0, 21_550L * 86_400 + 36, 0).toInstant())
        .isEqualTo(Instant.parse("2017-01-01T00:00:00Z"));
    assertThatThrownBy(() -> CucTime.of(Instant.parse("1971-12-31T23:59:59Z"), 4, 0))
        .hasMessageContaining("before 1972-01-01");
  }

  @Test
  void cucWithAgencyEpochCountsElapsedSeconds() {
    Instant epoch = Instant.parse("2024-01-01T00:00:00Z");
    CucTime cuc = CucTime.ofAgency(Instant.parse("2024-01-01T00:01:40.25Z"), epoch, 2, 1);

    assertThat(HEX.formatHex(cuc.encode())).isEqualTo("25006440");
    assertThat(cuc.toInstant(epoch)).isEqualTo(Instant.parse("2024-01-01T00:01:40.25Z"));
    assertThatThrownBy(cuc::toInstant).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void cucThatDoesNotFitItsOctetsIsRefused() {
    assertThatThrownBy(() -> CucTime.of(Instant.parse("2017-01-01T00:00:00Z"), 3, 0))
        .hasMessageContaining("does not fit 3 octets");
  }

  @Test
  void cdsShortMatchesTheSpacepacketsExample() {
    // spacepackets: CdsShortTimestamp(0x0102, 0x03040506).pack() == 40 01 02 03 04 05 06
    CdsTime cds = (CdsTime) TimeCode.decode(HEX.parseHex("40010203040506"));

    assertThat(cds).isEqualTo(new CdsTime(false, false, SubMillis.NONE, 0x0102, 0x03040506, 0));
    assertThat(cds.toInstant())
        .isEqualTo(
            Instant.parse("1958-01-01T00:00:00Z")
                .plusSeconds(0x0102 * 86_400L)
                .plusMillis(0x03040506));
  }

  @Test
  void cdsWithLongDaysAndSubMilliseconds() {
    Instant t = Instant.parse("2025-03-04T05:06:07.123456789Z");

    CdsTime micros = CdsTime.of(t, true, SubMillis.MICROS);
    CdsTime picos = CdsTime.of(t, false, SubMillis.PICOS);

    assertThat(micros.encode()).hasSize(1 + 3 + 4 + 2);
    assertThat(micros.encode()[0]).isEqualTo((byte) 0x45);
    assertThat(micros.toInstant()).isEqualTo(Instant.parse("2025-03-04T05:06:07.123456Z"));
    assertThat(picos.subMilli()).isEqualTo(456_789_000L);
    assertThat(picos.toInstant()).isEqualTo(t);
    assertThat(TimeCode.decode(picos.encode())).isEqualTo(picos);
  }

  @Test
  void cdsRejectsLeapSecondsReservedCodesAndOverflows() {
    assertThatThrownBy(() -> TimeCode.decode(HEX.parseHex("40000105265c00")))
        .hasMessage(
            "CDS milliseconds of day at octet 3: 86400000 is inside a leap second (23:59:60),"
                + " which an Instant cannot represent");
    assertThatThrownBy(() -> TimeCode.decode(HEX.parseHex("43000100000000")))
        .hasMessage("CDS P-field at octet 0: sub-millisecond resolution 11 is reserved");
    assertThatThrownBy(() -> TimeCode.decode(HEX.parseHex("41000100000000" + "03e8")))
        .hasMessage("CDS sub-milliseconds at octet 7: 1000 exceeds 999");
  }

  @Test
  void pFieldErrorsNameTheField() {
    assertThatThrownBy(() -> TimeCode.decode(HEX.parseHex("ae000000")))
        .hasMessage(
            "time code P-field at octet 0: extension flag set: a second P-field octet is not"
                + " supported");
    assertThatThrownBy(() -> TimeCode.decode(HEX.parseHex("5e000000")))
        .hasMessage(
            "time code P-field at octet 0: time code identification 101 is neither CUC (001, 010)"
                + " nor CDS (100)");
  }
}
