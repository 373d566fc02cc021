package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** An {@code env:} mapping at pipeline, job or step level. */
final class PipelineEnv {

  // Names a shell can expand and every runner (Kubernetes, Docker, a process) accepts.
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private PipelineEnv() {}

  /**
   * The variables in the order written. Scalars keep their text as written ({@code 1.0} stays
   * {@code "1.0"}, {@code yes} stays {@code "yes"}); a null value is the empty string.
   */
  static Map<String, String> read(
      Entry env, java.util.Set<String> contexts, PipelineProblems problems) {
    Map<String, String> vars = new LinkedHashMap<>();
    if (env.isNull()) {
      return vars;
    }
    if (!(env.value() instanceof MappingNode map)) {
      problems.at(
          env.value(),
          env.path(),
          "env must be a mapping of names to values, got " + PipelineNodes.describe(env.value()));
      return vars;
    }
    for (Entry var : PipelineNodes.entries(map, env.path(), problems)) {
      if (!NAME.matcher(var.key()).matches()) {
        problems.at(
            var.keyNode(),
            var.path(),
            "env name '"
                + var.key()
                + "' must contain only letters, digits and '_' and not start with a digit");
      } else if (var.isNull()) {
        vars.put(var.key(), "");
      } else if (var.value() instanceof ScalarNode scalar) {
        PipelineExpressions.check(scalar, var.path(), contexts, problems);
        vars.put(var.key(), scalar.getValue());
      } else {
        problems.at(
            var.value(),
            var.path(),
            "env value of '"
                + var.key()
                + "' must be a string, number or boolean, got "
                + PipelineNodes.describe(var.value()));
      }
    }
    return vars;
  }
}
