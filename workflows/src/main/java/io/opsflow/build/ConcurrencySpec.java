package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The pipeline's {@code concurrency}: builds of the same group (per pipeline) run one at a time; a
 * newer build waiting for the group replaces an older waiting one (which is cancelled), and with
 * {@code cancel-in-progress} it cancels the running one too.
 *
 * @param group the group, possibly with {@code ${{ }}} over {@code github}, {@code inputs}
 * @param cancelInProgress {@code cancel-in-progress}
 */
public record ConcurrencySpec(String group, boolean cancelInProgress) {

  static ConcurrencySpec read(Entry entry, PipelineProblems problems) {
    if (entry.value() instanceof ScalarNode scalar && !entry.isNull()) {
      String group = PipelineNodes.nonBlankString(entry, problems);
      if (group == null
          || !PipelineExpressions.check(
              scalar, entry.path(), PipelineExpressions.WORKFLOW, problems)) {
        return null;
      }
      return new ConcurrencySpec(group, false);
    }
    if (!(entry.value() instanceof MappingNode map)) {
      problems.at(
          PipelineNodes.anchor(entry),
          entry.path(),
          "concurrency must be a group name or a mapping with group, got "
              + PipelineNodes.describe(entry.value()));
      return null;
    }
    String group = null;
    boolean cancel = false;
    for (Entry e : PipelineNodes.entries(map, entry.path(), problems)) {
      switch (e.key()) {
        case "group" -> {
          group = PipelineNodes.nonBlankString(e, problems);
          if (group != null
              && !PipelineExpressions.check(
                  (ScalarNode) e.value(), e.path(), PipelineExpressions.WORKFLOW, problems)) {
            group = null;
          }
        }
        case "cancel-in-progress" -> cancel = PipelineNodes.bool(e, problems);
        default -> problems.ignore(e.path());
      }
    }
    if (group == null) {
      problems.at(
          entry.keyNode(), PipelineNodes.path(entry.path(), "group"), "concurrency needs a group");
      return null;
    }
    return new ConcurrencySpec(group, cancel);
  }
}
