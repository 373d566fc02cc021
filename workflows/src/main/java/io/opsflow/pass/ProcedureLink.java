package io.opsflow.pass;

/**
 * {@code to} runs after {@code from} ended with the outcome the condition names.
 *
 * @param from the node that runs first
 * @param to the node that runs after it
 * @param condition {@code on_success} (when absent), {@code on_failure} or {@code always}
 */
public record ProcedureLink(String from, String to, String condition) {

  /** The condition, {@link LinkCondition#ON_SUCCESS} when none is given; null when unknown. */
  public LinkCondition when() {
    return condition == null ? LinkCondition.ON_SUCCESS : LinkCondition.of(condition);
  }
}
