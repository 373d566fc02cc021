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
    String id = null;
    String shell = null;
    String dir = null;
    boolean continueOnError = false;
    Integer timeout = null;
    String condition = null;
    for (Entry entry : PipelineNodes.entries(step, path, problems)) {
      switch (entry.key()) {
        case "run" -> run = entry;
        case "uses" -> uses = entry;
        case "id" -> id = stepId(entry);
        case "shell" -> shell = shell(entry, problems);
        case "working-directory" -> {
          dir = PipelineNodes.nonBlankString(entry, problems);
          if (dir != null) {
            PipelineExpressions.check(
                (ScalarNode) entry.value(), entry.path(), PipelineExpressions.STEP, problems);
          }
        }
        case "continue-on-error" -> continueOnError = PipelineNodes.bool(entry, problems);
        case "timeout-minutes" ->
            timeout =
                PipelineNodes.integer(
                    entry, 1, Integer.MAX_VALUE, "a positive integer (minutes)", problems);
        case "if" -> condition = stepIf(entry);
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
        steps.add(
            new StepSpec(
                name, script, env, id, shell, dir, continueOnError, timeout, condition, null));
      }
    }
  }

  private final java.util.Set<String> ids = new java.util.HashSet<>();

  private String stepId(Entry entry) {
    String id = PipelineNodes.nonBlankString(entry, problems);
    if (id == null) {
      return null;
    }
    if (!id.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
      problems.at(
          entry.value(),
          entry.path(),
          "step id '"
              + id
              + "' must start with a letter or '_' and contain only letters, digits,"
              + " '-' and '_'");
      return null;
    }
    if (!ids.add(id)) {
      problems.at(entry.value(), entry.path(), "step id '" + id + "' is used twice in this job");
      return null;
    }
    return id;
  }

  private String stepIf(Entry entry) {
    if (!(entry.value() instanceof ScalarNode scalar) || entry.isNull()) {
      problems.at(
          PipelineNodes.anchor(entry),
          entry.path(),
          "if must be an expression, got " + PipelineNodes.describe(entry.value()));
      return null;
    }
    if (scalar.getTag().getValue().startsWith("!")) {
      problems.at(
          scalar,
          entry.path(),
          "if starting with '!' must be quoted or wrapped: if: \"!cancelled()\" or"
              + " if: ${{ !cancelled() }}");
      return null;
    }
    return PipelineExpressions.checkCondition(
            scalar, entry.path(), PipelineExpressions.STEP, problems)
        ? scalar.getValue()
        : null;
  }

  /** {@code bash}, {@code sh}, {@code python}, or a command holding {@code {0}}. */
  static String shell(Entry entry, PipelineProblems problems) {
    String shell = PipelineNodes.nonBlankString(entry, problems);
    if (shell == null) {
      return null;
    }
    if (shell.equals("bash")
        || shell.equals("sh")
        || shell.equals("python")
        || shell.contains("{0}")) {
      return shell;
    }
    problems.at(
        entry.value(),
        entry.path(),
        "shell must be bash, sh, python or a command with {0} for the script file, got '"
            + shell
            + "'");
    return null;
  }

  private void invalid(Node node, String path, String message) {
    problems.at(node, path, message);
    invalidSteps++;
  }

  private static String describe(Node node) {
    return PipelineNodes.describe(node);
  }
}
