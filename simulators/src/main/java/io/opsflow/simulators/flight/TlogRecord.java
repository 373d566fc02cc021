package io.opsflow.simulators.flight;

import java.time.Instant;

/**
 * One decoded record of a MAVLink telemetry log.
 *
 * @param time the log's own timestamp (when the ground station recorded the packet), microsecond
 *     precision
 * @param systemId MAVLink system id of the sender
 * @param componentId MAVLink component id of the sender
 * @param name the MAVLink message name as in the XML definitions, e.g. {@code GLOBAL_POSITION_INT}
 * @param payload the decoded message (an {@code io.dronefleet.mavlink} payload object)
 */
public record TlogRecord(
    Instant time, int systemId, int componentId, String name, Object payload) {}
