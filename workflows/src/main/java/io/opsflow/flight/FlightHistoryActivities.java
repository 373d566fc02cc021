package io.opsflow.flight;

import io.temporal.activity.ActivityInterface;
import java.util.List;

/** PostgreSQL side of {@link FlightHistoryWorkflow}; every method idempotent. */
@ActivityInterface(namePrefix = "FlightHistory")
public interface FlightHistoryActivities {

  /**
   * The device's telemetry_records with id above {@code afterId}, in id order, at most {@code
   * limit}; each is copied into flight_telemetry (keyed by the same id, so a retry copies nothing
   * twice) before the batch is returned.
   */
  TelemetryBatch pull(PullRequest request);

  /**
   * Upserts flights (by device and number), incidents (by device, kind and start) and metric
   * buckets (by device and window start): {@code settled} holds what will not change any more,
   * {@code open} what still may (saved again later with newer values).
   */
  void save(SaveRequest request);

  /** Input of {@link #pull}. */
  record PullRequest(long deviceId, long afterId, int limit) {}

  /** Output of {@link #pull}. */
  record TelemetryBatch(List<TelemetryPoint> points) {}

  /** Input of {@link #save}. */
  record SaveRequest(long deviceId, FlightHistory settled, FlightHistory open) {}
}
