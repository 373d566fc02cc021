package io.opsflow.simulators.flight;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** RFC 5424 formatting of telemetry: {@code <PRI>1 TIMESTAMP HOST mavlink - MSGID [SD] MSG}. */
public final class Rfc5424 {

  /** The structured-data id of the MAVLink fields (32473: the RFC 5612 documentation PEN). */
  public static final String SD_ID = "mavlink@32473";

  /** APP-NAME of every message. */
  public static final String APP_NAME = "mavlink";

  /** Facility 1, user-level messages. */
  public static final int FACILITY = 1;

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Rfc5424() {}

  /** The syslog line for {@code message} from {@code hostname} (no trailer). */
  public static String format(TelemetryMessage message, String hostname) {
    StringBuilder out = new StringBuilder(256);
    out.append('<').append(FACILITY * 8 + message.severity()).append(">1 ");
    out.append(timestamp(message.time())).append(' ');
    out.append(headerField(hostname, 255)).append(' ');
    out.append(APP_NAME).append(" - ");
    out.append(headerField(message.msgId(), 32)).append(" [").append(SD_ID);
    for (Map.Entry<String, String> param : message.params().entrySet()) {
      out.append(' ').append(param.getKey()).append("=\"");
      escape(param.getValue(), out);
      out.append('"');
    }
    out.append(']');
    if (!message.summary().isEmpty()) {
      out.append(' ').append(message.summary());
    }
    return out.toString();
  }

  /** RFC 3339 UTC with microseconds, as the message's TIMESTAMP. */
  public static String timestamp(Instant time) {
    return TIMESTAMP.format(time);
  }

  // PARAM-VALUE: '"', '\' and ']' are escaped with a backslash (RFC 5424 section 6.3.3).
  private static void escape(String value, StringBuilder out) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\' || c == ']') {
        out.append('\\');
      }
      out.append(c);
    }
  }

  // Header fields are PRINTUSASCII without spaces; anything else becomes '_', empty becomes '-'.
  private static String headerField(String value, int max) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), max));
    for (int i = 0; i < value.length() && i < max; i++) {
      char c = value.charAt(i);
      out.append(c >= 33 && c <= 126 ? c : '_');
    }
    return out.toString();
  }
}
