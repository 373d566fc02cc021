package io.opsflow.pass;

import static io.opsflow.pass.Graphs.check;
import static io.opsflow.pass.Graphs.confirm;
import static io.opsflow.pass.Graphs.delay;
import static io.opsflow.pass.Graphs.graph;
import static io.opsflow.pass.Graphs.link;
import static io.opsflow.pass.Graphs.telecommand;
import static io.opsflow.pass.Graphs.waitTelemetry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcedureGraphValidatorTest {

  private static List<GraphProblem> problems(ProcedureGraph graph) {
    return ProcedureGraphValidator.problems(graph, "procedure");
  }

  @Test
  void aGraphOfEveryActionTypeWithBranchesIsValid() {
    ProcedureGraph g =
        graph(
            List.of(
                telecommand("ping"),
                waitTelemetry("mode"),
                delay("settle"),
                check("vbat"),
                confirm("go")),
            List.of(
                link("ping", "mode"),
                new ProcedureLink("ping", "go", "on_failure"),
                new ProcedureLink("mode", "settle", "always"),
                new ProcedureLink("settle", "vbat", null)));
    assertThat(problems(g)).isEmpty();
    assertThat(ProcedureGraphValidator.check(g, "procedure")).isSameAs(g);
  }

  @Test
  void anEmptyGraphIsValid() {
    assertThat(problems(ProcedureGraph.empty())).isEmpty();
    assertThat(problems(new ProcedureGraph(null, null))).isEmpty();
  }

  @Test
  void duplicateNodeIdsAreRefusedNamingTheNode() {
    List<GraphProblem> found = problems(graph(List.of(delay("a"), delay("a")), List.of()));
    assertThat(found)
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.field()).isEqualTo("procedure.nodes[1].id");
              assertThat(p.node()).isEqualTo("a");
              assertThat(p.message()).contains("duplicate id");
            });
  }

  @Test
  void anUnknownActionTypeIsRefusedNamingTheNode() {
    ProcedureNode odd = new ProcedureNode("x", "launch_rocket", null);
    assertThat(problems(graph(List.of(delay("a"), odd), List.of())))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.field()).isEqualTo("procedure.nodes[1].type");
              assertThat(p.message()).contains("node 'x'", "unknown action type 'launch_rocket'");
            });
  }

  @Test
  void eachTypesRequiredParametersAreChecked() {
    NodeParameters none = new NodeParameters(null, null, null, null, null, null, null, null);
    List<ProcedureNode> nodes = new ArrayList<>();
    for (ActionType t : ActionType.values()) {
      nodes.add(new ProcedureNode(t.wire(), t.wire(), none));
    }
    List<String> fields =
        problems(graph(nodes, List.of())).stream().map(GraphProblem::field).toList();
    assertThat(fields)
        .containsExactlyInAnyOrder(
            "procedure.nodes[0].parameters.apid",
            "procedure.nodes[0].parameters.command",
            "procedure.nodes[0].parameters.verifier",
            "procedure.nodes[0].parameters.timeout_seconds",
            "procedure.nodes[1].parameters.condition",
            "procedure.nodes[1].parameters.timeout_seconds",
            "procedure.nodes[2].parameters.duration_seconds",
            "procedure.nodes[3].parameters.condition",
            "procedure.nodes[4].parameters.prompt",
            "procedure.nodes[4].parameters.timeout_seconds");
  }

  @Test
  void aParameterVerifierNeedsAValidCondition() {
    ProcedureNode tc =
        new ProcedureNode(
            "tc",
            "send_telecommand",
            new NodeParameters(
                3000,
                "ARM",
                "abc",
                new Verifier("parameter", new ParameterCondition("", "between", Double.NaN)),
                null,
                0,
                null,
                null));
    assertThat(problems(graph(List.of(tc), List.of())))
        .extracting(GraphProblem::field)
        .containsExactlyInAnyOrder(
            "procedure.nodes[0].parameters.apid",
            "procedure.nodes[0].parameters.payload_hex",
            "procedure.nodes[0].parameters.verifier.condition.parameter",
            "procedure.nodes[0].parameters.verifier.condition.op",
            "procedure.nodes[0].parameters.verifier.condition.value",
            "procedure.nodes[0].parameters.timeout_seconds");
  }

  @Test
  void danglingLinksAndUnknownConditionsAreRefused() {
    List<GraphProblem> found =
        problems(
            graph(
                List.of(delay("a"), delay("b")),
                List.of(
                    link("a", "ghost"),
                    link("nobody", "b"),
                    new ProcedureLink("a", "b", "sometimes"))));
    assertThat(found)
        .extracting(GraphProblem::field)
        .containsExactly(
            "procedure.links[0].to", "procedure.links[1].from", "procedure.links[2].condition");
    assertThat(found.get(0).message()).contains("dangling", "'ghost'");
  }

  @Test
  void aCycleIsRefusedNamingItsNodes() {
    ProcedureGraph g =
        graph(
            List.of(delay("a"), delay("b"), delay("c")),
            List.of(link("a", "b"), link("b", "c"), link("c", "b")));
    assertThatThrownBy(() -> ProcedureGraphValidator.check(g, "procedure"))
        .isInstanceOf(ProcedureGraphException.class)
        .hasMessageContaining("procedure.nodes[1]")
        .hasMessageContaining("cycle: b -> c -> b");
  }

  @Test
  void aSelfLinkIsACycle() {
    assertThat(problems(graph(List.of(delay("a")), List.of(link("a", "a")))))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("cycle: a -> a"));
  }

  @Test
  void duplicateLinksAndNullEntriesAreRefused() {
    List<GraphProblem> found =
        problems(
            graph(
                Arrays.asList(delay("a"), null, delay("b")),
                Arrays.asList(link("a", "b"), link("a", "b"), null)));
    assertThat(found)
        .extracting(GraphProblem::field)
        .containsExactly("procedure.nodes[1]", "procedure.links[1]", "procedure.links[2]");
  }

  @Test
  void nodeIdsMustBeWellFormed() {
    assertThat(problems(graph(List.of(delay("a b")), List.of())))
        .singleElement()
        .satisfies(p -> assertThat(p.field()).isEqualTo("procedure.nodes[0].id"));
  }
}
