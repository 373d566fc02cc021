package io.opsflow.build;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Collects every problem of one parse, and the paths of keys accepted but not run. */
final class PipelineProblems {

  private final List<PipelineProblem> problems = new ArrayList<>();
  private final List<String> ignored = new ArrayList<>();
  private String[] sourceLines = new String[0];

  /** The text being parsed: lets {@link #atOffset} place problems inside block scalars. */
  void source(String text) {
    sourceLines = text == null ? new String[0] : text.split("\r?\n|\r", -1);
  }

  /**
   * A problem at character {@code offset} of a scalar's value (e.g. inside an expression): on its
   * own line and column for plain and quoted one-line scalars and for literal blocks ({@code |}),
   * else at the scalar's start.
   */
  void atOffset(ScalarNode node, int offset, String path, String message) {
    Mark start = node.getStartMark();
    String value = node.getValue();
    int off = Math.max(0, Math.min(offset, value.length()));
    String before = value.substring(0, off);
    DumperOptions.ScalarStyle style = node.getScalarStyle();
    if (start == null) {
      document(path, message);
    } else if (before.indexOf('\n') < 0
        && (style == DumperOptions.ScalarStyle.PLAIN
            || style == DumperOptions.ScalarStyle.SINGLE_QUOTED
            || style == DumperOptions.ScalarStyle.DOUBLE_QUOTED)) {
      int quote = style == DumperOptions.ScalarStyle.PLAIN ? 0 : 1;
      at(start.getLine() + 1, start.getColumn() + 1 + quote + off, path, message);
    } else if (style == DumperOptions.ScalarStyle.LITERAL) {
      int lines = (int) before.chars().filter(c -> c == '\n').count();
      int column = off - (before.lastIndexOf('\n') + 1);
      int line = start.getLine() + 1 + lines; // 0-based: the content starts below the '|'
      int indent = 0;
      if (line < sourceLines.length) {
        String text = sourceLines[line];
        while (indent < text.length() && text.charAt(indent) == ' ') {
          indent++;
        }
      }
      at(line + 1, indent + column + 1, path, message);
    } else {
      at(node, path, message);
    }
  }

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

  int count() {
    return problems.size();
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
