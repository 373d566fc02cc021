package io.opsflow.flight;

import java.time.Instant;
import java.util.Map;

/**
 * An anomaly.
 *
 * @param kind what went wrong
 * @param severity how bad (the worst it got while open)
 * @param start when it began (for debounced conditions: when the condition first held)
 * @param end when it ended; equal to start for one-off events; null while still open
 * @param flightNumber the flight it happened in; null when the vehicle was not airborne
 * @param summary one line for humans
 * @param evidence the values it rests on (gap length, fix type, satellites, text, ...)
 */
public record Incident(
    IncidentKind kind,
    IncidentSeverity severity,
    Instant start,
    Instant end,
    Integer flightNumber,
    String summary,
    Map<String, String> evidence) {}
