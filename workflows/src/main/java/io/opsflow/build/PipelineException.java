package io.opsflow.build;

import java.util.List;

/** A pipeline YAML that cannot run: every problem found, each with its line and column. */
public final class PipelineException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient List<PipelineProblem> problems;

  public PipelineException(List<PipelineProblem> problems) {
    super(problems.isEmpty() ? "invalid pipeline" : problems.get(0).toString());
    this.problems = List.copyOf(problems);
  }

  public List<PipelineProblem> problems() {
    return problems;
  }
}
