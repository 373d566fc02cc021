package io.opsflow.pass;

import java.util.List;
import java.util.stream.Collectors;

/** A procedure graph refused, with every problem found. */
public class ProcedureGraphException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient List<GraphProblem> problems;

  public ProcedureGraphException(List<GraphProblem> problems) {
    super(problems.stream().map(GraphProblem::toString).collect(Collectors.joining("; ")));
    this.problems = List.copyOf(problems);
  }

  public List<GraphProblem> problems() {
    return problems;
  }
}
