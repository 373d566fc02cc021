package io.opsflow.pass;

import java.time.Instant;
import java.util.Map;

/**
 * What a {@link PassWorkflow} runs: the reservation as stored when the pass was reserved (later
 * changes arrive as updates).
 *
 * @param passId the pass row's id; the workflow id is {@code pass-<passId>}, the executor's task
 *     queue {@code pass-<passId>}
 * @param satellite the spacecraft
 * @param groundStationId the ground station reserved
 * @param groundStationName its name, for events and search attributes
 * @param host the ground station's TM/TC endpoint host (TCP, CCSDS space packets)
 * @param port the ground station's TM/TC endpoint port
 * @param aos the reservation window's start (acquisition of signal)
 * @param los the reservation window's end (loss of signal)
 * @param leadTimeSeconds the executor is launched this long before aos
 * @param procedure the procedure graph, already validated
 * @param parameters the pass's free-form parameters
 * @param version the pass row's version when the workflow started
 * @param settings timings and policies; {@link PassSettings#defaults()} when null
 */
public record PassRequest(
    long passId,
    String satellite,
    long groundStationId,
    String groundStationName,
    String host,
    int port,
    Instant aos,
    Instant los,
    int leadTimeSeconds,
    ProcedureGraph procedure,
    Map<String, String> parameters,
    int version,
    PassSettings settings) {

  /** The workflow id of a pass. */
  public static String workflowId(long passId) {
    return "pass-" + passId;
  }

  /** The task queue the pass's executor polls. */
  public static String taskQueue(long passId) {
    return "pass-" + passId;
  }

  /** When the executor is launched: aos minus the lead time. */
  public Instant launchAt() {
    return aos.minusSeconds(leadTimeSeconds);
  }

  /** The settings, defaults when none were given. */
  public PassSettings effectiveSettings() {
    return settings == null ? PassSettings.defaults() : settings;
  }
}
