package io.opsflow.device.telemetry;

import java.time.Instant;
import java.util.Map;

/**
 * One syslog message as the parser read it. Fields the format does not carry, or that were the
 * NILVALUE ({@code -}), are null; an {@link Format#UNPARSED} message has only {@code raw}.
 *
 * @param format which grammar matched
 * @param facility 0..23 from PRI
 * @param severity 0..7 from PRI
 * @param timestamp the message's own TIMESTAMP (the device's clock)
 * @param hostname HOSTNAME
 * @param appName APP-NAME (RFC 3164: the TAG)
 * @param procId PROCID (RFC 3164: the pid in brackets after the TAG)
 * @param msgId MSGID (RFC 5424 only)
 * @param structuredData RFC 5424 STRUCTURED-DATA, SD-ID to its parameters, in message order
 * @param message MSG without a leading BOM
 * @param raw the whole text as received
 */
public record SyslogMessage(
    Format format,
    Integer facility,
    Integer severity,
    Instant timestamp,
    String hostname,
    String appName,
    String procId,
    String msgId,
    Map<String, Map<String, String>> structuredData,
    String message,
    String raw) {

  /** Which grammar a message followed; the names are the {@code format} column's values. */
  public enum Format {
    RFC5424("rfc5424"),
    RFC3164("rfc3164"),
    UNPARSED("unparsed");

    private final String column;

    Format(String column) {
      this.column = column;
    }

    /** The value stored in {@code telemetry_records.format}. */
    public String column() {
      return column;
    }
  }

  public SyslogMessage {
    structuredData = structuredData == null ? Map.of() : structuredData;
  }

  /** A message no grammar matched: kept whole, nothing else read from it. */
  public static SyslogMessage unparsed(String raw) {
    return new SyslogMessage(
        Format.UNPARSED, null, null, null, null, null, null, null, Map.of(), null, raw);
  }
}
