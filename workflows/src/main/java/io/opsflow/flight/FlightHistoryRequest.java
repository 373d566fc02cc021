package io.opsflow.flight;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Start (and continue-as-new) input of {@link FlightHistoryWorkflow}.
 *
 * @param deviceId the device whose telemetry is classified
 * @param config the classifier's thresholds; null for {@link FlightClassifierConfig#defaults()}
 * @param batchSize records per pull (default 500: a batch stays far below Temporal's payload limit)
 * @param pollInterval the wait after a pull that found less than a full batch (default 5 s)
 * @param batchesPerRun pulls before continuing as new (default 200), sooner when Temporal suggests
 * @param carried the cursor and classifier state of the previous run; null on the first start
 * @param retention when closed flights are archived and pruned; null: never (histories started
 *     before retention existed)
 */
public record FlightHistoryRequest(
    long deviceId,
    FlightClassifierConfig config,
    int batchSize,
    Duration pollInterval,
    int batchesPerRun,
    Carried carried,
    Retention retention) {

  /**
   * What a run hands to the next.
   *
   * @param retention closed flights not archived yet, or archived and not pruned yet; null before
   *     retention existed
   */
  public record Carried(long cursor, FlightClassifierState state, List<Retained> retention) {}

  /**
   * Retention of the raw copies (flight_telemetry) of closed flights.
   *
   * @param archiveMargin a closed flight is archived once the pull passed its landing by this much
   *     onboard time (or the device was silent that long, workflow time); the archive spans takeoff
   *     − margin to landing + margin
   * @param keepHot how long archived rows stay in flight_telemetry before they are pruned
   */
  public record Retention(Duration archiveMargin, Duration keepHot) {}

  /**
   * A closed flight on its way out of hot storage.
   *
   * @param flightNumber the flight
   * @param landedAt its landing (onboard time)
   * @param archivedAt when its archive was written (workflow time); null until then
   */
  public record Retained(int flightNumber, Instant landedAt, Instant archivedAt) {}

  /** The first start for {@code deviceId} with the defaults and {@code retention}. */
  public static FlightHistoryRequest of(long deviceId, Retention retention) {
    return new FlightHistoryRequest(
        deviceId, null, 500, Duration.ofSeconds(5), 200, null, retention);
  }

  /** The first start for {@code deviceId} with the defaults, without retention. */
  public static FlightHistoryRequest of(long deviceId) {
    return of(deviceId, null);
  }

  /** The same request going on from {@code carried}. */
  public FlightHistoryRequest carrying(Carried carried) {
    return new FlightHistoryRequest(
        deviceId, config, batchSize, pollInterval, batchesPerRun, carried, retention);
  }

  /** The thresholds in force. */
  public FlightClassifierConfig configOrDefaults() {
    return config != null ? config : FlightClassifierConfig.defaults();
  }
}
