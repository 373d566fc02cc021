package io.opsflow.api.pass;

import io.opsflow.api.pass.PassDtos.AddNode;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.GraphProblem;
import io.opsflow.pass.NodeParameters;
import io.opsflow.pass.ParameterCondition;
import io.opsflow.pass.PassOperations.Decision;
import io.opsflow.pass.ProcedureGraph;
import io.opsflow.pass.ProcedureGraphValidator;
import io.opsflow.pass.ProcedureLink;
import io.opsflow.pass.ProcedureNode;
import io.opsflow.pass.Verifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;

/**
 * Checks of the live operations' input before the workflow sees it: what can be judged without the
 * running graph is a 400 naming the field here; what depends on it (unknown node, node already
 * started, cycle) is the workflow validator's 409.
 */
final class PassInputs {

  static final int MAX_LIMIT = 1000;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
  private static final Pattern HEX = Pattern.compile("(?:[0-9A-Fa-f]{2}){0,4096}");
  private static final List<String> DECISIONS = List.of(Decision.RETRY, Decision.GO, Decision.STOP);

  private PassInputs() {}

  static String nodeId(String nodeId) {
    if (nodeId == null || !ID.matcher(nodeId).matches()) {
      throw ApiException.badRequest(
          "node_id", "node_id: 1..100 of letters, digits, _ . - (got '" + clip(nodeId) + "')");
    }
    return nodeId;
  }

  static void decision(String decision) {
    if (!DECISIONS.contains(decision)) {
      throw ApiException.badRequest(
          "decision",
          "decision: one of " + String.join(", ", DECISIONS) + ", not '" + clip(decision) + "'");
    }
  }

  static long after(long after) {
    if (after < 0) {
      throw ApiException.badRequest("after", "after: must be 0 or more");
    }
    return after;
  }

  static int limit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiException.badRequest("limit", "limit: 1.." + MAX_LIMIT);
    }
    return limit;
  }

  /** A link with both ends well formed and a known condition (on_success when absent). */
  static ProcedureLink link(ProcedureLink link, String prefix) {
    if (link == null) {
      throw ApiException.badRequest(prefix.isEmpty() ? "body" : prefix, "a link is required");
    }
    for (String end : List.of("from", "to")) {
      String id = end.equals("from") ? link.from() : link.to();
      if (id == null || !ID.matcher(id).matches()) {
        throw ApiException.badRequest(
            prefix + end,
            prefix
                + end
                + ": a node id, 1..100 of letters, digits, _ . - (got '"
                + clip(id)
                + "')");
      }
    }
    if (link.when() == null) {
      throw ApiException.badRequest(
          prefix + "condition",
          prefix
              + "condition: on_success, on_failure or always, not '"
              + clip(link.condition())
              + "'");
    }
    return new ProcedureLink(link.from(), link.to(), link.when().wire());
  }

  static List<ProcedureLink> normalized(List<ProcedureLink> links) {
    List<ProcedureLink> out = new ArrayList<>();
    for (int i = 0; i < links.size(); i++) {
      out.add(link(links.get(i), "links[" + i + "]."));
    }
    return out;
  }

  /**
   * The new node checked as the graph validator checks a node (type, required parameters, ranges)
   * and each link touching it; the validator runs on the node with stand-ins for the nodes its
   * links name, so duplicates and self-links are caught too.
   */
  static void checkAddNode(AddNode body) {
    ProcedureNode node = body.node();
    if (node.id() == null || !ID.matcher(node.id()).matches()) {
      throw ApiException.badRequest(
          "node.id", "node.id: 1..100 of letters, digits, _ . - (got '" + clip(node.id()) + "')");
    }
    List<ProcedureLink> links = body.links() == null ? List.of() : normalized(body.links());
    Set<String> others = new LinkedHashSet<>();
    for (int i = 0; i < links.size(); i++) {
      ProcedureLink l = links.get(i);
      if (!l.from().equals(node.id()) && !l.to().equals(node.id())) {
        throw ApiException.badRequest(
            "links[" + i + "]",
            "links["
                + i
                + "]: '"
                + l.from()
                + "' -> '"
                + l.to()
                + "' does not touch the new node '"
                + node.id()
                + "'");
      }
      others.add(l.from());
      others.add(l.to());
    }
    others.remove(node.id());
    List<ProcedureNode> nodes = new ArrayList<>();
    nodes.add(node);
    for (String other : others) {
      // Stand-ins: the real nodes are the workflow's to check.
      nodes.add(
          new ProcedureNode(
              other, "delay", new NodeParameters(null, null, null, null, null, null, 1, null)));
    }
    List<GraphProblem> problems =
        ProcedureGraphValidator.problems(new ProcedureGraph(nodes, links), "graph");
    if (!problems.isEmpty()) {
      List<Map<String, Object>> listed = new ArrayList<>();
      for (GraphProblem p : problems) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("field", field(p.field()));
        m.put("node", p.node());
        m.put("message", p.message());
        listed.add(m);
      }
      String detail =
          String.join(
              "; ",
              problems.stream().limit(20).map(p -> field(p.field()) + ": " + p.message()).toList());
      throw new ApiException(
          HttpStatus.BAD_REQUEST,
          detail,
          field(problems.get(0).field()),
          Map.of("problems", listed));
    }
  }

  private static String field(String validatorField) {
    return validatorField.replace("graph.nodes[0]", "node").replace("graph.", "");
  }

  /** Override values in range; which apply depends on the node's type (the workflow's check). */
  static void checkParameters(NodeParameters p) {
    if (p == null) {
      throw ApiException.badRequest("body", "body: the parameters to replace are required");
    }
    if (p.apid() == null
        && p.command() == null
        && p.payloadHex() == null
        && p.verifier() == null
        && p.condition() == null
        && p.timeoutSeconds() == null
        && p.durationSeconds() == null
        && p.prompt() == null) {
      throw ApiException.badRequest("body", "body: at least one parameter to replace is required");
    }
    if (p.apid() != null && (p.apid() < 0 || p.apid() > ProcedureGraphValidator.MAX_APID)) {
      throw ApiException.badRequest(
          "apid", "apid: 0.." + ProcedureGraphValidator.MAX_APID + ", not " + p.apid());
    }
    text("command", p.command());
    text("prompt", p.prompt());
    if (p.payloadHex() != null && !HEX.matcher(p.payloadHex()).matches()) {
      throw ApiException.badRequest(
          "payload_hex", "payload_hex: hex digits in pairs (at most 4096 bytes)");
    }
    seconds("timeout_seconds", p.timeoutSeconds());
    seconds("duration_seconds", p.durationSeconds());
    if (p.condition() != null) {
      condition("condition", p.condition());
    }
    if (p.verifier() != null) {
      Verifier v = p.verifier();
      if (Verifier.PARAMETER.equals(v.type())) {
        if (v.condition() == null) {
          throw ApiException.badRequest(
              "verifier.condition", "verifier.condition: required for a parameter verifier");
        }
        condition("verifier.condition", v.condition());
      } else if (!Verifier.ACK.equals(v.type())) {
        throw ApiException.badRequest(
            "verifier.type", "verifier.type: ack or parameter, not '" + clip(v.type()) + "'");
      }
    }
  }

  private static void condition(String field, ParameterCondition c) {
    if (c.parameter() == null || c.parameter().isBlank() || c.parameter().length() > 1000) {
      throw ApiException.badRequest(
          field + ".parameter", field + ".parameter: a parameter name is required");
    }
    if (!ParameterCondition.OPS.contains(c.op())) {
      throw ApiException.badRequest(
          field + ".op",
          field
              + ".op: one of "
              + String.join(" ", ParameterCondition.OPS)
              + ", not '"
              + clip(c.op())
              + "'");
    }
    if (c.value() == null || c.value().isNaN() || c.value().isInfinite()) {
      throw ApiException.badRequest(field + ".value", field + ".value: a finite number");
    }
  }

  private static void text(String field, String value) {
    if (value != null && (value.isBlank() || value.length() > 1000)) {
      throw ApiException.badRequest(field, field + ": 1..1000 characters");
    }
  }

  private static void seconds(String field, Integer value) {
    if (value != null && (value < 1 || value > ProcedureGraphValidator.MAX_SECONDS)) {
      throw ApiException.badRequest(
          field, field + ": 1.." + ProcedureGraphValidator.MAX_SECONDS + ", not " + value);
    }
  }

  static String clip(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
