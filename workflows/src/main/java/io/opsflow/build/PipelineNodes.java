package io.opsflow.build;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Reading typed values off YAML nodes, each wrong type a problem naming the field. */
final class PipelineNodes {

  /** One {@code key: value} of a mapping, with the dotted path of the value. */
  record Entry(String key, Node keyNode, Node value, String path) {
    boolean isNull() {
      return PipelineNodes.isNull(value);
    }
  }

  private PipelineNodes() {}

  static String path(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /**
   * The entries of a mapping with string keys, first occurrence of each key only (duplicates and
   * merge keys are reported once for the whole tree by {@link PipelineKeys}).
   */
  static List<Entry> entries(MappingNode map, String path, PipelineProblems problems) {
    List<Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (NodeTuple tuple : map.getValue()) {
      Node key = tuple.getKeyNode();
      if (!(key instanceof ScalarNode scalar)) {
        problems.at(key, path, "keys must be strings, got " + describe(key));
        continue;
      }
      if (Tag.MERGE.equals(scalar.getTag()) || !seen.add(scalar.getValue())) {
        continue;
      }
      entries.add(
          new Entry(scalar.getValue(), key, tuple.getValueNode(), path(path, scalar.getValue())));
    }
    return entries;
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode scalar && Tag.NULL.equals(scalar.getTag());
  }

  /** A short description of a node for messages: {@code a mapping}, {@code a list}, {@code 'x'}. */
  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    if (isNull(node)) {
      return "nothing";
    }
    String text = node instanceof ScalarNode scalar ? scalar.getValue() : String.valueOf(node);
    return "'" + (text.length() > 40 ? text.substring(0, 37) + "..." : text) + "'";
  }

  /** The text of a scalar, null when the value is null, else a problem and null. */
  static String optionalString(Entry entry, PipelineProblems problems) {
    if (entry.isNull()) {
      return null;
    }
    if (entry.value() instanceof ScalarNode scalar) {
      return scalar.getValue();
    }
    problems.at(
        entry.value(),
        entry.path(),
        entry.key() + " must be a string, got " + describe(entry.value()));
    return null;
  }

  /** Like {@link #optionalString} but blank text is a problem too. */
  static String nonBlankString(Entry entry, PipelineProblems problems) {
    String text = optionalString(entry, problems);
    if (text != null && text.isBlank()) {
      problems.at(entry.value(), entry.path(), entry.key() + " must not be empty");
      return null;
    }
    return text;
  }

  /** A whole number in {@code [min, max]}, else a problem (worded by {@code expected}) and null. */
  static Integer integer(
      Entry entry, int min, int max, String expected, PipelineProblems problems) {
    if (entry.value() instanceof ScalarNode scalar && scalar.getValue().matches("[0-9]{1,10}")) {
      long value = Long.parseLong(scalar.getValue());
      if (value >= min && value <= max) {
        return (int) value;
      }
    }
    problems.at(
        anchor(entry),
        entry.path(),
        entry.key() + " must be " + expected + ", got " + describe(entry.value()));
    return null;
  }

  /** {@code true} or {@code false} (YAML 1.2 spellings), else a problem and false. */
  static boolean bool(Entry entry, PipelineProblems problems) {
    if (entry.value() instanceof ScalarNode scalar) {
      switch (scalar.getValue()) {
        case "true", "True", "TRUE" -> {
          return true;
        }
        case "false", "False", "FALSE" -> {
          return false;
        }
        default -> {}
      }
    }
    problems.at(
        anchor(entry),
        entry.path(),
        entry.key() + " must be true or false, got " + describe(entry.value()));
    return false;
  }

  /**
   * Where a problem about an entry's value is shown: the value itself, or the key when the value is
   * null (a null's position is just past the colon, which reads oddly).
   */
  static Node anchor(Entry entry) {
    return entry.isNull() ? entry.keyNode() : entry.value();
  }
}
