package io.opsflow.pass;

import io.opsflow.pass.ccsds.Housekeeping;
import io.opsflow.pass.ccsds.PacketType;
import io.opsflow.pass.ccsds.SpacePacket;
import io.opsflow.pass.ccsds.TcAck;
import io.opsflow.pass.ccsds.TmDataField;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a TM packet says, as stored in {@code pass_packets.decoded} and kept in the link's memory:
 * the onboard time of its secondary header, an acknowledgement or the housekeeping parameters
 * ({@code battery_voltage} in V, {@code temperature} in °C, {@code mode}).
 */
final class Telemetry {

  /** Names of the housekeeping parameters, as conditions name them. */
  static final List<String> PARAMETERS = List.of("battery_voltage", "temperature", "mode");

  /** Failure type of a condition on a parameter no telemetry carries. */
  static final String UNKNOWN_PARAMETER = "UnknownParameter";

  /**
   * One received TM packet.
   *
   * @param groundTime when the link received it (UTC)
   * @param onboardTime its time code, null when it has none or it is unreadable
   * @param ack the acknowledgement it carries, or null
   * @param parameters the housekeeping values it carries, empty for others
   * @param decoded all of it, for the {@code decoded} column
   */
  record Received(
      SpacePacket packet,
      Instant groundTime,
      Instant onboardTime,
      TcAck ack,
      Map<String, Double> parameters,
      Map<String, Object> decoded) {}

  private Telemetry() {}

  /** Decodes a TM packet received at {@code groundTime}; an unreadable one is kept as it is. */
  static Received decode(SpacePacket packet, Instant groundTime) {
    Map<String, Object> decoded = new LinkedHashMap<>();
    Instant onboard = null;
    TcAck ack = null;
    Map<String, Double> parameters = Map.of();
    try {
      if (packet.type() != PacketType.TM || !packet.secondaryHeader()) {
        decoded.put("kind", "unknown");
        return new Received(packet, groundTime, null, null, parameters, decoded);
      }
      TmDataField field = TmDataField.decode(packet);
      onboard = field.time().agencyEpoch() ? null : field.time().toInstant();
      if (onboard != null) {
        decoded.put("onboard_time", onboard.toString());
      }
      if (packet.apid() == TcAck.APID) {
        ack = TcAck.decode(field.userData());
        decoded.put("kind", "ack");
        decoded.put("tc_apid", ack.tcApid());
        decoded.put("tc_sequence_count", ack.tcSequenceCount());
        decoded.put("accepted", ack.accepted());
      } else if (packet.apid() == Housekeeping.APID) {
        Housekeeping hk = Housekeeping.decode(field.userData());
        parameters = new LinkedHashMap<>();
        parameters.put("battery_voltage", hk.batteryMillivolts() / 1000.0);
        parameters.put("temperature", hk.temperatureCentiCelsius() / 100.0);
        parameters.put("mode", (double) hk.mode());
        decoded.put("kind", "housekeeping");
        decoded.put("battery_voltage", parameters.get("battery_voltage"));
        decoded.put("temperature", parameters.get("temperature"));
        decoded.put("mode", hk.mode());
      } else {
        decoded.put("kind", "unknown");
      }
    } catch (RuntimeException e) {
      decoded.put("kind", "unreadable");
      decoded.put("error", e.getMessage());
    }
    return new Received(packet, groundTime, onboard, ack, parameters, decoded);
  }

  /** Whether {@code value} meets the condition. */
  static boolean holds(ParameterCondition condition, double value) {
    double limit = condition.value();
    return switch (condition.op()) {
      case "eq" -> value == limit;
      case "ne" -> value != limit;
      case "lt" -> value < limit;
      case "le" -> value <= limit;
      case "gt" -> value > limit;
      case "ge" -> value >= limit;
      default ->
          throw ApplicationFailure.newNonRetryableFailure(
              "unknown comparison '" + condition.op() + "', one of " + ParameterCondition.OPS,
              "InvalidCondition");
    };
  }

  /** The SQL operator of a condition's op (one of a fixed list, never the caller's text). */
  static String sqlOperator(String op) {
    return switch (op) {
      case "eq" -> "=";
      case "ne" -> "<>";
      case "lt" -> "<";
      case "le" -> "<=";
      case "gt" -> ">";
      case "ge" -> ">=";
      default ->
          throw ApplicationFailure.newNonRetryableFailure(
              "unknown comparison '" + op + "', one of " + ParameterCondition.OPS,
              "InvalidCondition");
    };
  }

  /** Refuses a condition no telemetry can meet: unknown parameter, op or value. */
  static ParameterCondition require(ParameterCondition condition) {
    if (condition == null || condition.parameter() == null || condition.value() == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "a telemetry condition needs parameter, op and value", "InvalidCondition");
    }
    if (!PARAMETERS.contains(condition.parameter())) {
      throw ApplicationFailure.newNonRetryableFailure(
          "no telemetry carries '" + condition.parameter() + "'; parameters: " + PARAMETERS,
          UNKNOWN_PARAMETER);
    }
    sqlOperator(condition.op());
    return condition;
  }

  /** {@code mode ge 2.0}. */
  static String describe(ParameterCondition condition) {
    return condition.parameter() + " " + condition.op() + " " + condition.value();
  }
}
