package io.opsflow.pass;

import java.util.List;

/** Nodes of every action type, valid as they are. */
final class Graphs {

  private Graphs() {}

  static ProcedureNode telecommand(String id) {
    return new ProcedureNode(
        id,
        "send_telecommand",
        new NodeParameters(100, "PING", "0a0b", new Verifier("ack", null), null, 30, null, null));
  }

  static ProcedureNode waitTelemetry(String id) {
    return new ProcedureNode(
        id,
        "wait_telemetry",
        new NodeParameters(
            null, null, null, null, new ParameterCondition("mode", "eq", 2.0), 60, null, null));
  }

  static ProcedureNode delay(String id) {
    return new ProcedureNode(
        id, "delay", new NodeParameters(null, null, null, null, null, null, 5, null));
  }

  static ProcedureNode check(String id) {
    return new ProcedureNode(
        id,
        "check_parameter",
        new NodeParameters(
            null, null, null, null, new ParameterCondition("vbat", "ge", 7.2), null, null, null));
  }

  static ProcedureNode confirm(String id) {
    return new ProcedureNode(
        id,
        "operator_confirm",
        new NodeParameters(null, null, null, null, null, 120, null, "Deploy the antenna?"));
  }

  /** A valid node of the i-th type, cycling through all of them. */
  static ProcedureNode ofKind(int kind, String id) {
    return switch (Math.floorMod(kind, 5)) {
      case 0 -> telecommand(id);
      case 1 -> waitTelemetry(id);
      case 2 -> delay(id);
      case 3 -> check(id);
      default -> confirm(id);
    };
  }

  static ProcedureLink link(String from, String to) {
    return new ProcedureLink(from, to, "on_success");
  }

  static ProcedureGraph graph(List<ProcedureNode> nodes, List<ProcedureLink> links) {
    return new ProcedureGraph(nodes, links);
  }
}
