package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of {@link ProcedureRun} over random DAGs of 1 to 30 nodes with random link conditions,
 * random action outcomes and random operator skips: the engine, driven to the end with every ready
 * node started at once (as the workflow does), agrees with the semantics computed node by node in
 * topological order.
 */
class ProcedureRunPropertyTest {

  private static final int TRIES = 300;
  private static final Instant T = Instant.parse("2026-12-04T10:00:00Z");

  /**
   * A generated procedure: links go from a node generated earlier to a later one (so generation
   * order is topological); nodes are listed shuffled.
   */
  record Case(
      ProcedureGraph graph,
      int size,
      List<ProcedureLink> links,
      List<Boolean> fails,
      Set<Integer> skipped) {

    static String id(int i) {
      return "n" + i;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    return Arbitraries.integers()
        .between(1, 30)
        .flatMap(
            n ->
                Combinators.combine(
                        Arbitraries.integers()
                            .between(0, n - 1)
                            .tuple2()
                            .filter(t -> !t.get1().equals(t.get2()))
                            .list()
                            .ofMaxSize(3 * n),
                        Arbitraries.integers().between(0, 2).list().ofSize(3 * n),
                        Arbitraries.of(true, false, false).list().ofSize(n),
                        Arbitraries.integers()
                            .between(0, n - 1)
                            .set()
                            .ofMaxSize(Math.max(1, n / 5)),
                        Arbitraries.shuffle(range(n)))
                    .as(
                        (pairs, conditions, fails, skipped, order) -> {
                          Set<String> distinct = new LinkedHashSet<>();
                          List<ProcedureLink> links = new ArrayList<>();
                          for (var t : pairs) {
                            int a = Math.min(t.get1(), t.get2());
                            int b = Math.max(t.get1(), t.get2());
                            if (distinct.add(a + ">" + b)) {
                              links.add(
                                  new ProcedureLink(
                                      Case.id(a),
                                      Case.id(b),
                                      LinkCondition.values()[conditions.get(links.size())].wire()));
                            }
                          }
                          List<ProcedureNode> nodes = new ArrayList<>();
                          for (int i : order) {
                            nodes.add(Graphs.delay(Case.id(i)));
                          }
                          return new Case(
                              new ProcedureGraph(nodes, links), n, links, fails, skipped);
                        }));
  }

  private static List<Integer> range(int n) {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      r.add(i);
    }
    return r;
  }

  /** Runs the engine to the end: every ready node starts at once, then all of them end. */
  private static ProcedureRun drive(Case c, List<String> startOrder) {
    ProcedureRun run = new ProcedureRun(c.graph(), 1);
    for (int i : c.skipped()) {
      run.skip(Case.id(i), false);
    }
    for (int round = 0; round <= c.size(); round++) {
      List<String> ready = run.advance(T);
      if (ready.isEmpty()) {
        break;
      }
      for (String id : ready) {
        // Every predecessor has finished before a node starts.
        for (ProcedureLink l : c.links()) {
          if (l.to().equals(id)) {
            assertThat(run.active()).doesNotContain(l.from());
            assertThat(run.status(l.from())).isNotEqualTo(NodeState.PENDING);
          }
        }
        run.start(id, T);
        startOrder.add(id);
      }
      for (String id : ready) {
        if (c.fails().get(Integer.parseInt(id.substring(1)))) {
          run.fail(id, "failed", T);
        } else {
          run.succeed(id, null, T);
        }
      }
    }
    return run;
  }

  /** The status each node should end with, decided in topological (generation) order. */
  private static Map<String, String> expected(Case c) {
    Map<String, String> status = new HashMap<>();
    for (int i = 0; i < c.size(); i++) {
      String id = Case.id(i);
      List<ProcedureLink> incoming = c.links().stream().filter(l -> l.to().equals(id)).toList();
      boolean through = incoming.isEmpty() || incoming.stream().anyMatch(l -> holds(l, status));
      if (!through) {
        status.put(id, NodeState.NOT_RUN);
      } else if (c.skipped().contains(i)) {
        status.put(id, NodeState.SKIPPED);
      } else {
        status.put(id, c.fails().get(i) ? NodeState.FAILED : NodeState.SUCCEEDED);
      }
    }
    return status;
  }

  private static boolean holds(ProcedureLink l, Map<String, String> status) {
    String s = status.get(l.from());
    boolean ok = s.equals(NodeState.SUCCEEDED) || s.equals(NodeState.SKIPPED);
    return switch (l.when()) {
      case ON_SUCCESS -> ok;
      case ON_FAILURE -> s.equals(NodeState.FAILED);
      case ALWAYS -> ok || s.equals(NodeState.FAILED);
    };
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void everyNodeEndsAsTheLinkSemanticsSayAndRunsAtMostOnce(@ForAll("cases") Case c) {
    List<String> started = new ArrayList<>();
    ProcedureRun run = drive(c, started);

    assertThat(run.over()).isTrue();
    Map<String, String> expected = expected(c);
    for (NodeState node : run.views()) {
      assertThat(node.status()).as(node.nodeId()).isEqualTo(expected.get(node.nodeId()));
      boolean ran =
          node.status().equals(NodeState.SUCCEEDED) || node.status().equals(NodeState.FAILED);
      assertThat(node.runs()).as(node.nodeId()).isEqualTo(ran ? 1 : 0);
    }
    assertThat(started).doesNotHaveDuplicates();
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void theRunFailsExactlyWhenAFailureHasNoOutgoingFailureLink(@ForAll("cases") Case c) {
    ProcedureRun run = drive(c, new ArrayList<>());

    List<String> unhandled = new ArrayList<>();
    for (NodeState node : run.views()) {
      boolean handled =
          c.links().stream()
              .anyMatch(
                  l ->
                      l.from().equals(node.nodeId())
                          && (l.when() == LinkCondition.ON_FAILURE
                              || l.when() == LinkCondition.ALWAYS));
      if (node.status().equals(NodeState.FAILED) && !handled) {
        unhandled.add(node.nodeId());
      }
    }
    assertThat(run.failures()).containsExactlyElementsOf(unhandled);
    assertThat(run.failureReason() == null).isEqualTo(unhandled.isEmpty());
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void nothingInASkippedBranchRuns(@ForAll("cases") Case c, @ForAll long pick) {
    ProcedureRun plan = new ProcedureRun(c.graph(), 1);
    String root = Case.id((int) Math.floorMod(pick, (long) c.size()));
    List<String> branch = plan.branch(root);
    Case skippedBranch =
        new Case(
            c.graph(),
            c.size(),
            c.links(),
            c.fails(),
            new LinkedHashSet<>(
                branch.stream().map(id -> Integer.parseInt(id.substring(1))).toList()));

    List<String> started = new ArrayList<>();
    drive(skippedBranch, started);

    assertThat(started).doesNotContainAnyElementsOf(branch);
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void rerunningABranchRunsItAgainWithNewRunKeys(@ForAll("cases") Case c, @ForAll long pick) {
    ProcedureRun run = drive(c, new ArrayList<>());
    String root = Case.id((int) Math.floorMod(pick, (long) c.size()));
    Map<String, Integer> before = new HashMap<>();
    run.views().forEach(n -> before.put(n.nodeId(), n.runs()));

    run.rerun(root, true);
    List<String> ready = run.advance(T);

    // The root runs again whatever its links say; nothing outside its branch changed.
    assertThat(ready).contains(root);
    for (String id : ready) {
      assertThat(run.branch(root)).contains(id);
    }
    run.start(root, T);
    assertThat(run.runKey(root)).isEqualTo(root + "/1/" + (before.get(root) + 1));
    assertThat(run.over()).isFalse();
  }
}
