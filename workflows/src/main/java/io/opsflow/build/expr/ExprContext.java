package io.opsflow.build.expr;

import java.util.List;

/** What an expression is evaluated against: its contexts and status functions. */
public interface ExprContext {

  /** The context {@code name} (lower case: {@code github}, {@code needs}, ...), or null. */
  Object context(String name);

  /**
   * The value of a status function ({@code success}, {@code failure}, {@code always}, {@code
   * cancelled}) where the expression is evaluated.
   */
  boolean status(String function);

  /**
   * {@code hashFiles(patterns)}: the hash of the files matching the patterns in the workspace. Only
   * a runner can answer this; elsewhere it is an error.
   */
  default String hashFiles(List<String> patterns) {
    throw new ExprException(
        "hashFiles() can only be evaluated on the runner, in a step's run, env or if", -1);
  }
}
