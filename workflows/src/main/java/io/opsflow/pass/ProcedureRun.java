package io.opsflow.pass;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One run of a procedure graph: the state of every node, which nodes may start, and the operators'
 * edits. Pure Java and deterministic (insertion-ordered collections only), so {@link
 * PassWorkflowImpl} interprets the graph with it and tests drive it without Temporal.
 *
 * <p>Semantics. A node no link leads to is a start node. A pending node is decided once every
 * predecessor has finished ({@code succeeded, failed, skipped, not_run, stopped}): when at least
 * one incoming link's condition holds ({@code on_success}: the source succeeded or was skipped;
 * {@code on_failure}: it failed; {@code always}: it succeeded, was skipped or failed) it is ready
 * (or {@code skipped} when an operator asked so), otherwise it is {@code not_run}, which
 * propagates. The run is over when no node is pending, running or awaiting an operator; it failed
 * when a node failed and no outgoing {@code on_failure} or {@code always} link handles that
 * failure.
 *
 * <p>Edits are refused, naming the node and its state, on nodes that are running or finished, and
 * whenever the edited graph would not pass {@link ProcedureGraphValidator}. Each {@code checkX}
 * throws what {@code x} would (IllegalArgumentException for unknown nodes and invalid graphs,
 * IllegalStateException for a node in the wrong state) without changing anything.
 */
public final class ProcedureRun {

  private static final Set<String> FINISHED =
      Set.of(
          NodeState.SUCCEEDED,
          NodeState.FAILED,
          NodeState.SKIPPED,
          NodeState.NOT_RUN,
          NodeState.STOPPED);

  /** One node's mutable state. */
  private static final class Node {
    ProcedureNode spec;
    String status = NodeState.PENDING;
    boolean skipRequested;
    boolean forced;
    int runs;
    String detail;
    Instant startedAt;
    Instant endedAt;

    Node(ProcedureNode spec) {
      this.spec = spec;
    }

    NodeState view() {
      return new NodeState(spec.id(), status, skipRequested, runs, detail, startedAt, endedAt);
    }
  }

  private final int number;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private List<ProcedureLink> links;

  /** Run {@code number} (1 for the first) of {@code graph}, every node pending. */
  public ProcedureRun(ProcedureGraph graph, int number) {
    this.number = number;
    List<ProcedureNode> specs = graph == null || graph.nodes() == null ? List.of() : graph.nodes();
    for (ProcedureNode spec : specs) {
      nodes.put(spec.id(), new Node(spec));
    }
    this.links = graph == null || graph.links() == null ? List.of() : List.copyOf(graph.links());
  }

  /** The next run of the graph as it now is (dynamic edits kept), every node pending again. */
  public ProcedureRun restart() {
    return new ProcedureRun(graph(), number + 1);
  }

  public int number() {
    return number;
  }

  /** The graph as it now is: dynamic nodes and links, overridden parameters. */
  public ProcedureGraph graph() {
    return new ProcedureGraph(
        nodes.values().stream().map(n -> n.spec).toList(), List.copyOf(links));
  }

  public ProcedureNode node(String id) {
    return known(id).spec;
  }

  public boolean contains(String id) {
    return nodes.containsKey(id);
  }

  public String status(String id) {
    return known(id).status;
  }

  /** How often the node's action started in this run: its current attempt. */
  public int runs(String id) {
    return known(id).runs;
  }

  public NodeState view(String id) {
    return known(id).view();
  }

  /** Every node's state, in graph order. */
  public List<NodeState> views() {
    return nodes.values().stream().map(Node::view).toList();
  }

  /** The run key of the node's current attempt: {@code <nodeId>/<run>/<attempt>}. */
  public String runKey(String id) {
    return id + "/" + number + "/" + known(id).runs;
  }

  // ---- the engine ----------------------------------------------------------------------------

  /**
   * Decides every pending node whose predecessors have all finished, until nothing changes: those
   * no link lets through become {@code not_run}, those an operator skipped become {@code skipped};
   * returns the others, ready to start, in graph order (they stay pending until {@link #start}).
   */
  public List<String> advance(Instant at) {
    List<String> ready = new ArrayList<>();
    boolean changed = true;
    while (changed) {
      changed = false;
      ready.clear();
      for (Node node : nodes.values()) {
        if (!node.status.equals(NodeState.PENDING)) {
          continue;
        }
        List<ProcedureLink> incoming = incoming(node.spec.id());
        if (!incoming.stream().allMatch(l -> finished(nodes.get(l.from()).status))) {
          continue;
        }
        boolean through =
            node.forced
                || incoming.isEmpty()
                || incoming.stream().anyMatch(l -> holds(l, nodes.get(l.from()).status));
        if (!through) {
          end(node, NodeState.NOT_RUN, "no incoming link's condition held", at);
          changed = true;
        } else if (node.skipRequested) {
          end(node, NodeState.SKIPPED, "skipped by an operator", at);
          changed = true;
        } else {
          ready.add(node.spec.id());
        }
      }
    }
    return ready;
  }

  /**
   * The node's action starts (attempt + 1): {@code running}, or {@code awaiting_confirmation} for
   * an {@code operator_confirm} node.
   */
  public void start(String id, Instant at) {
    Node node = known(id);
    node.status =
        ActionType.OPERATOR_CONFIRM.wire().equals(node.spec.type())
            ? NodeState.AWAITING_CONFIRMATION
            : NodeState.RUNNING;
    node.runs++;
    node.forced = false;
    node.detail = null;
    node.startedAt = at;
    node.endedAt = null;
  }

  public void succeed(String id, String detail, Instant at) {
    end(known(id), NodeState.SUCCEEDED, detail, at);
  }

  public void fail(String id, String detail, Instant at) {
    end(known(id), NodeState.FAILED, detail, at);
  }

  /** The node's action was cancelled (stop, cancel, the window's end). */
  public void stop(String id, String detail, Instant at) {
    end(known(id), NodeState.STOPPED, detail, at);
  }

  /** A failed action an operator may retry, go on from (skip) or stop (COSMOS). */
  public void awaitDecision(String id, String detail, Instant at) {
    Node node = known(id);
    node.status = NodeState.AWAITING_DECISION;
    node.detail = detail;
    node.endedAt = at;
  }

  /** Whether an outgoing {@code on_failure} or {@code always} link handles the node's failure. */
  public boolean failureHandled(String id) {
    known(id);
    return links.stream()
        .anyMatch(
            l ->
                l.from().equals(id)
                    && (l.when() == LinkCondition.ON_FAILURE || l.when() == LinkCondition.ALWAYS));
  }

  /**
   * Ends whatever has not finished: running and confirming nodes {@code stopped}, nodes awaiting a
   * decision {@code failed}, pending ones {@code not_run}; returns those nodes, in graph order.
   */
  public List<String> stopAll(String detail, Instant at) {
    List<String> unfinished = new ArrayList<>();
    for (Node node : nodes.values()) {
      switch (node.status) {
        case NodeState.RUNNING, NodeState.AWAITING_CONFIRMATION ->
            end(node, NodeState.STOPPED, detail, at);
        case NodeState.AWAITING_DECISION ->
            end(node, NodeState.FAILED, node.detail + "; " + detail, at);
        case NodeState.PENDING -> end(node, NodeState.NOT_RUN, detail, at);
        default -> {
          continue;
        }
      }
      unfinished.add(node.spec.id());
    }
    return unfinished;
  }

  /** No node is pending, running or waiting for an operator. */
  public boolean over() {
    return nodes.values().stream().allMatch(n -> finished(n.status));
  }

  /** The nodes running or waiting for an operator, in graph order. */
  public List<String> active() {
    return nodes.values().stream()
        .filter(n -> !finished(n.status) && !n.status.equals(NodeState.PENDING))
        .map(n -> n.spec.id())
        .toList();
  }

  /** The failed nodes no outgoing link handles, in graph order: the run failed when any. */
  public List<String> failures() {
    return nodes.values().stream()
        .filter(n -> n.status.equals(NodeState.FAILED) && !failureHandled(n.spec.id()))
        .map(n -> n.spec.id())
        .toList();
  }

  /** Why the run failed, e.g. {@code node 'ping' failed: rejected}; null when it did not. */
  public String failureReason() {
    List<String> failed = failures();
    if (failed.isEmpty()) {
      return null;
    }
    return failed.stream()
        .map(id -> "node '" + id + "' failed" + detailOf(nodes.get(id)))
        .collect(Collectors.joining("; "));
  }

  private static String detailOf(Node node) {
    return node.detail == null || node.detail.isBlank() ? "" : ": " + node.detail;
  }

  // ---- operator edits ------------------------------------------------------------------------

  /** Skip: the node (with {@code branch} also every pending node reachable from it) is skipped. */
  public void checkSkip(String id, boolean branch) {
    Node node = known(id);
    if (node.status.equals(NodeState.AWAITING_DECISION)) {
      throw new IllegalStateException(
          "node '" + id + "' failed and waits for a decision: decide go to skip it");
    }
    requirePending(node, "skipped");
    if (node.skipRequested && !branch) {
      throw new IllegalStateException("node '" + id + "' is already skipped");
    }
  }

  public void skip(String id, boolean branch) {
    checkSkip(id, branch);
    for (String n : branch ? branch(id) : List.of(id)) {
      Node node = nodes.get(n);
      if (node.status.equals(NodeState.PENDING)) {
        node.skipRequested = true;
      }
    }
  }

  public void checkUnskip(String id, boolean branch) {
    Node node = known(id);
    requirePending(node, "unskipped");
    if (!node.skipRequested) {
      throw new IllegalStateException("node '" + id + "' is not skipped");
    }
  }

  public void unskip(String id, boolean branch) {
    checkUnskip(id, branch);
    for (String n : branch ? branch(id) : List.of(id)) {
      Node node = nodes.get(n);
      if (node.status.equals(NodeState.PENDING)) {
        node.skipRequested = false;
      }
    }
  }

  /**
   * Override: replaces the non-null parameters of a node that has not started (or failed and waits
   * for a decision, so a retry runs with them).
   */
  public ProcedureGraph checkOverride(String id, NodeParameters parameters) {
    Node node = known(id);
    if (!node.status.equals(NodeState.AWAITING_DECISION)) {
      requirePending(node, "overridden");
    }
    if (parameters == null) {
      throw new IllegalArgumentException("node '" + id + "': parameters to override are required");
    }
    ProcedureNode changed =
        new ProcedureNode(id, node.spec.type(), merge(node.spec.parameters(), parameters));
    List<ProcedureNode> specs = new ArrayList<>();
    for (Node n : nodes.values()) {
      specs.add(n == node ? changed : n.spec);
    }
    return validated(new ProcedureGraph(specs, links));
  }

  public void override(String id, NodeParameters parameters) {
    ProcedureGraph changed = checkOverride(id, parameters);
    nodes.get(id).spec = changed.nodes().stream().filter(n -> n.id().equals(id)).findFirst().get();
  }

  /**
   * Add node: a new pending node with links to and from existing nodes; a link into an existing
   * node needs that node not to have started.
   */
  public ProcedureGraph checkAddNode(ProcedureNode node, List<ProcedureLink> newLinks) {
    if (node == null || node.id() == null || node.id().isBlank()) {
      throw new IllegalArgumentException("a node with an id is required");
    }
    if (nodes.containsKey(node.id())) {
      throw new IllegalArgumentException("node '" + node.id() + "' already exists");
    }
    List<ProcedureLink> added = newLinks == null ? List.of() : newLinks;
    for (ProcedureLink link : added) {
      if (link == null) {
        throw new IllegalArgumentException("node '" + node.id() + "': a link is null");
      }
      if (!node.id().equals(link.from()) && !node.id().equals(link.to())) {
        throw new IllegalArgumentException(
            "link '"
                + link.from()
                + "' -> '"
                + link.to()
                + "' does not touch the new node '"
                + node.id()
                + "': add it on its own");
      }
      if (!node.id().equals(link.to()) && nodes.containsKey(link.to())) {
        requirePending(nodes.get(link.to()), "given a new link");
      }
    }
    List<ProcedureNode> specs = new ArrayList<>(nodes.values().stream().map(n -> n.spec).toList());
    specs.add(node);
    List<ProcedureLink> all = new ArrayList<>(links);
    all.addAll(added);
    return validated(new ProcedureGraph(specs, all));
  }

  public void addNode(ProcedureNode node, List<ProcedureLink> newLinks) {
    ProcedureGraph changed = checkAddNode(node, newLinks);
    nodes.put(node.id(), new Node(node));
    links = changed.links();
  }

  /** Remove node: the node (with {@code branch} every node reachable from it) and its links. */
  public void checkRemoveNode(String id, boolean branch) {
    known(id);
    for (String n : branch ? branch(id) : List.of(id)) {
      requirePending(nodes.get(n), "removed");
    }
  }

  public void removeNode(String id, boolean branch) {
    checkRemoveNode(id, branch);
    List<String> removed = branch ? branch(id) : List.of(id);
    removed.forEach(nodes::remove);
    links =
        links.stream()
            .filter(l -> !removed.contains(l.from()) && !removed.contains(l.to()))
            .toList();
  }

  /** Add link: between existing nodes, into a node that has not started, making no cycle. */
  public ProcedureGraph checkAddLink(ProcedureLink link) {
    if (link == null) {
      throw new IllegalArgumentException("a link is required");
    }
    if (link.to() != null && nodes.containsKey(link.to())) {
      requirePending(nodes.get(link.to()), "given a new link");
    }
    List<ProcedureLink> all = new ArrayList<>(links);
    all.add(link);
    return validated(new ProcedureGraph(graph().nodes(), all));
  }

  public void addLink(ProcedureLink link) {
    links = checkAddLink(link).links();
  }

  /** Remove link: an existing link into a node that has not started. */
  public void checkRemoveLink(ProcedureLink link) {
    if (link == null) {
      throw new IllegalArgumentException("a link is required");
    }
    if (find(link) < 0) {
      throw new IllegalArgumentException(
          "no link '"
              + link.from()
              + "' -> '"
              + link.to()
              + "' ("
              + (link.when() == null ? link.condition() : link.when().wire())
              + ")");
    }
    requirePending(nodes.get(link.to()), "cut from a link");
  }

  public void removeLink(ProcedureLink link) {
    checkRemoveLink(link);
    List<ProcedureLink> all = new ArrayList<>(links);
    all.remove(find(link));
    links = List.copyOf(all);
  }

  /**
   * Re-run: a finished node runs again (with {@code branch} also every node reachable from it, as
   * their links decide); refused while any of them runs or waits for an operator.
   */
  public void checkRerun(String id, boolean branch) {
    Node node = known(id);
    if (!finished(node.status)) {
      throw new IllegalStateException(
          "node '" + id + "' " + describe(node.status) + ": only a finished node can be re-run");
    }
    if (branch) {
      for (String n : branch(id)) {
        Node descendant = nodes.get(n);
        if (!finished(descendant.status) && !descendant.status.equals(NodeState.PENDING)) {
          throw new IllegalStateException(
              "node '"
                  + n
                  + "' in the branch of '"
                  + id
                  + "' "
                  + describe(descendant.status)
                  + ": the branch cannot be re-run");
        }
      }
    }
  }

  public void rerun(String id, boolean branch) {
    checkRerun(id, branch);
    for (String n : branch ? branch(id) : List.of(id)) {
      Node node = nodes.get(n);
      node.status = NodeState.PENDING;
      node.skipRequested = false;
      node.detail = null;
      node.endedAt = null;
    }
    nodes.get(id).forced = true;
  }

  /** Decide: retry, go or stop for a node awaiting a decision. */
  public void checkDecide(String id, String decision) {
    Node node = known(id);
    if (!node.status.equals(NodeState.AWAITING_DECISION)) {
      throw new IllegalStateException(
          "node '" + id + "' " + describe(node.status) + ": it does not wait for a decision");
    }
    if (!List.of(
            PassOperations.Decision.RETRY, PassOperations.Decision.GO, PassOperations.Decision.STOP)
        .contains(decision)) {
      throw new IllegalArgumentException(
          "decision must be retry, go or stop, not '" + decision + "'");
    }
  }

  /**
   * Applies the decision: retry starts the node's next attempt at once, go skips it (it counts as
   * succeeded for its links), stop leaves it failed.
   */
  public void decide(String id, String decision, String operator, Instant at) {
    checkDecide(id, decision);
    Node node = nodes.get(id);
    String by = operator == null || operator.isBlank() ? "" : " by " + operator;
    switch (decision) {
      case PassOperations.Decision.RETRY -> start(id, at);
      case PassOperations.Decision.GO ->
          end(node, NodeState.SKIPPED, node.detail + "; went on" + by, at);
      default -> end(node, NodeState.FAILED, node.detail + "; stopped" + by, at);
    }
  }

  /** Confirm: answers a node awaiting confirmation. */
  public void checkConfirm(String id) {
    Node node = known(id);
    if (!node.status.equals(NodeState.AWAITING_CONFIRMATION)) {
      throw new IllegalStateException(
          "node '" + id + "' " + describe(node.status) + ": it does not wait for a confirmation");
    }
  }

  public void confirm(String id, boolean confirmed, String operator, String comment, Instant at) {
    checkConfirm(id);
    String by = operator == null || operator.isBlank() ? "" : " by " + operator;
    String why = comment == null || comment.isBlank() ? "" : ": " + comment;
    if (confirmed) {
      succeed(id, "confirmed" + by + why, at);
    } else {
      fail(id, "declined" + by + why, at);
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The node and every node reachable from it, in graph order. */
  public List<String> branch(String id) {
    known(id);
    Set<String> seen = new LinkedHashSet<>(List.of(id));
    Deque<String> todo = new ArrayDeque<>(List.of(id));
    while (!todo.isEmpty()) {
      String n = todo.poll();
      for (ProcedureLink l : links) {
        if (l.from().equals(n) && seen.add(l.to())) {
          todo.add(l.to());
        }
      }
    }
    return nodes.keySet().stream().filter(seen::contains).toList();
  }

  private Node known(String id) {
    Node node = id == null ? null : nodes.get(id);
    if (node == null) {
      throw new IllegalArgumentException("unknown node '" + id + "'");
    }
    return node;
  }

  private static void requirePending(Node node, String what) {
    if (!node.status.equals(NodeState.PENDING)) {
      throw new IllegalStateException(
          "node '" + node.spec.id() + "' " + describe(node.status) + ": it cannot be " + what);
    }
  }

  /** A node's state as a phrase: {@code is running}, {@code has already succeeded}, ... */
  static String describe(String status) {
    return switch (status) {
      case NodeState.PENDING -> "has not run yet";
      case NodeState.RUNNING -> "is running";
      case NodeState.AWAITING_CONFIRMATION -> "is waiting for an operator's confirmation";
      case NodeState.AWAITING_DECISION -> "failed and is waiting for a decision";
      case NodeState.SUCCEEDED -> "has already succeeded";
      case NodeState.FAILED -> "has already failed";
      case NodeState.SKIPPED -> "was already skipped";
      case NodeState.NOT_RUN -> "has already ended without running";
      case NodeState.STOPPED -> "was stopped";
      default -> "is " + status;
    };
  }

  private List<ProcedureLink> incoming(String id) {
    return links.stream().filter(l -> l.to().equals(id)).toList();
  }

  private int find(ProcedureLink link) {
    for (int i = 0; i < links.size(); i++) {
      ProcedureLink l = links.get(i);
      if (l.from().equals(link.from()) && l.to().equals(link.to()) && l.when() == link.when()) {
        return i;
      }
    }
    return -1;
  }

  private static boolean finished(String status) {
    return FINISHED.contains(status);
  }

  private static boolean holds(ProcedureLink link, String source) {
    boolean success = source.equals(NodeState.SUCCEEDED) || source.equals(NodeState.SKIPPED);
    boolean failure = source.equals(NodeState.FAILED);
    return switch (link.when()) {
      case ON_SUCCESS -> success;
      case ON_FAILURE -> failure;
      case ALWAYS -> success || failure;
    };
  }

  private static void end(Node node, String status, String detail, Instant at) {
    node.status = status;
    node.detail = detail;
    node.endedAt = at;
  }

  private static ProcedureGraph validated(ProcedureGraph graph) {
    List<GraphProblem> problems = ProcedureGraphValidator.problems(graph, "procedure");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          problems.stream().map(GraphProblem::message).collect(Collectors.joining("; ")));
    }
    return graph;
  }

  private static NodeParameters merge(NodeParameters base, NodeParameters o) {
    NodeParameters b =
        base != null ? base : new NodeParameters(null, null, null, null, null, null, null, null);
    return new NodeParameters(
        o.apid() != null ? o.apid() : b.apid(),
        o.command() != null ? o.command() : b.command(),
        o.payloadHex() != null ? o.payloadHex() : b.payloadHex(),
        o.verifier() != null ? o.verifier() : b.verifier(),
        o.condition() != null ? o.condition() : b.condition(),
        o.timeoutSeconds() != null ? o.timeoutSeconds() : b.timeoutSeconds(),
        o.durationSeconds() != null ? o.durationSeconds() : b.durationSeconds(),
        o.prompt() != null ? o.prompt() : b.prompt());
  }
}
