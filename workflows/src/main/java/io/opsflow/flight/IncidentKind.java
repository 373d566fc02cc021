package io.opsflow.flight;

/** What went wrong. */
public enum IncidentKind {
  /** No telemetry for longer than the link-drop threshold while airborne. */
  LINK_DROP,
  /** GPS fix fell below 3D after the vehicle had one. */
  GPS_LOSS,
  /** 3D fix kept, but fewer satellites than the configured minimum. */
  GPS_DEGRADED,
  /** The autopilot reported a failsafe (STATUSTEXT). */
  FAILSAFE,
  /** The autopilot reported a crash (STATUSTEXT). */
  CRASH,
  /** Any other autopilot STATUSTEXT at or above the configured severity, or an error pattern. */
  AUTOPILOT_ERROR,
  /** Battery remaining (or voltage) below its threshold. */
  BATTERY_LOW,
  /** A temperature above its threshold. */
  OVERHEAT
}
