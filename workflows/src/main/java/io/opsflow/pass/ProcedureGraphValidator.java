package io.opsflow.pass;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a procedure graph before it is saved and on every edit: node ids unique and well formed,
 * every action type known with the parameters it needs, every link between known nodes with a known
 * condition, no duplicate links, no cycles. Every problem names its field and node. Pure Java and
 * deterministic, so the pass workflow may call it too.
 *
 * <p>Roots: every node no link leads to is a start node; a graph without nodes is allowed (the pass
 * then only opens and closes its link). A non-empty acyclic graph always has a root.
 */
public final class ProcedureGraphValidator {

  public static final int MAX_NODES = 500;
  public static final int MAX_LINKS = 2000;
  public static final int MAX_SECONDS = 86_400;
  public static final int MAX_APID = 2047;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
  private static final Pattern HEX = Pattern.compile("(?:[0-9A-Fa-f]{2}){0,4096}");
  // A graph with thousands of back edges is named by its first cycles, not all of them.
  private static final int MAX_CYCLES = 10;

  private final String root;
  private final List<GraphProblem> problems = new ArrayList<>();

  private ProcedureGraphValidator(String root) {
    this.root = root;
  }

  /** Every problem of the graph, fields under {@code root} (e.g. {@code procedure}). */
  public static List<GraphProblem> problems(ProcedureGraph graph, String root) {
    ProcedureGraphValidator v = new ProcedureGraphValidator(root);
    v.check(graph);
    return List.copyOf(v.problems);
  }

  /** The graph, or {@link ProcedureGraphException} with every problem. */
  public static ProcedureGraph check(ProcedureGraph graph, String root) {
    List<GraphProblem> found = problems(graph, root);
    if (!found.isEmpty()) {
      throw new ProcedureGraphException(found);
    }
    return graph;
  }

  private void check(ProcedureGraph graph) {
    if (graph == null) {
      problem(root, null, "a procedure graph is required");
      return;
    }
    List<ProcedureNode> nodes = graph.nodes() == null ? List.of() : graph.nodes();
    List<ProcedureLink> links = graph.links() == null ? List.of() : graph.links();
    if (nodes.size() > MAX_NODES) {
      problem(root + ".nodes", null, "at most " + MAX_NODES + " nodes");
      return;
    }
    if (links.size() > MAX_LINKS) {
      problem(root + ".links", null, "at most " + MAX_LINKS + " links");
      return;
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      checkNode(i, nodes.get(i), index);
    }
    List<int[]> edges = checkLinks(links, index);
    checkCycles(nodes.size(), edges, nodes);
  }

  private void checkNode(int i, ProcedureNode node, Map<String, Integer> index) {
    String at = root + ".nodes[" + i + "]";
    if (node == null) {
      problem(at, null, "a node is required");
      return;
    }
    String id = node.id();
    if (id == null || id.isBlank()) {
      problem(at + ".id", null, "node " + i + ": an id is required");
      return;
    }
    if (!ID.matcher(id).matches()) {
      problem(at + ".id", null, "node " + i + ": id must be 1..100 of letters, digits, _ . -");
      return;
    }
    Integer first = index.putIfAbsent(id, i);
    if (first != null) {
      problem(at + ".id", id, "node '" + id + "': duplicate id (also nodes[" + first + "])");
    }
    ActionType type = ActionType.of(node.type());
    if (type == null) {
      problem(
          at + ".type",
          id,
          "node '" + id + "': unknown action type '" + node.type() + "' (known: " + known() + ")");
      return;
    }
    NodeParameters p = node.parameters();
    String params = at + ".parameters";
    if (p == null) {
      problem(params, id, "node '" + id + "': parameters are required for " + type.wire());
      return;
    }
    switch (type) {
      case SEND_TELECOMMAND -> {
        if (p.apid() == null || p.apid() < 0 || p.apid() > MAX_APID) {
          problem(params + ".apid", id, "node '" + id + "': apid 0.." + MAX_APID + " is required");
        }
        required(params + ".command", id, "command", p.command());
        if (p.payloadHex() != null && !HEX.matcher(p.payloadHex()).matches()) {
          problem(
              params + ".payload_hex",
              id,
              "node '" + id + "': payload_hex must be hex digits in pairs (at most 4096 bytes)");
        }
        verifier(params + ".verifier", id, p.verifier());
        seconds(params + ".timeout_seconds", id, "timeout_seconds", p.timeoutSeconds());
      }
      case WAIT_TELEMETRY -> {
        condition(params + ".condition", id, p.condition());
        seconds(params + ".timeout_seconds", id, "timeout_seconds", p.timeoutSeconds());
      }
      case DELAY ->
          seconds(params + ".duration_seconds", id, "duration_seconds", p.durationSeconds());
      case CHECK_PARAMETER -> condition(params + ".condition", id, p.condition());
      case OPERATOR_CONFIRM -> {
        required(params + ".prompt", id, "prompt", p.prompt());
        seconds(params + ".timeout_seconds", id, "timeout_seconds", p.timeoutSeconds());
      }
    }
  }

  private void verifier(String at, String id, Verifier verifier) {
    if (verifier == null) {
      problem(at, id, "node '" + id + "': a verifier (ack or parameter) is required");
    } else if (Verifier.ACK.equals(verifier.type())) {
      return;
    } else if (Verifier.PARAMETER.equals(verifier.type())) {
      condition(at + ".condition", id, verifier.condition());
    } else {
      problem(
          at + ".type",
          id,
          "node '"
              + id
              + "': verifier type must be ack or parameter, not '"
              + verifier.type()
              + "'");
    }
  }

  private void condition(String at, String id, ParameterCondition c) {
    if (c == null) {
      problem(at, id, "node '" + id + "': a condition is required");
      return;
    }
    required(at + ".parameter", id, "condition parameter", c.parameter());
    if (!ParameterCondition.OPS.contains(c.op())) {
      problem(
          at + ".op",
          id,
          "node '"
              + id
              + "': condition op must be one of "
              + String.join(" ", ParameterCondition.OPS));
    }
    if (c.value() == null || c.value().isNaN() || c.value().isInfinite()) {
      problem(at + ".value", id, "node '" + id + "': condition value must be a finite number");
    }
  }

  private void required(String at, String id, String name, String value) {
    if (value == null || value.isBlank()) {
      problem(at, id, "node '" + id + "': " + name + " is required");
    } else if (value.length() > 1000) {
      problem(at, id, "node '" + id + "': " + name + " is longer than 1000 characters");
    }
  }

  private void seconds(String at, String id, String name, Integer value) {
    if (value == null || value < 1 || value > MAX_SECONDS) {
      problem(at, id, "node '" + id + "': " + name + " 1.." + MAX_SECONDS + " is required");
    }
  }

  /** The links as index pairs between known nodes, after checking each. */
  private List<int[]> checkLinks(List<ProcedureLink> links, Map<String, Integer> index) {
    List<int[]> edges = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < links.size(); i++) {
      String at = root + ".links[" + i + "]";
      ProcedureLink link = links.get(i);
      if (link == null) {
        problem(at, null, "a link is required");
        continue;
      }
      Integer from = end(at + ".from", link.from(), "from", index);
      Integer to = end(at + ".to", link.to(), "to", index);
      if (link.when() == null) {
        problem(
            at + ".condition",
            link.from(),
            "link '"
                + link.from()
                + "' -> '"
                + link.to()
                + "': condition must be on_success, on_failure or always");
        continue;
      }
      if (from == null || to == null) {
        continue;
      }
      if (!seen.add(link.from() + "\u0000" + link.to() + "\u0000" + link.when())) {
        problem(at, link.from(), "duplicate link '" + link.from() + "' -> '" + link.to() + "'");
        continue;
      }
      edges.add(new int[] {from, to});
    }
    return edges;
  }

  private Integer end(String at, String id, String name, Map<String, Integer> index) {
    if (id == null || id.isBlank()) {
      problem(at, null, "link " + name + " is required");
      return null;
    }
    Integer i = index.get(id);
    if (i == null) {
      problem(at, id, "dangling link: " + name + " unknown node '" + id + "'");
    }
    return i;
  }

  /**
   * Depth-first search; each back edge closes a cycle, reported at its first node in graph order
   * (the node the back edge returns to) as {@code cycle: a -> b -> a}.
   */
  private void checkCycles(int n, List<int[]> edges, List<ProcedureNode> nodes) {
    List<List<Integer>> next = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      next.add(new ArrayList<>());
    }
    for (int[] e : edges) {
      if (!next.get(e[0]).contains(e[1])) {
        next.get(e[0]).add(e[1]);
      }
    }
    int[] state = new int[n]; // 0 unseen, 1 on the stack, 2 done
    int cycles = 0;
    for (int start = 0; start < n && cycles < MAX_CYCLES; start++) {
      if (state[start] != 0) {
        continue;
      }
      Deque<int[]> stack = new ArrayDeque<>(); // {node, next child position}
      List<Integer> path = new ArrayList<>();
      stack.push(new int[] {start, 0});
      path.add(start);
      state[start] = 1;
      while (!stack.isEmpty() && cycles < MAX_CYCLES) {
        int[] top = stack.peek();
        List<Integer> children = next.get(top[0]);
        if (top[1] == children.size()) {
          state[top[0]] = 2;
          stack.pop();
          path.remove(path.size() - 1);
          continue;
        }
        int child = children.get(top[1]++);
        if (state[child] == 1) {
          List<Integer> cycle = new ArrayList<>(path.subList(path.indexOf(child), path.size()));
          cycle.add(child);
          reportCycle(cycle, nodes);
          cycles++;
        } else if (state[child] == 0) {
          state[child] = 1;
          stack.push(new int[] {child, 0});
          path.add(child);
        }
      }
    }
  }

  private void reportCycle(List<Integer> cycle, List<ProcedureNode> nodes) {
    StringBuilder text = new StringBuilder();
    int shown = 0;
    for (int i : cycle) {
      if (shown > 0) {
        text.append(" -> ");
      }
      if (shown++ == 50 && cycle.size() > 51) {
        text.append("...");
        break;
      }
      text.append(nodes.get(i).id());
    }
    int first = cycle.get(0);
    String id = nodes.get(first).id();
    problem(root + ".nodes[" + first + "]", id, "node '" + id + "' is on a cycle: " + text);
  }

  private static String known() {
    StringBuilder s = new StringBuilder();
    for (ActionType t : ActionType.values()) {
      s.append(s.isEmpty() ? "" : ", ").append(t.wire());
    }
    return s.toString();
  }

  private void problem(String field, String node, String message) {
    problems.add(new GraphProblem(field, node, message));
  }
}
