package io.opsflow.pass;

import io.temporal.activity.ActivityInterface;

/**
 * The ground-station link, run inside the pass's executor on the queue {@code pass-<id>}. The
 * executor holds one TCP link (CCSDS space packets) per pass; it stores every TC and TM packet (raw
 * bytes, header, ground and onboard time) in PostgreSQL as it goes. Each action reopens the link
 * when a new executor took over. Actions heartbeat; a link that drops fails the action with type
 * {@code LinkDown} after the reconnect attempts, never a hang.
 *
 * <p>Telemetry parameters of housekeeping TM (APID 0x064): {@code battery_voltage} (V), {@code
 * temperature} (°C), {@code mode}.
 */
@ActivityInterface(namePrefix = "PassLink_")
public interface PassLinkActivities {

  /** Preprocessing: connects to the ground station and starts recording TM. */
  record LinkSpec(long passId, String host, int port) {}

  /** The link's counters at the time of the answer. */
  record LinkStatus(boolean up, long tcSent, long tmReceived, long reconnects) {}

  LinkStatus open(LinkSpec spec);

  /** Postprocessing: closes the link; the last TM packets are stored before it returns. */
  LinkStatus close(LinkSpec spec);

  /**
   * One run of one action.
   *
   * @param passId the pass
   * @param link where to reconnect when this executor has no link yet
   * @param nodeId the node
   * @param runKey unique per run of the node ({@code <nodeId>/<run>/<attempt of the node>}): a
   *     telecommand is sent at most once per key, however often the activity is retried or the
   *     executor replaced; a retried run waits for the verifier of the one already sent
   * @param type the action type's wire name
   * @param parameters the node's parameters, operator overrides applied
   */
  record ActionRun(
      long passId,
      LinkSpec link,
      String nodeId,
      String runKey,
      String type,
      NodeParameters parameters) {}

  /**
   * @param succeeded the verifier held, the telemetry came, the check passed
   * @param outcome {@code succeeded}, {@code failed}, {@code timed_out}, {@code rejected} (negative
   *     ack)
   * @param detail what was seen (ack, parameter value, timeout)
   * @param tcSequenceCount the sent telecommand's sequence count, or null
   */
  record ActionResult(boolean succeeded, String outcome, String detail, Integer tcSequenceCount) {}

  /** {@code send_telecommand}: sends the TC (once per run key) and waits for its verifier. */
  ActionResult sendTelecommand(ActionRun run);

  /** {@code wait_telemetry}: waits until a TM parameter meets the condition, or the timeout. */
  ActionResult waitTelemetry(ActionRun run);

  /** {@code check_parameter}: the parameter's last received value meets the condition, or not. */
  ActionResult checkParameter(ActionRun run);
}
