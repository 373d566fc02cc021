package io.opsflow.flight;

import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Retention of the monitor's raw telemetry copies: a closed flight's rows are archived to a
 * compressed file, later pruned from the hot table, and stay readable from the archive.
 */
@ActivityInterface(namePrefix = "FlightRetention")
public interface FlightRetentionActivities {

  /**
   * Writes the flight_telemetry rows of a closed flight (takeoff to landing, widened by {@code
   * margin} on both sides) to a gzip JSON-lines file and records it in flight_telemetry_archives.
   * Idempotent: a flight already archived returns its archive.
   *
   * @throws IllegalArgumentException when the flight does not exist or is still open
   */
  Archive archive(ArchiveRequest request);

  /**
   * Deletes from flight_telemetry the rows of every archive (of the device, when given) made before
   * {@code now - keepHot}, marking the archive pruned; returns the rows deleted.
   */
  long prune(PruneRequest request);

  /**
   * The device's telemetry from {@code at - window} to {@code at + window}: from flight_telemetry,
   * else from the archive whose flight covers that time.
   */
  Around around(AroundRequest request);

  /** Input of {@link #archive}. */
  record ArchiveRequest(long deviceId, int flightNumber, Duration margin) {}

  /** An archive file. */
  record Archive(long id, String location, long records, String sha256) {}

  /** Input of {@link #prune}; {@code deviceId} null: every device's archives. */
  record PruneRequest(Instant now, Duration keepHot, Long deviceId) {}

  /** Input of {@link #around}. */
  record AroundRequest(long deviceId, Instant at, Duration window) {}

  /** Output of {@link #around}: whether the points came from the archive. */
  record Around(List<TelemetryPoint> points, boolean archived) {}
}
