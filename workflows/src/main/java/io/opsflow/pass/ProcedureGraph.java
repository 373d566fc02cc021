package io.opsflow.pass;

import java.util.List;

/**
 * What a pass runs between preprocessing and postprocessing: actions (nodes) and the links between
 * them. Every node no link leads to is a start node; start nodes, and any nodes whose links are
 * satisfied at the same time, run concurrently. Checked by {@link ProcedureGraphValidator}.
 *
 * @param nodes the actions, each with an id unique in the graph
 * @param links which node runs after which, and on what outcome
 */
public record ProcedureGraph(List<ProcedureNode> nodes, List<ProcedureLink> links) {

  /** A graph without actions: the pass only opens and closes its ground-station link. */
  public static ProcedureGraph empty() {
    return new ProcedureGraph(List.of(), List.of());
  }
}
