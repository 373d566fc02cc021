package io.opsflow.pass;

import java.time.Instant;
import java.util.List;

/**
 * The inputs of {@link PassWorkflow}'s updates. Every one names the operator (from the caller's
 * token, set by the API) and is recorded as a {@code scheduled_pass_actions} row.
 */
public final class PassOperations {

  private PassOperations() {}

  /**
   * Moves a pass that has not started, or changes its plan; absent fields keep their value.
   *
   * @param version when given, applies only to this row version (the API's optimistic lock)
   */
  public record Reschedule(
      String operator,
      Instant aos,
      Instant los,
      Integer leadTimeSeconds,
      ProcedureGraph procedure,
      java.util.Map<String, String> parameters,
      Integer version) {}

  /** Ends the pass, before or during its execution; the executor is torn down. */
  public record Cancel(String operator, String reason) {}

  /** An operation with no argument but its operator: stop, restart, pause, resume. */
  public record OperatorOnly(String operator) {}

  /**
   * Acts on one node, or with {@code branch} on the node and everything reachable from it: skip,
   * unskip, re-run, remove.
   */
  public record NodeOperation(String operator, String nodeId, boolean branch) {}

  /** Replaces some parameters of a node that has not started (non-null fields replace). */
  public record Override(String operator, String nodeId, NodeParameters parameters) {}

  /** Adds a node to the running graph, with links to and from existing nodes. */
  public record AddNode(String operator, ProcedureNode node, List<ProcedureLink> links) {}

  /** Adds or removes one link. */
  public record LinkOperation(String operator, ProcedureLink link) {}

  /**
   * What to do about a failed action waiting for a decision (COSMOS): {@code retry} runs it again,
   * {@code go} skips it and goes on as if it succeeded, {@code stop} leaves it failed.
   */
  public record Decision(String operator, String nodeId, String decision) {

    public static final String RETRY = "retry";
    public static final String GO = "go";
    public static final String STOP = "stop";
  }

  /** An operator's answer to an {@code operator_confirm} node. */
  public record Confirmation(String operator, String nodeId, boolean confirmed, String comment) {}
}
