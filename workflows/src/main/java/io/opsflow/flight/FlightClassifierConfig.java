package io.opsflow.flight;

import java.time.Duration;
import java.util.List;

/**
 * Thresholds of the flight classifier. The in-air detector follows the idea of PX4's land detector:
 * a condition must hold for a minimum time before the state changes, and takeoff and landing use
 * different thresholds (hysteresis), so noise around one value does not flap.
 *
 * @param takeoffAltitudeMetres in air when relative altitude is at least this ... (default 2 m)
 * @param takeoffClimbRateMetresPerSecond ... or the climb rate at least this ... (default 1 m/s)
 * @param takeoffGroundSpeedMetresPerSecond ... or the ground speed at least this (default 5 m/s: a
 *     hand-launched plane may gain speed before altitude)
 * @param takeoffTime how long the in-air condition must hold while armed (default 2 s)
 * @param landAltitudeMetres on ground when relative altitude is at most this ... (default 1 m)
 * @param landClimbRateMetresPerSecond ... and the vertical speed at most this either way ...
 *     (default 0.5 m/s)
 * @param landGroundSpeedMetresPerSecond ... and the ground speed at most this (default 1 m/s)
 * @param landTime how long the on-ground condition must hold (default 5 s); a disarm lands at once
 * @param linkDrop a telemetry silence at least this long while airborne is a LINK_DROP incident
 *     (default 3.5 s)
 * @param linkDropCritical a silence at least this long makes it CRITICAL (default 30 s)
 * @param metricGap a silence longer than this counts as a gap in the metric buckets (default 2 s)
 * @param bucket the metric window (default 5 minutes; must divide a day)
 * @param gpsLossTime how long the fix must stay below 3D for a GPS_LOSS (default 1 s)
 * @param minSatellites fewer satellites with a 3D fix is GPS_DEGRADED (default 6)
 * @param gpsDegradedTime how long satellites must stay below the minimum (default 5 s)
 * @param batteryLowPercent battery_remaining at or below this is BATTERY_LOW (default 20 %)
 * @param batteryCriticalPercent ... and at or below this it is CRITICAL (default 10 %)
 * @param batteryLowVolts a battery voltage at or below this is BATTERY_LOW; null (the default)
 *     disables it, since the cell count is not in the telemetry
 * @param batteryHysteresisPercent BATTERY_LOW ends once remaining is this much above the threshold
 *     (default 5 %)
 * @param batteryLowTime how long the battery must stay low (default 5 s)
 * @param overheatCelsius a temperature at or above this is OVERHEAT (default 70 °C)
 * @param overheatCriticalCelsius ... and at or above this it is CRITICAL (default 85 °C)
 * @param overheatHysteresisCelsius OVERHEAT ends this much below the threshold (default 5 °C)
 * @param overheatTime how long the temperature must stay high (default 5 s)
 * @param statusTextIncidentSeverity a STATUSTEXT at this MAV_SEVERITY or more severe (lower) is an
 *     incident even without a matching rule (default 3, ERROR)
 * @param textRules STATUSTEXT patterns, first match wins (defaults: ArduPilot/PX4 wording for
 *     failsafes, crashes, EKF and GPS trouble, see {@link #DEFAULT_TEXT_RULES})
 */
public record FlightClassifierConfig(
    double takeoffAltitudeMetres,
    double takeoffClimbRateMetresPerSecond,
    double takeoffGroundSpeedMetresPerSecond,
    Duration takeoffTime,
    double landAltitudeMetres,
    double landClimbRateMetresPerSecond,
    double landGroundSpeedMetresPerSecond,
    Duration landTime,
    Duration linkDrop,
    Duration linkDropCritical,
    Duration metricGap,
    Duration bucket,
    Duration gpsLossTime,
    int minSatellites,
    Duration gpsDegradedTime,
    double batteryLowPercent,
    double batteryCriticalPercent,
    Double batteryLowVolts,
    double batteryHysteresisPercent,
    Duration batteryLowTime,
    double overheatCelsius,
    double overheatCriticalCelsius,
    double overheatHysteresisCelsius,
    Duration overheatTime,
    int statusTextIncidentSeverity,
    List<TextRule> textRules) {

  /**
   * A STATUSTEXT pattern.
   *
   * @param pattern a Java regular expression searched in the text (find, not match)
   * @param kind the incident it raises; null for a rule that only ends an open FAILSAFE
   * @param minimumSeverity the least severity of the incident, raised to the text's own severity
   */
  public record TextRule(String pattern, IncidentKind kind, IncidentSeverity minimumSeverity) {}

  /**
   * The default STATUSTEXT rules. ArduPilot's failsafe messages end with "Cleared" or "off" when
   * the failsafe is over ("Radio Failsafe Cleared", "Throttle failsafe off"): those end the open
   * FAILSAFE incident.
   */
  public static final List<TextRule> DEFAULT_TEXT_RULES =
      List.of(
          new TextRule("(?i)fail-?safe.*\\b(cleared|off|resolved|ended)\\b", null, null),
          new TextRule("(?i)crash", IncidentKind.CRASH, IncidentSeverity.CRITICAL),
          new TextRule("(?i)fail-?safe", IncidentKind.FAILSAFE, IncidentSeverity.ERROR),
          new TextRule(
              "(?i)^(ERR|ERROR)\\b|\\bEKF (variance|failure)|\\bGPS Glitch|thrust loss",
              IncidentKind.AUTOPILOT_ERROR,
              IncidentSeverity.WARNING));

  public FlightClassifierConfig {
    textRules = textRules == null ? List.of() : List.copyOf(textRules);
    if (bucket == null || bucket.isZero() || bucket.isNegative()) {
      throw new IllegalArgumentException("bucket must be a positive duration");
    }
  }

  /** The documented defaults. */
  public static FlightClassifierConfig defaults() {
    return new FlightClassifierConfig(
        2.0,
        1.0,
        5.0,
        Duration.ofSeconds(2),
        1.0,
        0.5,
        1.0,
        Duration.ofSeconds(5),
        Duration.ofMillis(3_500),
        Duration.ofSeconds(30),
        Duration.ofSeconds(2),
        Duration.ofMinutes(5),
        Duration.ofSeconds(1),
        6,
        Duration.ofSeconds(5),
        20.0,
        10.0,
        null,
        5.0,
        Duration.ofSeconds(5),
        70.0,
        85.0,
        5.0,
        Duration.ofSeconds(5),
        3,
        DEFAULT_TEXT_RULES);
  }
}
