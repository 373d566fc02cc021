package io.opsflow.flight;

import java.util.List;

/**
 * What {@link FlightHistoryWorkflow#view()} answers.
 *
 * @param deviceId the device
 * @param cursor the highest telemetry_records id classified
 * @param points records classified since the first start
 * @param flights flights seen since the first start (closed and open)
 * @param openFlight the flight under way; null on the ground
 * @param openIncidents incidents not ended yet
 */
public record FlightHistoryView(
    long deviceId,
    long cursor,
    long points,
    int flights,
    Flight openFlight,
    List<Incident> openIncidents) {}
