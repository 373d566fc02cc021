package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the validator over random DAGs of 1 to 40 nodes of every action type: links only go
 * from a node generated earlier to a later one, and the nodes are listed in a shuffled order.
 */
class ProcedureGraphPropertyTest {

  private static final int TRIES = 300;

  /** A generated DAG: the graph, and its links as generation-order pairs (earlier, later). */
  record Dag(ProcedureGraph graph, int size, List<int[]> edges) {

    static String id(int i) {
      return "n" + i;
    }

    /** Whether {@code to} is reachable from {@code from} (a node reaches itself). */
    boolean reaches(int from, int to) {
      Set<Integer> seen = new HashSet<>(List.of(from));
      List<Integer> todo = new ArrayList<>(List.of(from));
      while (!todo.isEmpty()) {
        int n = todo.remove(todo.size() - 1);
        for (int[] e : edges) {
          if (e[0] == n && seen.add(e[1])) {
            todo.add(e[1]);
          }
        }
      }
      return seen.contains(to);
    }
  }

  @Provide
  Arbitrary<Dag> dags() {
    return Arbitraries.integers()
        .between(1, 40)
        .flatMap(
            n ->
                Combinators.combine(
                        Arbitraries.integers()
                            .between(0, n - 1)
                            .tuple2()
                            .filter(t -> !t.get1().equals(t.get2()))
                            .list()
                            .ofMaxSize(3 * n),
                        Arbitraries.integers().between(0, 4).list().ofSize(n),
                        Arbitraries.integers().between(0, 2).list().ofSize(3 * n),
                        Arbitraries.shuffle(range(n)))
                    .as(
                        (pairs, kinds, conditions, order) -> {
                          Set<String> distinct = new LinkedHashSet<>();
                          List<int[]> edges = new ArrayList<>();
                          for (var t : pairs) {
                            int a = Math.min(t.get1(), t.get2());
                            int b = Math.max(t.get1(), t.get2());
                            if (distinct.add(a + ">" + b)) {
                              edges.add(new int[] {a, b});
                            }
                          }
                          List<ProcedureNode> nodes = new ArrayList<>();
                          for (int i : order) {
                            nodes.add(Graphs.ofKind(kinds.get(i), Dag.id(i)));
                          }
                          List<ProcedureLink> links = new ArrayList<>();
                          for (int k = 0; k < edges.size(); k++) {
                            links.add(
                                new ProcedureLink(
                                    Dag.id(edges.get(k)[0]),
                                    Dag.id(edges.get(k)[1]),
                                    LinkCondition.values()[conditions.get(k)].wire()));
                          }
                          return new Dag(new ProcedureGraph(nodes, links), n, edges);
                        }));
  }

  private static List<Integer> range(int n) {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      r.add(i);
    }
    return r;
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void randomDagsValidate(@ForAll("dags") Dag dag) {
    assertThat(ProcedureGraphValidator.problems(dag.graph(), "procedure")).isEmpty();
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void aBackEdgeIsAlwaysRefusedAsACycleNamingANodeOnIt(@ForAll("dags") Dag dag, @ForAll long pick) {
    // Any pair (x, y) with y reachable from x: the link y -> x closes a cycle through both.
    List<int[]> reachable = new ArrayList<>();
    for (int x = 0; x < dag.size(); x++) {
      for (int y = 0; y < dag.size(); y++) {
        if (dag.reaches(x, y)) {
          reachable.add(new int[] {x, y});
        }
      }
    }
    int[] pair = reachable.get((int) Math.floorMod(pick, (long) reachable.size()));
    List<ProcedureLink> links = new ArrayList<>(dag.graph().links());
    links.add(new ProcedureLink(Dag.id(pair[1]), Dag.id(pair[0]), "always"));
    List<GraphProblem> found =
        ProcedureGraphValidator.problems(
            new ProcedureGraph(dag.graph().nodes(), links), "procedure");
    assertThat(found).isNotEmpty();
    assertThat(found)
        .allSatisfy(
            p -> {
              assertThat(p.message()).contains("is on a cycle");
              int node = Integer.parseInt(p.node().substring(1));
              // On the cycle: reachable from x and reaching y, through the new link y -> x.
              assertThat(dag.reaches(pair[0], node) && dag.reaches(node, pair[1]))
                  .as(p + " names a node on the cycle through " + pair[1] + " -> " + pair[0])
                  .isTrue();
              String field = p.field();
              int position =
                  Integer.parseInt(field.substring(field.indexOf('[') + 1, field.indexOf(']')));
              assertThat(dag.graph().nodes().get(position).id()).isEqualTo(p.node());
            });
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void removingANodeMakesItsLinksDangling(@ForAll("dags") Dag dag, @ForAll long pick) {
    List<ProcedureNode> nodes = new ArrayList<>(dag.graph().nodes());
    ProcedureNode removed = nodes.remove((int) Math.floorMod(pick, (long) nodes.size()));
    List<String> expected = new ArrayList<>();
    List<ProcedureLink> links = dag.graph().links();
    for (int i = 0; i < links.size(); i++) {
      if (links.get(i).from().equals(removed.id())) {
        expected.add("procedure.links[" + i + "].from");
      }
      if (links.get(i).to().equals(removed.id())) {
        expected.add("procedure.links[" + i + "].to");
      }
    }
    List<GraphProblem> found =
        ProcedureGraphValidator.problems(new ProcedureGraph(nodes, links), "procedure");
    assertThat(found).extracting(GraphProblem::field).containsExactlyElementsOf(expected);
    assertThat(found)
        .allSatisfy(p -> assertThat(p.message()).contains("dangling", "'" + removed.id() + "'"));
  }
}
