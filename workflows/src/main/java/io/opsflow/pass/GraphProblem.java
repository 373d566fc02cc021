package io.opsflow.pass;

/**
 * One thing wrong with a procedure graph.
 *
 * @param field where, e.g. {@code procedure.nodes[3].parameters.apid} or {@code
 *     procedure.links[0].to}
 * @param node the id of the node concerned, null when none is (an empty link end)
 * @param message what is wrong, naming the node, e.g. {@code node 'ping': apid is required}
 */
public record GraphProblem(String field, String node, String message) {
  @Override
  public String toString() {
    return field + ": " + message;
  }
}
