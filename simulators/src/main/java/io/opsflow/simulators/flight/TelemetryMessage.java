package io.opsflow.simulators.flight;

import java.time.Instant;
import java.util.Map;

/**
 * One MAVLink message as the drone's onboard software forwards it over syslog.
 *
 * @param time the log's own timestamp, the syslog TIMESTAMP
 * @param msgId the MAVLink message name, the syslog MSGID
 * @param severity syslog severity 0-7 (STATUSTEXT carries its own: MAV_SEVERITY uses the same scale
 *     as RFC 5424; everything else is 6, informational)
 * @param params the decoded fields in SI/human units, the {@code mavlink@32473} SD-PARAMs, in a
 *     stable order
 * @param summary a short human summary, the syslog MSG
 */
public record TelemetryMessage(
    Instant time, String msgId, int severity, Map<String, String> params, String summary) {}
