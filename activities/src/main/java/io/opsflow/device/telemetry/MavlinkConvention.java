package io.opsflow.device.telemetry;

import java.util.Map;
import java.util.Set;

/**
 * How a drone's forwarder sends MAVLink over syslog (README, "MAVLink over syslog"): one RFC 5424
 * message per MAVLink message, APP-NAME {@code mavlink}, MSGID the MAVLink message name, and its
 * decoded fields as the parameters of the structured data element {@code mavlink@32473}, with units
 * already applied (degrees, metres, volts), not the wire's scaled integers.
 *
 * <ul>
 *   <li>{@code GLOBAL_POSITION_INT}: {@code lat}, {@code lon} (degrees), {@code alt} (m above mean
 *       sea level), {@code relative_alt} (m above home): the position of the GPS fix.
 *   <li>{@code GPS_RAW_INT}: {@code fix_type} (0..8, MAVLink GPS_FIX_TYPE), {@code
 *       satellites_visible}: the fix's quality.
 *   <li>{@code HEARTBEAT} ({@code base_mode}, {@code system_status}, ...), {@code SYS_STATUS},
 *       {@code BATTERY_STATUS}, {@code STATUSTEXT} ({@code severity}, {@code text}): the system
 *       status, each kept whole as the newest message of its name.
 * </ul>
 *
 * Any other MSGID is stored like every record and changes no latest state.
 */
public final class MavlinkConvention {

  /** APP-NAME of MAVLink messages. */
  public static final String APP_NAME = "mavlink";

  /** SD-ID of the decoded fields (32473 is the example enterprise number of RFC 5612). */
  public static final String SD_ID = "mavlink@32473";

  public static final String GLOBAL_POSITION_INT = "GLOBAL_POSITION_INT";
  public static final String GPS_RAW_INT = "GPS_RAW_INT";

  /** MSGIDs kept in the system status. */
  public static final Set<String> SYSTEM =
      Set.of("HEARTBEAT", "SYS_STATUS", "BATTERY_STATUS", "STATUSTEXT");

  private MavlinkConvention() {}

  /** The decoded fields of a MAVLink message, or null when the message is not one. */
  public static Map<String, String> fields(SyslogMessage m) {
    if (!APP_NAME.equals(m.appName()) || m.msgId() == null) {
      return null;
    }
    return m.structuredData().get(SD_ID);
  }

  /** A finite number, or null when absent or not a number. */
  static Double number(Map<String, String> fields, String name) {
    String text = fields.get(name);
    if (text == null) {
      return null;
    }
    try {
      double value = Double.parseDouble(text.trim());
      return Double.isFinite(value) ? value : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** A whole number, or null. */
  static Integer integer(Map<String, String> fields, String name) {
    Double value = number(fields, name);
    return value == null || value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE
        ? null
        : value.intValue();
  }
}
