package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A job's {@code steps:}. Only {@code run} steps are run; a {@code uses} step (an action) is
 * skipped and listed as ignored, as are step keys opsflow does not implement ({@code if}, {@code
 * shell}, {@code working-directory}, ...).
 */
final class PipelineSteps {

  private final PipelineProblems problems;
  private final List<StepSpec> steps = new ArrayList<>();
  private int usesSteps;
  private int invalidSteps;

  private PipelineSteps(PipelineProblems problems) {
    this.problems = problems;
  }

  /**
   * The run steps, in order. {@code steps} is null when the job has no {@code steps} key; "no
   * steps" is then reported at {@code jobKey}.
   */
  static List<StepSpec> read(Entry steps, Node jobKey, String jobPath, PipelineProblems problems) {
    if (steps == null || steps.isNull()) {
      problems.at(
          steps == null ? jobKey : steps.keyNode(),
          PipelineNodes.path(jobPath, "steps"),
          "job has no steps to run");
      return List.of();
    }
    if (!(steps.value() instanceof SequenceNode list)) {
      problems.at(
          steps.value(),
          steps.path(),
          "steps must be a list, got " + PipelineNodes.describe(steps.value()));
      return List.of();
    }
    if (list.getValue().isEmpty()) {
      problems.at(list, steps.path(), "job has no steps to run");
      return List.of();
    }
    PipelineSteps reader = new PipelineSteps(problems);
    for (int i = 0; i < list.getValue().size(); i++) {
      reader.step(list.getValue().get(i), steps.path() + "[" + i + "]");
    }
    if (reader.steps.isEmpty() && reader.usesSteps > 0 && reader.invalidSteps == 0) {
      problems.at(
          list,
          steps.path(),
          "job has no `run` step (steps that only `uses` an action are not run)");
    }
    return reader.steps;
  }

  private void step(Node item, String path) {
    if (!(item instanceof MappingNode step)) {
      invalid(item, path, "a step must be a mapping with a run command, got " + describe(item));
      return;
    }
    Entry run = null;
    Entry uses = null;
    String name = null;
    Map<String, String> env = Map.of();
    List<String> ignored = new ArrayList<>();
    for (Entry entry : PipelineNodes.entries(step, path, problems)) {
      switch (entry.key()) {
        case "run" -> run = entry;
        case "uses" -> uses = entry;
        case "name" -> {
          name = PipelineNodes.optionalString(entry, problems);
          if (name != null) {
            PipelineExpressions.check(
                (ScalarNode) entry.value(), entry.path(), PipelineExpressions.STEP, problems);
          }
        }
        case "env" -> env = PipelineEnv.read(entry, PipelineExpressions.STEP, problems);
        default -> ignored.add(entry.path());
      }
    }
    if (uses != null) {
      if (run != null) {
        invalid(uses.keyNode(), uses.path(), "a step has either run or uses, not both");
      } else {
        usesSteps++;
        problems.ignore(uses.path());
      }
      return;
    }
    ignored.forEach(problems::ignore);
    if (run == null) {
      invalid(step, PipelineNodes.path(path, "run"), "step has no run command");
    } else if (run.isNull()) {
      invalid(run.keyNode(), run.path(), "run must not be empty");
    } else {
      String script = PipelineNodes.nonBlankString(run, problems);
      if (script == null
          || !PipelineExpressions.check(
              (ScalarNode) run.value(), run.path(), PipelineExpressions.STEP, problems)) {
        invalidSteps++;
      } else {
        steps.add(new StepSpec(name, script, env));
      }
    }
  }

  private void invalid(Node node, String path, String message) {
    problems.at(node, path, message);
    invalidSteps++;
  }

  private static String describe(Node node) {
    return PipelineNodes.describe(node);
  }
}
