package io.opsflow.pass;

/**
 * One action of a procedure graph.
 *
 * @param id unique in the graph: letters, digits, {@code _ . -}
 * @param type one of the {@link ActionType} wire names, e.g. {@code send_telecommand}
 * @param parameters what the action needs; which fields are required depends on the type
 */
public record ProcedureNode(String id, String type, NodeParameters parameters) {}
