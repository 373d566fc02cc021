package io.opsflow.flight;

/** How bad an incident is; ordered from least to most severe. */
public enum IncidentSeverity {
  INFO,
  WARNING,
  ERROR,
  CRITICAL;

  /** MAV_SEVERITY (the syslog scale, 0 emergency ... 7 debug) as an incident severity. */
  public static IncidentSeverity ofMavSeverity(int mavSeverity) {
    if (mavSeverity <= 2) {
      return CRITICAL;
    }
    if (mavSeverity == 3) {
      return ERROR;
    }
    return mavSeverity == 4 ? WARNING : INFO;
  }

  /** The more severe of the two. */
  public IncidentSeverity atLeast(IncidentSeverity other) {
    return compareTo(other) >= 0 ? this : other;
  }
}
