package io.opsflow.build;

import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Checks every mapping of the document, ignored parts included, for duplicate keys and merge keys.
 * SnakeYAML would either keep the last duplicate silently or stop at the first; here each duplicate
 * is reported at its second occurrence.
 */
final class PipelineKeys {

  private final PipelineProblems problems;
  // Aliases share nodes and may even make a node contain itself: visit each node once.
  private final Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());

  private PipelineKeys(PipelineProblems problems) {
    this.problems = problems;
  }

  static void check(Node root, PipelineProblems problems) {
    new PipelineKeys(problems).walk(root, "");
  }

  private void walk(Node node, String path) {
    if (!visited.add(node)) {
      return;
    }
    if (node instanceof SequenceNode sequence) {
      List<Node> items = sequence.getValue();
      for (int i = 0; i < items.size(); i++) {
        walk(items.get(i), path + "[" + i + "]");
      }
    } else if (node instanceof MappingNode mapping) {
      Set<String> seen = new HashSet<>();
      for (NodeTuple tuple : mapping.getValue()) {
        Node key = tuple.getKeyNode();
        String childPath = path;
        if (key instanceof ScalarNode scalar) {
          childPath = PipelineNodes.path(path, scalar.getValue());
          checkKey(scalar, path, childPath, seen);
        } else {
          walk(key, path);
        }
        walk(tuple.getValueNode(), childPath);
      }
    }
  }

  private void checkKey(ScalarNode key, String path, String childPath, Set<String> seen) {
    if (Tag.MERGE.equals(key.getTag())) {
      problems.at(
          key,
          childPath,
          "merge keys (<<) are not supported; use an alias (*name) for a whole value instead");
    } else if (!seen.add(key.getValue())) {
      String what = path.equals("jobs") ? "duplicate job id '" : "duplicate key '";
      problems.at(key, childPath, what + key.getValue() + "'");
    }
  }
}
