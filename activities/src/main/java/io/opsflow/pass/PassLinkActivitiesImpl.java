package io.opsflow.pass;

import io.opsflow.pass.PacketStore.Sample;
import io.opsflow.pass.PacketStore.StoredTc;
import io.opsflow.pass.Telemetry.Received;
import io.opsflow.pass.ccsds.TcAck;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The ground-station link activities, run in the pass's executor on {@code pass-<id>} ({@link
 * PassLinks}: one link per pass in the process). Every TC and TM is stored in {@code pass_packets}
 * as it goes: TM by the link's reader, each TC before it is written to the link, with its run key,
 * so a run sends its TC at most once however often it is retried or its executor replaced; a
 * retried run waits for the verifier of the TC already stored, what remains of its timeout, and
 * finds an acknowledgement received by an executor that died in the database.
 *
 * <p><b>Telecommand user data</b>: one function-code octet, then the payload ({@code payloadHex},
 * optional). The code comes from the command: a name of {@link #COMMANDS} ({@code SET_MODE} is the
 * simulator's {@code MODE_COMMAND} 0x01, so {@code SET_MODE} with payload {@code 02} is {@code 01
 * 02} and sets mode 2), or a number ({@code 0x2A}, {@code 42}). Any other name fails the action
 * without sending ({@code UnknownCommand}). TCs carry no secondary header; the sequence count goes
 * on, per APID, from the last TC stored for the pass, so a replacement executor continues it.
 *
 * <p><b>Verifiers</b>: {@code ack} holds when the acknowledgement TM (APID 0x001) of this TC's APID
 * and sequence count says accepted, and ends the run {@code rejected} when it says rejected; {@code
 * parameter} holds when a housekeeping TM received after the TC meets the condition (a rejecting
 * acknowledgement ends it {@code rejected} too). Neither within the timeout: {@code timed_out}.
 * Default timeout {@value #DEFAULT_TIMEOUT_SECONDS} s.
 */
public class PassLinkActivitiesImpl implements PassLinkActivities {

  /** Function codes of the telecommands known by name. */
  public static final Map<String, Integer> COMMANDS =
      Map.of(
          "NOOP", 0x00, "SET_MODE", 0x01, "PING", 0x02, "RESET", 0x03, "DUMP_HOUSEKEEPING", 0x04);

  /** Failure type of a command that is neither a known name nor a number. */
  public static final String UNKNOWN_COMMAND = "UnknownCommand";

  /** Failure type of a send_telecommand missing what it needs, or with bad hex. */
  public static final String INVALID_TELECOMMAND = "InvalidTelecommand";

  static final int DEFAULT_TIMEOUT_SECONDS = 30;

  /** How long check_parameter waits for a first housekeeping when none was received. */
  static final int FIRST_VALUE_SECONDS = 5;

  private final PassLinks links;

  public PassLinkActivitiesImpl(PassLinks links) {
    this.links = links;
  }

  /**
   * Opens the pass's link. A station that refuses it fails this attempt with a retryable {@code
   * LinkDown}: the pass workflow decides whether to try again (until LOS since {@code
   * link-open-retry}; passes started before list {@code LinkDown} as not retried). An action that
   * meets a link down keeps failing for good.
   */
  @Override
  public LinkStatus open(LinkSpec spec) {
    try {
      return links.up(spec, heartbeat()).status();
    } catch (ApplicationFailure f) {
      if (!GroundStationLink.LINK_DOWN.equals(f.getType())) {
        throw f;
      }
      throw ApplicationFailure.newFailure(f.getOriginalMessage(), GroundStationLink.LINK_DOWN);
    }
  }

  /**
   * Closes this process's link of the pass after storing its last TM; without one here (another
   * executor had it), answers the stored counts.
   */
  @Override
  public LinkStatus close(LinkSpec spec) {
    LinkStatus status = links.close(spec.passId());
    if (status != null) {
      return status;
    }
    PacketStore store = links.store();
    return new LinkStatus(
        false, store.count(spec.passId(), "tc"), store.count(spec.passId(), "tm"), 0);
  }

  @Override
  public ActionResult sendTelecommand(ActionRun run) {
    NodeParameters p = requireParameters(run);
    if (p.apid() == null || p.apid() < 0 || p.apid() > 0x7FF) {
      throw ApplicationFailure.newNonRetryableFailure(
          "send_telecommand needs an apid 0..2047, was " + p.apid(), INVALID_TELECOMMAND);
    }
    byte[] userData = userData(p.command(), p.payloadHex());
    Verifier verifier = p.verifier() == null ? new Verifier(Verifier.ACK, null) : p.verifier();
    ParameterCondition condition =
        Verifier.PARAMETER.equals(verifier.type()) ? Telemetry.require(verifier.condition()) : null;
    if (condition == null && !Verifier.ACK.equals(verifier.type())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "unknown verifier '" + verifier.type() + "': ack or parameter", INVALID_TELECOMMAND);
    }
    Map<String, Object> decoded = new LinkedHashMap<>();
    decoded.put("kind", "telecommand");
    decoded.put("command", p.command());
    decoded.put("function_code", userData[0] & 0xFF);
    decoded.put(
        "payload_hex", p.payloadHex() == null ? "" : p.payloadHex().toLowerCase(Locale.ROOT));
    decoded.put("verifier", verifier.type());

    Runnable heartbeat = heartbeat();
    GroundStationLink link = links.up(run.link(), heartbeat);
    Map.Entry<StoredTc, Boolean> sent =
        link.send(run.runKey(), run.nodeId(), p.apid(), userData, decoded, heartbeat);
    StoredTc tc = sent.getKey();
    String resent = sent.getValue() ? "" : " (sent before under this run key, not again)";
    if (tc.sendError() != null) {
      return new ActionResult(
          false,
          "failed",
          "the telecommand of " + run.runKey() + " may not have left: " + tc.sendError(),
          tc.sequenceCount());
    }
    Instant deadline = tc.groundTime().plusSeconds(timeout(p));
    String which = "APID " + tc.apid() + ", sequence count " + tc.sequenceCount();
    Optional<Boolean> ack;
    if (condition == null) {
      ack =
          link.await(
              deadline,
              () -> ackInMemory(link, tc),
              () -> links.store().acknowledgement(run.passId(), tc),
              heartbeat);
      if (ack.isEmpty()) {
        return new ActionResult(
            false,
            "timed_out",
            "no acknowledgement of the telecommand ("
                + which
                + ") within "
                + timeout(p)
                + " s"
                + resent,
            tc.sequenceCount());
      }
      return ack.get()
          ? new ActionResult(
              true,
              "succeeded",
              "acknowledged: accepted (" + which + ")" + resent,
              tc.sequenceCount())
          : new ActionResult(
              false,
              "rejected",
              "acknowledged: rejected (" + which + ")" + resent,
              tc.sequenceCount());
    }
    Optional<Object> seen =
        link.await(
            deadline,
            () -> parameterInMemory(link, tc, condition),
            () -> parameterInDatabase(run.passId(), tc, condition),
            heartbeat);
    if (seen.isEmpty()) {
      Received last = link.lastHousekeeping();
      return new ActionResult(
          false,
          "timed_out",
          Telemetry.describe(condition)
              + " not seen within "
              + timeout(p)
              + " s after the telecommand ("
              + which
              + ")"
              + lastValue(last, condition.parameter())
              + resent,
          tc.sequenceCount());
    }
    if (seen.get() instanceof TcAck) {
      return new ActionResult(
          false, "rejected", "acknowledged: rejected (" + which + ")" + resent, tc.sequenceCount());
    }
    Sample sample = (Sample) seen.get();
    return new ActionResult(
        true,
        "succeeded",
        condition.parameter()
            + " = "
            + sample.parameters().get(condition.parameter())
            + " at "
            + sample.groundTime()
            + " ("
            + Telemetry.describe(condition)
            + ") after the telecommand ("
            + which
            + ")"
            + resent,
        tc.sequenceCount());
  }

  /** Holds lock (called from await's memory check). */
  private static Optional<Boolean> ackInMemory(GroundStationLink link, StoredTc tc) {
    for (Received tm : link.recent()) {
      TcAck ack = tm.ack();
      if (ack != null
          && ack.tcApid() == tc.apid()
          && ack.tcSequenceCount() == tc.sequenceCount()
          && !tm.groundTime().isBefore(tc.groundTime())) {
        return Optional.of(ack.accepted());
      }
    }
    return Optional.empty();
  }

  private static Optional<Object> parameterInMemory(
      GroundStationLink link, StoredTc tc, ParameterCondition condition) {
    for (Received tm : link.recent()) {
      if (tm.groundTime().isBefore(tc.groundTime())) {
        continue;
      }
      TcAck ack = tm.ack();
      if (ack != null
          && !ack.accepted()
          && ack.tcApid() == tc.apid()
          && ack.tcSequenceCount() == tc.sequenceCount()) {
        return Optional.of(ack);
      }
      Double value = tm.parameters().get(condition.parameter());
      if (value != null
          && tm.groundTime().isAfter(tc.groundTime())
          && Telemetry.holds(condition, value)) {
        return Optional.of(new Sample(tm.groundTime(), tm.parameters()));
      }
    }
    return Optional.empty();
  }

  private Optional<Object> parameterInDatabase(
      long passId, StoredTc tc, ParameterCondition condition) {
    PacketStore store = links.store();
    Optional<Boolean> ack = store.acknowledgement(passId, tc);
    if (ack.isPresent() && !ack.get()) {
      return Optional.of(new TcAck(tc.apid(), tc.sequenceCount(), false));
    }
    return store.firstMeeting(passId, tc.id(), condition).map(s -> s);
  }

  /**
   * Succeeds as soon as the parameter's latest value meets the condition (at once when it already
   * does, like COSMOS's {@code wait_check}), {@code timed_out} when it has not by the timeout.
   */
  @Override
  public ActionResult waitTelemetry(ActionRun run) {
    NodeParameters p = requireParameters(run);
    ParameterCondition condition = Telemetry.require(p.condition());
    Runnable heartbeat = heartbeat();
    GroundStationLink link = links.up(run.link(), heartbeat);
    Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant deadline = start.plusSeconds(timeout(p));
    Optional<Received> met =
        link.await(
            deadline,
            () -> {
              Received last = link.lastHousekeeping();
              if (meets(last, condition)) {
                return Optional.of(last);
              }
              for (Received tm : link.recent()) {
                if (!tm.groundTime().isBefore(start) && meets(tm, condition)) {
                  return Optional.of(tm);
                }
              }
              return Optional.empty();
            },
            null,
            heartbeat);
    if (met.isEmpty()) {
      return new ActionResult(
          false,
          "timed_out",
          Telemetry.describe(condition)
              + " not met within "
              + timeout(p)
              + " s"
              + lastValue(link.lastHousekeeping(), condition.parameter()),
          null);
    }
    return new ActionResult(
        true,
        "succeeded",
        condition.parameter()
            + " = "
            + met.get().parameters().get(condition.parameter())
            + " at "
            + met.get().groundTime()
            + " ("
            + Telemetry.describe(condition)
            + ")",
        null);
  }

  /**
   * The parameter's last value received: by this link, else stored by an earlier executor of the
   * pass; when there is none yet, the first one within {@value #FIRST_VALUE_SECONDS} s (or the
   * node's timeout). {@code failed} when it does not meet the condition or no value came.
   */
  @Override
  public ActionResult checkParameter(ActionRun run) {
    NodeParameters p = requireParameters(run);
    ParameterCondition condition = Telemetry.require(p.condition());
    Runnable heartbeat = heartbeat();
    GroundStationLink link = links.up(run.link(), heartbeat);
    Received last = link.lastHousekeeping();
    Sample sample = last == null ? null : new Sample(last.groundTime(), last.parameters());
    if (sample == null) {
      sample = links.store().lastHousekeeping(run.passId()).orElse(null);
    }
    if (sample == null) {
      int wait = p.timeoutSeconds() == null ? FIRST_VALUE_SECONDS : p.timeoutSeconds();
      sample =
          link.await(
                  Instant.now().plusSeconds(wait),
                  () -> Optional.ofNullable(link.lastHousekeeping()),
                  null,
                  heartbeat)
              .map(r -> new Sample(r.groundTime(), r.parameters()))
              .orElse(null);
    }
    if (sample == null) {
      return new ActionResult(
          false, "failed", "no " + condition.parameter() + " received in this pass", null);
    }
    double value = sample.parameters().get(condition.parameter());
    boolean holds = Telemetry.holds(condition, value);
    return new ActionResult(
        holds,
        holds ? "succeeded" : "failed",
        condition.parameter()
            + " = "
            + value
            + " at "
            + sample.groundTime()
            + (holds ? " meets " : " does not meet ")
            + Telemetry.describe(condition),
        null);
  }

  /**
   * The TC's user data: function code, then payload.
   *
   * @throws ApplicationFailure non-retryable, {@code UnknownCommand} or {@code InvalidTelecommand}
   */
  static byte[] userData(String command, String payloadHex) {
    if (command == null || command.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "send_telecommand needs a command", INVALID_TELECOMMAND);
    }
    String name = command.strip();
    Integer code = COMMANDS.get(name.toUpperCase(Locale.ROOT));
    if (code == null) {
      try {
        code =
            name.startsWith("0x") || name.startsWith("0X")
                ? Integer.parseInt(name.substring(2), 16)
                : Integer.parseInt(name);
      } catch (NumberFormatException e) {
        throw ApplicationFailure.newNonRetryableFailure(
            "unknown command '"
                + name
                + "': a name of "
                + new java.util.TreeSet<>(COMMANDS.keySet())
                + " or a function code 0..255 (0x00..0xFF)",
            UNKNOWN_COMMAND);
      }
      if (code < 0 || code > 0xFF) {
        throw ApplicationFailure.newNonRetryableFailure(
            "function code " + name + " outside 0..255", UNKNOWN_COMMAND);
      }
    }
    byte[] payload;
    try {
      payload =
          payloadHex == null
              ? new byte[0]
              : HexFormat.of().parseHex(payloadHex.strip().replace(" ", ""));
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "payload_hex '" + payloadHex + "' is not hex: " + e.getMessage(), INVALID_TELECOMMAND);
    }
    if (payload.length > 65535) {
      throw ApplicationFailure.newNonRetryableFailure(
          "payload of " + payload.length + " octets exceeds a space packet", INVALID_TELECOMMAND);
    }
    byte[] data = new byte[payload.length + 1];
    data[0] = (byte) (int) code;
    System.arraycopy(payload, 0, data, 1, payload.length);
    return data;
  }

  private static boolean meets(Received tm, ParameterCondition condition) {
    if (tm == null) {
      return false;
    }
    Double value = tm.parameters().get(condition.parameter());
    return value != null && Telemetry.holds(condition, value);
  }

  private static String lastValue(Received last, String parameter) {
    return last == null || last.parameters().get(parameter) == null
        ? "; no " + parameter + " received"
        : "; last "
            + parameter
            + " = "
            + last.parameters().get(parameter)
            + " at "
            + last.groundTime();
  }

  private static NodeParameters requireParameters(ActionRun run) {
    if (run.parameters() == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "node " + run.nodeId() + " has no parameters", INVALID_TELECOMMAND);
    }
    return run.parameters();
  }

  private static int timeout(NodeParameters p) {
    return p.timeoutSeconds() == null ? DEFAULT_TIMEOUT_SECONDS : p.timeoutSeconds();
  }

  /** Heartbeats the running activity; a cancelled one's heartbeat throws. */
  private static Runnable heartbeat() {
    ActivityExecutionContext context = Activity.getExecutionContext();
    return () -> context.heartbeat(null);
  }
}
