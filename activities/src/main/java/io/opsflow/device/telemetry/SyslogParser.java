package io.opsflow.device.telemetry;

import io.opsflow.device.telemetry.SyslogMessage.Format;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads RFC 5424 and RFC 3164 (BSD) syslog messages; anything else is {@link Format#UNPARSED}. It
 * never throws: a message that breaks either grammar anywhere is kept whole, unparsed.
 *
 * <ul>
 *   <li>A message starting {@code <PRI>1 } claims RFC 5424 and must follow it entirely: TIMESTAMP
 *       (RFC 3339) HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG], each header field a token
 *       of printable US-ASCII within the RFC's length or the NILVALUE {@code -}. Structured data
 *       values unescape {@code \" \\ \]}; a backslash before anything else is kept. A repeated
 *       SD-ID merges into the first (later params win). A BOM opening MSG is dropped.
 *   <li>Any other {@code <PRI>} message is read as RFC 3164: {@code Mmm dd hh:mm:ss HOSTNAME
 *       TAG[PID]: MSG}. The timestamp has no year and no zone: it is read in the given zone, in the
 *       year that puts it closest to the receive time (a December message received in January is
 *       last year's). The TAG and PID are optional; without them the whole content is MSG.
 * </ul>
 *
 * One trailing line break of MSG is dropped (senders terminate datagrams with one); raw keeps it.
 */
public final class SyslogParser {

  private static final char BOM = '\uFEFF';
  private static final int MAX_PRI = 191;
  private static final List<String> MONTHS =
      List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");

  private SyslogParser() {}

  /**
   * Parses one message.
   *
   * @param raw the frame's text (decoded as UTF-8)
   * @param receivedAt when it arrived: the RFC 3164 year is inferred from it
   * @param bsdZone the zone RFC 3164 timestamps are read in
   */
  public static SyslogMessage parse(String raw, Instant receivedAt, ZoneId bsdZone) {
    if (raw == null) {
      return SyslogMessage.unparsed("");
    }
    Cursor c = new Cursor(raw);
    int pri = c.pri();
    if (pri < 0) {
      return SyslogMessage.unparsed(raw);
    }
    SyslogMessage parsed =
        c.startsWith("1 ") ? rfc5424(c, pri, raw) : rfc3164(c, pri, raw, receivedAt, bsdZone);
    return parsed == null ? SyslogMessage.unparsed(raw) : parsed;
  }

  private static SyslogMessage rfc5424(Cursor c, int pri, String raw) {
    c.skip(2);
    String time = c.token(64);
    Instant timestamp = null;
    if (time == null || !c.space()) {
      return null;
    }
    if (!time.equals("-")) {
      try {
        timestamp = OffsetDateTime.parse(time, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    String hostname = c.token(255);
    if (hostname == null || !c.space()) {
      return null;
    }
    String appName = c.token(48);
    if (appName == null || !c.space()) {
      return null;
    }
    String procId = c.token(128);
    if (procId == null || !c.space()) {
      return null;
    }
    String msgId = c.token(32);
    if (msgId == null || !c.space()) {
      return null;
    }
    Map<String, Map<String, String>> sd = new LinkedHashMap<>();
    if (c.peek() == '-') {
      c.skip(1);
    } else if (!c.structuredData(sd)) {
      return null;
    }
    String message = null;
    if (!c.atEnd()) {
      if (!c.space()) {
        return null;
      }
      message = c.rest();
      if (!message.isEmpty() && message.charAt(0) == BOM) {
        message = message.substring(1);
      }
      message = chompLineBreak(message);
    }
    return new SyslogMessage(
        Format.RFC5424,
        pri / 8,
        pri % 8,
        timestamp,
        nil(hostname),
        nil(appName),
        nil(procId),
        nil(msgId),
        sd,
        message,
        raw);
  }

  private static SyslogMessage rfc3164(
      Cursor c, int pri, String raw, Instant receivedAt, ZoneId zone) {
    Instant timestamp = c.bsdTimestamp(receivedAt, zone);
    if (timestamp == null) {
      return null;
    }
    if (c.atEnd()) {
      return new SyslogMessage(
          Format.RFC3164, pri / 8, pri % 8, timestamp, null, null, null, null, null, "", raw);
    }
    if (!c.space()) {
      return null;
    }
    String hostname = null;
    int beforeHost = c.i;
    String token = c.token(255);
    if (token != null && !token.endsWith(":") && token.indexOf('[') < 0) {
      hostname = token;
      if (!c.atEnd() && !c.space()) {
        return null;
      }
    } else {
      c.i = beforeHost; // no HOSTNAME: the sender started with its TAG
    }
    String content = chompLineBreak(c.rest());
    String appName = null;
    String procId = null;
    String message = content;
    int tagEnd = 0;
    while (tagEnd < content.length() && tagEnd < 48 && isTagChar(content.charAt(tagEnd))) {
      tagEnd++;
    }
    if (tagEnd > 0 && tagEnd < content.length()) {
      int after = tagEnd;
      String pid = null;
      if (content.charAt(after) == '[') {
        int close = content.indexOf(']', after);
        if (close > after + 1 && close - after <= 129) {
          pid = content.substring(after + 1, close);
          after = close + 1;
        } else {
          after = -1;
        }
      }
      if (after > 0 && after < content.length() && content.charAt(after) == ':') {
        appName = content.substring(0, tagEnd);
        procId = pid;
        after++;
        if (after < content.length() && content.charAt(after) == ' ') {
          after++;
        }
        message = content.substring(after);
      }
    }
    return new SyslogMessage(
        Format.RFC3164,
        pri / 8,
        pri % 8,
        timestamp,
        hostname,
        appName,
        procId,
        null,
        null,
        message,
        raw);
  }

  private static boolean isTagChar(char ch) {
    return ch > ' ' && ch < 127 && ch != '[' && ch != ']' && ch != ':';
  }

  private static String nil(String field) {
    return "-".equals(field) ? null : field;
  }

  private static String chompLineBreak(String text) {
    if (text.endsWith("\r\n")) {
      return text.substring(0, text.length() - 2);
    }
    if (text.endsWith("\n")) {
      return text.substring(0, text.length() - 1);
    }
    return text;
  }

  /** Reading position in one message. */
  private static final class Cursor {
    private final String s;
    private int i;

    Cursor(String s) {
      this.s = s;
    }

    boolean atEnd() {
      return i >= s.length();
    }

    char peek() {
      return atEnd() ? 0 : s.charAt(i);
    }

    void skip(int n) {
      i += n;
    }

    boolean startsWith(String prefix) {
      return s.startsWith(prefix, i);
    }

    boolean space() {
      if (peek() == ' ') {
        i++;
        return true;
      }
      return false;
    }

    String rest() {
      String rest = s.substring(Math.min(i, s.length()));
      i = s.length();
      return rest;
    }

    /** {@code <PRI>} with 1 to 3 digits up to 191, or -1. */
    int pri() {
      if (!startsWith("<")) {
        return -1;
      }
      int j = 1;
      int value = 0;
      while (j < s.length() && j <= 4 && Character.isDigit(s.charAt(j)) && s.charAt(j) < 128) {
        value = value * 10 + (s.charAt(j) - '0');
        j++;
      }
      if (j == 1 || j > 4 || j >= s.length() || s.charAt(j) != '>' || value > MAX_PRI) {
        return -1;
      }
      i = j + 1;
      return value;
    }

    /** A run of 1..max printable US-ASCII characters up to a space or the end, or null. */
    String token(int max) {
      int start = i;
      while (!atEnd() && s.charAt(i) > ' ' && s.charAt(i) < 127) {
        i++;
      }
      int length = i - start;
      if (length == 0 || length > max) {
        return null;
      }
      return s.substring(start, i);
    }

    /** One or more {@code [SD-ID *(SP PARAM)]} elements into sd; false when malformed. */
    boolean structuredData(Map<String, Map<String, String>> sd) {
      if (peek() != '[') {
        return false;
      }
      while (peek() == '[') {
        i++;
        String id = sdName();
        if (id == null) {
          return false;
        }
        Map<String, String> params = sd.computeIfAbsent(id, k -> new LinkedHashMap<>());
        while (peek() == ' ') {
          i++;
          String name = sdName();
          if (name == null || peek() != '=') {
            return false;
          }
          i++;
          String value = paramValue();
          if (value == null) {
            return false;
          }
          params.put(name, value);
        }
        if (peek() != ']') {
          return false;
        }
        i++;
      }
      return true;
    }

    /** SD-NAME: 1..32 printable US-ASCII except {@code = SP ] "}. */
    private String sdName() {
      int start = i;
      while (!atEnd()) {
        char ch = s.charAt(i);
        if (ch <= ' ' || ch >= 127 || ch == '=' || ch == ']' || ch == '"') {
          break;
        }
        i++;
      }
      int length = i - start;
      return length == 0 || length > 32 ? null : s.substring(start, i);
    }

    /** {@code "value"} with its escapes undone, or null when unterminated. */
    private String paramValue() {
      if (peek() != '"') {
        return null;
      }
      i++;
      StringBuilder value = new StringBuilder();
      while (!atEnd()) {
        char ch = s.charAt(i++);
        if (ch == '"') {
          return value.toString();
        }
        if (ch == '\\' && !atEnd()) {
          char next = s.charAt(i);
          if (next == '"' || next == '\\' || next == ']') {
            value.append(next);
            i++;
            continue;
          }
        }
        value.append(ch);
      }
      return null;
    }

    /** {@code Mmm dd hh:mm:ss} (day space-padded or not) in the year nearest receivedAt. */
    Instant bsdTimestamp(Instant receivedAt, ZoneId zone) {
      if (s.length() - i < 15) {
        return null;
      }
      int month = MONTHS.indexOf(s.substring(i, i + 3)) + 1;
      if (month == 0 || s.charAt(i + 3) != ' ') {
        return null;
      }
      String day = s.substring(i + 4, i + 6);
      String time = s.substring(i + 7, i + 15);
      if (s.charAt(i + 6) != ' '
          || !(day.matches("[ 1-3][0-9]") && !day.equals(" 0") && !day.equals("00"))
          || !time.matches("[0-2][0-9]:[0-5][0-9]:[0-5][0-9]")) {
        return null;
      }
      int dayOfMonth = Integer.parseInt(day.trim());
      int hour = Integer.parseInt(time.substring(0, 2));
      int minute = Integer.parseInt(time.substring(3, 5));
      int second = Integer.parseInt(time.substring(6, 8));
      int year = receivedAt.atZone(zone).getYear();
      Instant best = null;
      for (int candidate = year - 1; candidate <= year + 1; candidate++) {
        try {
          Instant at =
              ZonedDateTime.of(
                      LocalDateTime.of(candidate, month, dayOfMonth, hour, minute, second), zone)
                  .toInstant();
          if (best == null
              || Duration.between(at, receivedAt)
                      .abs()
                      .compareTo(Duration.between(best, receivedAt).abs())
                  < 0) {
            best = at;
          }
        } catch (DateTimeException noSuchDate) {
          // Feb 29 outside a leap year, hour 24+: that year cannot be it
        }
      }
      if (best != null) {
        i += 15;
      }
      return best;
    }
  }
}
