package io.opsflow.build;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/** Collects every problem of one parse, and the paths of keys accepted but not run. */
final class PipelineProblems {

  private final List<PipelineProblem> problems = new ArrayList<>();
  private final List<String> ignored = new ArrayList<>();

  /** A problem at the start of {@code node}. */
  void at(Node node, String path, String message) {
    at(node.getStartMark(), path, message);
  }

  /** A problem at {@code mark}; SnakeYAML marks are 0-based, problems 1-based. */
  void at(Mark mark, String path, String message) {
    if (mark == null) {
      document(path, message);
    } else {
      problems.add(new PipelineProblem(mark.getLine() + 1, mark.getColumn() + 1, path, message));
    }
  }

  /** A problem at a 1-based line and column. */
  void at(int line, int column, String path, String message) {
    problems.add(new PipelineProblem(line, column, path, message));
  }

  /** A problem of the document as a whole (line and column 0). */
  void document(String path, String message) {
    problems.add(new PipelineProblem(0, 0, path, message));
  }

  void ignore(String path) {
    ignored.add(path);
  }

  List<String> ignored() {
    return ignored;
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  /** Every problem, in reading order (stable for problems at the same place). */
  PipelineException exception() {
    List<PipelineProblem> sorted = new ArrayList<>(problems);
    sorted.sort(
        Comparator.comparingInt(PipelineProblem::line).thenComparingInt(PipelineProblem::column));
    return new PipelineException(sorted);
  }
}
