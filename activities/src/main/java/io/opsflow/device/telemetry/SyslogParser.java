package io.opsflow.device.telemetry;

import io.opsflow.device.telemetry.SyslogMessage.Format;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
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
      timestamp = rfc3339(time);
      if (timestamp == null) {
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

  /**
   * RFC 3339 {@code YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)} (fraction up to 9 digits), or
   * null. By hand: the intake reads every message's timestamp, a formatter costs several times
   * more.
   */
  static Instant rfc3339(String t) {
    int n = t.length();
    if (n < 20
        || t.charAt(4) != '-'
        || t.charAt(7) != '-'
        || t.charAt(10) != 'T'
        || t.charAt(13) != ':'
        || t.charAt(16) != ':') {
      return null;
    }
    int year = digits(t, 0, 4);
    int month = digits(t, 5, 2);
    int day = digits(t, 8, 2);
    int hour = digits(t, 11, 2);
    int minute = digits(t, 14, 2);
    int second = digits(t, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
      return null;
    }
    int i = 19;
    int nanos = 0;
    if (t.charAt(i) == '.') {
      int start = ++i;
      while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
        if (i - start < 9) {
          nanos = nanos * 10 + (t.charAt(i) - '0');
        }
        i++;
      }
      int length = i - start;
      if (length == 0 || length > 9) {
        return null;
      }
      for (int k = length; k < 9; k++) {
        nanos *= 10;
      }
    }
    if (i >= n) {
      return null;
    }
    int offset;
    char sign = t.charAt(i);
    if (sign == 'Z') {
      offset = 0;
      i++;
    } else if ((sign == '+' || sign == '-') && i + 6 == n && t.charAt(i + 3) == ':') {
      int oh = digits(t, i + 1, 2);
      int om = digits(t, i + 4, 2);
      if (oh < 0 || om < 0 || oh > 18 || om > 59) {
        return null;
      }
      offset = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
      i += 6;
    } else {
      return null;
    }
    if (i != n) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
          .toInstant(ZoneOffset.ofTotalSeconds(offset));
    } catch (DateTimeException e) {
      return null; // month 13, day 40, hour 24, offset beyond 18 h
    }
  }

  /** The non-negative number of {@code count} ASCII digits at {@code from}, or -1. */
  private static int digits(String s, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
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
      char tens = s.charAt(i + 4);
      int units = digits(s, i + 5, 1);
      int dayOfMonth = (tens == ' ' ? 0 : tens >= '1' && tens <= '3' ? tens - '0' : -100) * 10;
      dayOfMonth += units;
      int hour = digits(s, i + 7, 2);
      int minute = digits(s, i + 10, 2);
      int second = digits(s, i + 13, 2);
      if (s.charAt(i + 6) != ' '
          || units < 0
          || dayOfMonth < 1
          || s.charAt(i + 9) != ':'
          || s.charAt(i + 12) != ':'
          || hour < 0
          || minute < 0
          || minute > 59
          || second < 0
          || second > 59) {
        return null;
      }
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
