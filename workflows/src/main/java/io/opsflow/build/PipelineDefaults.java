package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.nodes.MappingNode;

/**
 * {@code defaults.run} at workflow or job level: the {@code shell} and {@code working-directory} of
 * steps that do not set their own (the job's defaults win over the workflow's).
 *
 * @param shell the default shell, or null
 * @param workingDirectory the default working directory, or null
 */
record PipelineDefaults(String shell, String workingDirectory) {

  static final PipelineDefaults NONE = new PipelineDefaults(null, null);

  static PipelineDefaults read(Entry defaults, PipelineProblems problems) {
    if (defaults.isNull()) {
      return NONE;
    }
    if (!(defaults.value() instanceof MappingNode map)) {
      problems.at(
          defaults.value(),
          defaults.path(),
          "defaults must be a mapping with run, got " + PipelineNodes.describe(defaults.value()));
      return NONE;
    }
    String shell = null;
    String dir = null;
    for (Entry entry : PipelineNodes.entries(map, defaults.path(), problems)) {
      if (!entry.key().equals("run")) {
        problems.ignore(entry.path());
        continue;
      }
      if (entry.isNull()) {
        continue;
      }
      if (!(entry.value() instanceof MappingNode run)) {
        problems.at(
            entry.value(),
            entry.path(),
            "defaults.run must be a mapping with shell or working-directory, got "
                + PipelineNodes.describe(entry.value()));
        continue;
      }
      for (Entry r : PipelineNodes.entries(run, entry.path(), problems)) {
        switch (r.key()) {
          case "shell" -> shell = PipelineSteps.shell(r, problems);
          case "working-directory" -> dir = PipelineNodes.nonBlankString(r, problems);
          default -> problems.ignore(r.path());
        }
      }
    }
    return new PipelineDefaults(shell, dir);
  }

  /** The steps with these defaults where they set nothing themselves. */
  List<StepSpec> apply(List<StepSpec> steps) {
    if (shell == null && workingDirectory == null) {
      return steps;
    }
    List<StepSpec> out = new ArrayList<>();
    for (StepSpec s : steps) {
      out.add(
          new StepSpec(
              s.name(),
              s.run(),
              s.env(),
              s.id(),
              s.shell() != null ? s.shell() : shell,
              s.workingDirectory() != null ? s.workingDirectory() : workingDirectory,
              s.continueOnError(),
              s.timeoutMinutes(),
              s.ifExpression(),
              s.when()));
    }
    return out;
  }
}
