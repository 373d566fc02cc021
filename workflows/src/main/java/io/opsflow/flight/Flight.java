package io.opsflow.flight;

import java.time.Instant;

/**
 * One flight: from the takeoff the in-air detector confirmed to the landing it confirmed (or the
 * disarm), within one armed period; an armed period may hold several flights.
 *
 * @param number 1 for the device's first flight the classifier saw, then 2, ...
 * @param armedAt when the vehicle armed; null when the telemetry started with it already armed
 * @param takeoffAt when the in-air condition first held (the debounce confirmed it later)
 * @param landedAt when the on-ground condition first held (or the disarm); null while airborne
 * @param takeoffObserved false when the telemetry started with the vehicle already in the air
 * @param summary what the flight did
 */
public record Flight(
    int number,
    Instant armedAt,
    Instant takeoffAt,
    Instant landedAt,
    boolean takeoffObserved,
    FlightSummary summary) {

  /** Whether the flight has landed. */
  public boolean closed() {
    return landedAt != null;
  }
}
