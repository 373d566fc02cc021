package io.opsflow.device.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.device.telemetry.SyslogMessage.Format;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyslogParserTest {

  private static final Instant RECEIVED = Instant.parse("2026-12-04T14:50:01Z");

  private static SyslogMessage parse(String raw) {
    return SyslogParser.parse(raw, RECEIVED, ZoneOffset.UTC);
  }

  @Test
  void rfc5424WithStructuredDataEscapesAndBom() {
    SyslogMessage m =
        parse(
            "<165>1 2026-12-04T14:50:00.123456+01:00 drone-7 mavlink 4242 GLOBAL_POSITION_INT"
                + " [mavlink@32473 lat=\"47.3977419\" lon=\"8.5455938\" note=\"a \\\"q\\\" \\\\"
                + " \\] \\x\"][meta seq=\"1\"] \uFEFFposition");

    assertThat(m.format()).isEqualTo(Format.RFC5424);
    assertThat(m.facility()).isEqualTo(20);
    assertThat(m.severity()).isEqualTo(5);
    assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-12-04T13:50:00.123456Z"));
    assertThat(m.hostname()).isEqualTo("drone-7");
    assertThat(m.appName()).isEqualTo("mavlink");
    assertThat(m.procId()).isEqualTo("4242");
    assertThat(m.msgId()).isEqualTo("GLOBAL_POSITION_INT");
    assertThat(m.structuredData())
        .containsExactly(
            Map.entry(
                "mavlink@32473",
                Map.of("lat", "47.3977419", "lon", "8.5455938", "note", "a \"q\" \\ ] \\x")),
            Map.entry("meta", Map.of("seq", "1")));
    assertThat(m.message()).isEqualTo("position");
  }

  @Test
  void rfc5424NilValuesAndNoMessage() {
    SyslogMessage m = parse("<13>1 - - - - - -");

    assertThat(m.format()).isEqualTo(Format.RFC5424);
    assertThat(m.timestamp()).isNull();
    assertThat(m.hostname()).isNull();
    assertThat(m.appName()).isNull();
    assertThat(m.structuredData()).isEmpty();
    assertThat(m.message()).isNull();
  }

  @Test
  void rfc3164WithTagPidAndPaddedDay() {
    SyslogMessage m = parse("<34>Dec  4 14:49:58 fts-2 sshd[812]: Accepted publickey\n");

    assertThat(m.format()).isEqualTo(Format.RFC3164);
    assertThat(m.facility()).isEqualTo(4);
    assertThat(m.severity()).isEqualTo(2);
    assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-12-04T14:49:58Z"));
    assertThat(m.hostname()).isEqualTo("fts-2");
    assertThat(m.appName()).isEqualTo("sshd");
    assertThat(m.procId()).isEqualTo("812");
    assertThat(m.message()).isEqualTo("Accepted publickey");
    assertThat(m.raw()).endsWith("\n");
  }

  @Test
  void rfc3164YearIsTheOneNearestTheReceiveTime() {
    Instant newYear = Instant.parse("2027-01-01T00:00:05Z");

    SyslogMessage m =
        SyslogParser.parse("<13>Dec 31 23:59:59 host app: late", newYear, ZoneOffset.UTC);

    assertThat(m.timestamp()).isEqualTo(Instant.parse("2026-12-31T23:59:59Z"));
  }

  @Test
  void rfc3164WithoutTagKeepsTheWholeContent() {
    SyslogMessage m = parse("<13>Dec  4 14:49:58 host just some text: with colon");

    assertThat(m.appName()).isNull();
    assertThat(m.message()).isEqualTo("just some text: with colon");
  }

  @Test
  void malformedInputIsKeptRaw() {
    for (String raw :
        new String[] {
          "",
          "hello",
          "<192>1 - - - - - -",
          "<13>1 2026-13-40T00:00:00Z h a p m -",
          "<13>1 - h a p m [unterminated x=\"1\"",
          "<13>1 - h a p m [id x=1]",
          "<13>1 - h a p m -garbage",
          "<13>Foo  4 14:49:58 host x",
          "<13>Feb 30 14:49:58 host x",
          "<13"
        }) {
      SyslogMessage m = parse(raw);
      assertThat(m.format()).as(raw).isEqualTo(Format.UNPARSED);
      assertThat(m.raw()).isEqualTo(raw);
    }
  }
}
