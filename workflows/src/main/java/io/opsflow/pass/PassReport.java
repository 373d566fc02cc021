package io.opsflow.pass;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The summary of one pass, written at postprocessing and served after the executor is gone.
 *
 * @param passId the pass
 * @param status the pass's status when the report was made
 * @param generatedAt when
 * @param telecommands TC packets sent
 * @param telemetry TM packets received
 * @param telemetryByApid TM packets received per APID
 * @param sequenceGaps per TM APID, the gaps in its sequence counts (packets lost on the way)
 * @param verifiers per outcome ({@code succeeded}, {@code failed}, {@code timed_out}), how many
 *     telecommand verifiers ended so
 * @param nodes each node's final state
 * @param operatorActions accepted and rejected operator actions, by kind
 * @param timeCorrelation the fitted onboard-to-ground time relation, null without timed TM
 * @param failureReason why the pass failed or was cancelled, null when it succeeded (and in reports
 *     made before this field existed)
 * @param linkEvents what the ground-station link went through, by event ({@code opened}, {@code
 *     dropped}, {@code reconnected}, {@code down}, {@code closed}); null in older reports
 */
public record PassReport(
    long passId,
    String status,
    Instant generatedAt,
    long telecommands,
    long telemetry,
    Map<Integer, Long> telemetryByApid,
    List<SequenceGap> sequenceGaps,
    Map<String, Long> verifiers,
    List<NodeState> nodes,
    Map<String, Long> operatorActions,
    TimeCorrelation timeCorrelation,
    String failureReason,
    Map<String, Long> linkEvents) {

  /**
   * {@code missing} packets between {@code after} and {@code before} (sequence counts, modulo
   * 16384) on {@code apid}.
   */
  public record SequenceGap(int apid, int after, int before, int missing) {}

  /**
   * ground = onboard + offset + drift * (onboard - epoch), fitted by least squares.
   *
   * @param samples TM packets with an onboard time
   * @param epoch the onboard time the fit is centred on
   * @param offsetSeconds ground minus onboard at the epoch
   * @param driftPpm how fast the onboard clock runs slow (+) or fast (-), parts per million
   * @param residualRmsSeconds how well the line fits (includes the link's jitter)
   */
  public record TimeCorrelation(
      int samples,
      Instant epoch,
      double offsetSeconds,
      double driftPpm,
      double residualRmsSeconds) {}
}
