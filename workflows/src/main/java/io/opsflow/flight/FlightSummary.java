package io.opsflow.flight;

/**
 * What one flight did, from takeoff to landing (to the last point while it is still open).
 *
 * @param durationSeconds landing (or last point) minus takeoff
 * @param maxAltitudeAboveHomeMetres the highest GLOBAL_POSITION_INT relative_alt
 * @param distanceFlownMetres the sum of great-circle distances between consecutive positions
 * @param maxDistanceFromHomeMetres the farthest horizontal distance from home (HOME_POSITION when
 *     the vehicle sent one, else the flight's first position)
 * @param maxGroundSpeedMetresPerSecond the highest horizontal speed (GLOBAL_POSITION_INT vx, vy)
 * @param batteryUsedMah BATTERY_STATUS current_consumed at the end minus at the start; else
 *     SYS_STATUS current integrated over time; null when neither was reported
 * @param batteryUsedPercent battery_remaining at the start minus at the end; null when not reported
 * @param maxTemperatureCelsius the highest temperature any message reported; null when none did
 */
public record FlightSummary(
    double durationSeconds,
    double maxAltitudeAboveHomeMetres,
    double distanceFlownMetres,
    double maxDistanceFromHomeMetres,
    double maxGroundSpeedMetresPerSecond,
    Double batteryUsedMah,
    Double batteryUsedPercent,
    Double maxTemperatureCelsius) {}
