package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A job's {@code strategy:}: {@code matrix} (axes, {@code include}, {@code exclude}, or one
 * expression), {@code fail-fast} and {@code max-parallel}. The combinations are computed when a
 * build starts ({@link MatrixExpansion}), since axes may be expressions over the trigger.
 */
final class PipelineMatrix {

  private PipelineMatrix() {}

  static MatrixSpec read(Entry strategy, PipelineProblems problems) {
    if (strategy.isNull()) {
      return null;
    }
    if (!(strategy.value() instanceof MappingNode map)) {
      problems.at(
          strategy.value(),
          strategy.path(),
          "strategy must be a mapping with matrix, got "
              + PipelineNodes.describe(strategy.value()));
      return null;
    }
    Object matrix = null;
    boolean failFast = true;
    Integer maxParallel = null;
    boolean hasMatrix = false;
    for (Entry entry : PipelineNodes.entries(map, strategy.path(), problems)) {
      switch (entry.key()) {
        case "matrix" -> {
          hasMatrix = true;
          matrix = matrix(entry, problems);
        }
        case "fail-fast" -> failFast = PipelineNodes.bool(entry, problems);
        case "max-parallel" ->
            maxParallel =
                PipelineNodes.integer(entry, 1, Integer.MAX_VALUE, "a positive integer", problems);
        default -> problems.ignore(entry.path());
      }
    }
    if (!hasMatrix) {
      problems.at(strategy.keyNode(), strategy.path(), "strategy needs a matrix");
      return null;
    }
    return matrix == null ? null : new MatrixSpec(matrix, failFast, maxParallel);
  }

  private static Object matrix(Entry entry, PipelineProblems problems) {
    if (entry.value() instanceof ScalarNode scalar && !entry.isNull()) {
      if (!scalar.getValue().strip().startsWith("${{")
          || !PipelineExpressions.check(
              scalar, entry.path(), PipelineExpressions.STRATEGY, problems)) {
        if (!scalar.getValue().strip().startsWith("${{")) {
          problems.at(
              scalar,
              entry.path(),
              "matrix must be a mapping of axes to lists, or an expression ${{ ... }}");
        }
        return null;
      }
      return scalar.getValue();
    }
    if (!(entry.value() instanceof MappingNode map)) {
      problems.at(
          PipelineNodes.anchor(entry),
          entry.path(),
          "matrix must be a mapping of axes to lists, got "
              + PipelineNodes.describe(entry.value()));
      return null;
    }
    Map<String, Object> axes = new LinkedHashMap<>();
    int problemsBefore = problems.count();
    boolean hasAxisOrInclude = false;
    for (Entry axis : PipelineNodes.entries(map, entry.path(), problems)) {
      Node node = axis.value();
      if (node instanceof ScalarNode scalar
          && !axis.isNull()
          && scalar.getValue().strip().startsWith("${{")) {
        // The whole list (or include/exclude) from an expression, e.g. fromJSON(inputs.jdks).
        PipelineExpressions.check(scalar, axis.path(), PipelineExpressions.STRATEGY, problems);
        axes.put(axis.key(), scalar.getValue());
        hasAxisOrInclude |= !axis.key().equals("exclude");
        continue;
      }
      if (!(node instanceof SequenceNode list)) {
        problems.at(
            PipelineNodes.anchor(axis),
            axis.path(),
            "matrix "
                + (axis.key().equals("include") || axis.key().equals("exclude")
                    ? axis.key() + " must be a list of mappings"
                    : "axis '" + axis.key() + "' must be a list of values")
                + ", got "
                + PipelineNodes.describe(node));
        continue;
      }
      boolean combos = axis.key().equals("include") || axis.key().equals("exclude");
      if (list.getValue().isEmpty() && !combos) {
        problems.at(list, axis.path(), "matrix axis '" + axis.key() + "' has no values");
        continue;
      }
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < list.getValue().size(); i++) {
        Node item = list.getValue().get(i);
        String path = axis.path() + "[" + i + "]";
        if (combos && !(item instanceof MappingNode)) {
          problems.at(
              item,
              path,
              "matrix "
                  + axis.key()
                  + " entries must be mappings, got "
                  + PipelineNodes.describe(item));
          continue;
        }
        values.add(value(item, path, problems));
      }
      axes.put(axis.key(), values);
      hasAxisOrInclude |= !axis.key().equals("exclude") && !values.isEmpty();
    }
    if (!hasAxisOrInclude && problems.count() == problemsBefore) {
      problems.at(map, entry.path(), "matrix needs at least one axis or include entry");
      return null;
    }
    return axes;
  }

  /** A YAML node as an expression value: numbers as doubles, true/false, null, text. */
  static Object value(Node node, String path, PipelineProblems problems) {
    if (node instanceof ScalarNode scalar) {
      Tag tag = scalar.getTag();
      String text = scalar.getValue();
      if (Tag.NULL.equals(tag)) {
        return null;
      }
      if (Tag.BOOL.equals(tag) && text.matches("true|True|TRUE|false|False|FALSE")) {
        return Boolean.parseBoolean(text.toLowerCase(java.util.Locale.ROOT));
      }
      if ((Tag.INT.equals(tag) || Tag.FLOAT.equals(tag))
          && text.matches("[-+]?[0-9]+(\\.[0-9]*)?([eE][-+]?[0-9]+)?")) {
        return Double.parseDouble(text);
      }
      if (text.contains("${{")) {
        PipelineExpressions.check(scalar, path, PipelineExpressions.STRATEGY, problems);
      }
      return text;
    }
    if (node instanceof SequenceNode list) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < list.getValue().size(); i++) {
        values.add(value(list.getValue().get(i), path + "[" + i + "]", problems));
      }
      return values;
    }
    Map<String, Object> map = new LinkedHashMap<>();
    for (Entry e : PipelineNodes.entries((MappingNode) node, path, problems)) {
      map.put(e.key(), value(e.value(), e.path(), problems));
    }
    return map;
  }
}
