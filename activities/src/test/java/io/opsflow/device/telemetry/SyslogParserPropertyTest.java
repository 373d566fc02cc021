package io.opsflow.device.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.device.telemetry.SyslogMessage.Format;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The parser over random input: nothing crashes it, every valid message it is given comes back
 * field for field, and every message broken in a way the grammar forbids is kept raw.
 */
class SyslogParserPropertyTest {

  private static final Instant RECEIVED = Instant.parse("2026-12-04T14:50:01Z");
  private static final int TRIES = 1000;

  private static SyslogMessage parse(String raw) {
    return SyslogParser.parse(raw, RECEIVED, ZoneOffset.UTC);
  }

  @Provide
  Arbitrary<String> anyText() {
    // Syslog-looking prefixes make the fuzzing reach deep into both grammars.
    Arbitrary<String> noise =
        Arbitraries.strings()
            .withChars("<>[]=\"\\ -1:0123456789TZ.+abcJanDec@\n\uFEFF\u0000é")
            .ofMaxLength(80);
    Arbitrary<String> unicode = Arbitraries.strings().all().ofMaxLength(80);
    Arbitrary<String> prefix =
        Arbitraries.of(
            "",
            "<13>",
            "<165>1 ",
            "<13>1 - - - - - ",
            "<13>1 - h a p m [x",
            "<34>Dec  4 ",
            "<34>Dec  4 14:49:58 ",
            "<13>1 2026-12-04T14:50:00Z h a p m [i a=\"");
    return Combinators.combine(prefix, Arbitraries.oneOf(noise, unicode)).as(String::concat);
  }

  @Property(tries = TRIES)
  void noInputCrashesTheParserAndRawIsAlwaysKept(@ForAll("anyText") String raw) {
    SyslogMessage m = parse(raw);

    assertThat(m.raw()).isEqualTo(raw);
    assertThat(m.format()).isNotNull();
    if (m.format() != Format.UNPARSED) {
      assertThat(m.facility()).isBetween(0, 23);
      assertThat(m.severity()).isBetween(0, 7);
    }
  }

  @Property(tries = TRIES)
  void validRfc5424MessagesRoundTrip(@ForAll("rfc5424") Generated g) {
    SyslogMessage m = parse(g.raw);

    assertThat(m.format()).isEqualTo(Format.RFC5424);
    assertThat(m.facility()).isEqualTo(g.facility);
    assertThat(m.severity()).isEqualTo(g.severity);
    assertThat(m.timestamp()).isEqualTo(g.timestamp);
    assertThat(m.hostname()).isEqualTo(g.hostname);
    assertThat(m.appName()).isEqualTo(g.appName);
    assertThat(m.procId()).isEqualTo(g.procId);
    assertThat(m.msgId()).isEqualTo(g.msgId);
    assertThat(m.structuredData()).isEqualTo(g.sd);
    assertThat(m.message()).isEqualTo(g.message);
  }

  @Property(tries = TRIES)
  void breakingAValidRfc5424HeaderKeepsItRaw(
      @ForAll("rfc5424") Generated g, @ForAll @IntRange(min = 0, max = 3) int breakage) {
    // The header has at least 7 fields before SD; a break anywhere in them is a grammar error.
    String broken =
        switch (breakage) {
          case 0 -> g.raw.replaceFirst("^<(\\d+)>", "<$1"); // PRI unterminated
          case 1 -> g.raw.replaceFirst("^(<\\d+>1) ", "$1  "); // empty TIMESTAMP
          case 2 -> g.raw.replaceFirst("^(<\\d+>)1 ", "$1" + "1x "); // bad VERSION token
          default -> g.raw.replaceFirst("^<\\d+>", "<999>"); // PRI out of range
        };

    SyslogMessage m = parse(broken);

    assertThat(m.format()).isEqualTo(Format.UNPARSED);
    assertThat(m.raw()).isEqualTo(broken);
  }

  @Property(tries = TRIES)
  void validRfc3164MessagesRoundTrip(@ForAll("rfc3164") Generated g) {
    SyslogMessage m = parse(g.raw);

    assertThat(m.format()).isEqualTo(Format.RFC3164);
    assertThat(m.facility()).isEqualTo(g.facility);
    assertThat(m.severity()).isEqualTo(g.severity);
    assertThat(m.timestamp()).isEqualTo(g.timestamp);
    assertThat(m.hostname()).isEqualTo(g.hostname);
    assertThat(m.appName()).isEqualTo(g.appName);
    assertThat(m.procId()).isEqualTo(g.procId);
    assertThat(m.message()).isEqualTo(g.message);
  }

  /** A message and the fields it was built from. */
  record Generated(
      String raw,
      int facility,
      int severity,
      Instant timestamp,
      String hostname,
      String appName,
      String procId,
      String msgId,
      Map<String, Map<String, String>> sd,
      String message) {}

  private static Arbitrary<String> token(int max) {
    return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(max);
  }

  private static Arbitrary<String> nilOr(Arbitrary<String> token) {
    // "-" alone is the NILVALUE, so a generated field of exactly "-" would read as null.
    return Arbitraries.oneOf(Arbitraries.just(null), token.filter(t -> !t.equals("-")));
  }

  private static Arbitrary<String> sdName() {
    return Arbitraries.strings()
        .withCharRange('!', '~')
        .excludeChars('=', ']', '"', ' ')
        .ofMinLength(1)
        .ofMaxLength(32);
  }

  private static Arbitrary<String> messageText() {
    return Arbitraries.strings()
        .all()
        .ofMaxLength(60)
        .filter(s -> !s.startsWith("\uFEFF") && !s.endsWith("\n"));
  }

  @Provide
  Arbitrary<Generated> rfc5424() {
    Arbitrary<Instant> times =
        Arbitraries.longs()
            .between(0, 4_102_444_800_000_000L)
            .map(micros -> Instant.EPOCH.plus(micros, ChronoUnit.MICROS));
    Arbitrary<Map<String, String>> params =
        Arbitraries.maps(sdName(), Arbitraries.strings().all().ofMaxLength(20)).ofMaxSize(3);
    Arbitrary<Map<String, Map<String, String>>> sd =
        Arbitraries.maps(sdName(), params).ofMaxSize(3).map(m -> new LinkedHashMap<>(m));
    return Combinators.combine(
            Arbitraries.integers().between(0, 191),
            Arbitraries.oneOf(Arbitraries.just(null), times),
            nilOr(token(255)),
            nilOr(token(48)),
            nilOr(token(128)),
            nilOr(token(32)),
            sd,
            Arbitraries.oneOf(Arbitraries.just(null), messageText()))
        .as(
            (pri, time, host, app, proc, msgId, data, msg) -> {
              int facility = pri / 8;
              int severity = pri % 8;
              StringBuilder raw = new StringBuilder();
              raw.append('<').append(pri).append(">1 ");
              raw.append(time == null ? "-" : time.toString()).append(' ');
              for (String field : List.of(nil(host), nil(app), nil(proc), nil(msgId))) {
                raw.append(field).append(' ');
              }
              if (data.isEmpty()) {
                raw.append('-');
              }
              data.forEach(
                  (id, ps) -> {
                    raw.append('[').append(id);
                    ps.forEach(
                        (k, v) ->
                            raw.append(' ').append(k).append("=\"").append(escape(v)).append('"'));
                    raw.append(']');
                  });
              if (msg != null) {
                raw.append(' ').append(msg);
              }
              return new Generated(
                  raw.toString(), facility, severity, time, host, app, proc, msgId, data, msg);
            });
  }

  @Provide
  Arbitrary<Generated> rfc3164() {
    // Within half a year of the receive time, whole seconds: the year is then unambiguous.
    Arbitrary<Instant> times =
        Arbitraries.longs()
            .between(-180L * 86400, 180L * 86400)
            .map(s -> RECEIVED.truncatedTo(ChronoUnit.SECONDS).plusSeconds(s));
    Arbitrary<String> tag =
        Arbitraries.strings()
            .withCharRange('!', '~')
            .excludeChars('[', ']', ':')
            .ofMinLength(1)
            .ofMaxLength(32);
    Arbitrary<String> pid = Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(7);
    Arbitrary<String> host = token(64).filter(h -> !h.endsWith(":") && h.indexOf('[') < 0);
    return Combinators.combine(
            Arbitraries.integers().between(0, 23),
            Arbitraries.integers().between(0, 7),
            times,
            host,
            tag,
            Arbitraries.oneOf(Arbitraries.just(null), pid),
            messageText())
        .as(
            (facility, severity, time, h, t, p, msg) -> {
              var at = time.atZone(ZoneOffset.UTC);
              String stamp =
                  String.format(
                      "%s %2d %02d:%02d:%02d",
                      List.of(
                              "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                              "Nov", "Dec")
                          .get(at.getMonthValue() - 1),
                      at.getDayOfMonth(),
                      at.getHour(),
                      at.getMinute(),
                      at.getSecond());
              String raw =
                  "<"
                      + (facility * 8 + severity)
                      + ">"
                      + stamp
                      + " "
                      + h
                      + " "
                      + t
                      + (p == null ? "" : "[" + p + "]")
                      + ": "
                      + msg;
              return new Generated(raw, facility, severity, time, h, t, p, null, Map.of(), msg);
            });
  }

  private static String nil(String field) {
    return field == null ? "-" : field;
  }

  private static String escape(String value) {
    return value
        .chars()
        .mapToObj(
            ch ->
                ch == '"' || ch == '\\' || ch == ']' ? "\\" + (char) ch : String.valueOf((char) ch))
        .collect(Collectors.joining());
  }
}
