package io.opsflow.flight;

import java.time.Duration;

/**
 * Start (and continue-as-new) input of {@link FlightHistoryWorkflow}.
 *
 * @param deviceId the device whose telemetry is classified
 * @param config the classifier's thresholds; null for {@link FlightClassifierConfig#defaults()}
 * @param batchSize records per pull (default 500: a batch stays far below Temporal's payload limit)
 * @param pollInterval the wait after a pull that found less than a full batch (default 5 s)
 * @param batchesPerRun pulls before continuing as new (default 200), sooner when Temporal suggests
 * @param carried the cursor and classifier state of the previous run; null on the first start
 */
public record FlightHistoryRequest(
    long deviceId,
    FlightClassifierConfig config,
    int batchSize,
    Duration pollInterval,
    int batchesPerRun,
    Carried carried) {

  /** What a run hands to the next. */
  public record Carried(long cursor, FlightClassifierState state) {}

  /** The first start for {@code deviceId} with the defaults. */
  public static FlightHistoryRequest of(long deviceId) {
    return new FlightHistoryRequest(deviceId, null, 500, Duration.ofSeconds(5), 200, null);
  }

  /** The same request going on from {@code carried}. */
  public FlightHistoryRequest carrying(Carried carried) {
    return new FlightHistoryRequest(
        deviceId, config, batchSize, pollInterval, batchesPerRun, carried);
  }

  /** The thresholds in force. */
  public FlightClassifierConfig configOrDefaults() {
    return config != null ? config : FlightClassifierConfig.defaults();
  }
}
