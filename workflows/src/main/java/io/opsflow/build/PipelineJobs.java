package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The {@code jobs:} mapping. Keys opsflow does not run ({@code runs-on}, {@code services}, {@code
 * uses}, ...) are listed as ignored.
 */
final class PipelineJobs {

  // GitHub's rule for job ids.
  private static final Pattern ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
  private static final int MAX_RETRIES = 10;

  private final PipelineProblems problems;

  private PipelineJobs(PipelineProblems problems) {
    this.problems = problems;
  }

  /** Every job in the order written (invalid ones included, so needs on them stay known). */
  static List<PipelineJob> read(Entry jobs, PipelineProblems problems) {
    if (jobs.isNull()) {
      problems.at(jobs.keyNode(), jobs.path(), "jobs must not be empty");
      return List.of();
    }
    if (!(jobs.value() instanceof MappingNode map)) {
      problems.at(
          jobs.value(),
          jobs.path(),
          "jobs must be a mapping of job ids to jobs, got " + PipelineNodes.describe(jobs.value()));
      return List.of();
    }
    if (map.getValue().isEmpty()) {
      problems.at(map, jobs.path(), "jobs must not be empty");
      return List.of();
    }
    PipelineJobs reader = new PipelineJobs(problems);
    List<PipelineJob> result = new ArrayList<>();
    for (Entry job : PipelineNodes.entries(map, jobs.path(), problems)) {
      result.add(reader.job(job));
    }
    return result;
  }

  private PipelineJob job(Entry job) {
    if (!ID.matcher(job.key()).matches()) {
      problems.at(
          job.keyNode(),
          job.path(),
          "job id '"
              + job.key()
              + "' must start with a letter or '_' and contain only letters, digits, '-' and '_'");
    }
    if (!(job.value() instanceof MappingNode map)) {
      problems.at(
          PipelineNodes.anchor(job),
          job.path(),
          "job must be a mapping with steps, got " + PipelineNodes.describe(job.value()));
      return new PipelineJob(
          new JobSpec(job.key(), job.key(), null, null, null, null, null, false, null, 0),
          List.of());
    }
    String name = null;
    List<PipelineJob.Need> needs = List.of();
    Entry containerEntry = null;
    Entry imageEntry = null;
    String image = null;
    Map<String, String> env = Map.of();
    Entry steps = null;
    List<StepSpec> stepSpecs = List.of();
    Integer timeout = null;
    boolean continueOnError = false;
    JobCondition condition = null;
    Integer retries = null;
    String ifExpression = null;
    MatrixSpec strategy = null;
    PipelineDefaults defaults = PipelineDefaults.NONE;
    Map<String, String> outputs = Map.of();
    for (Entry entry : PipelineNodes.entries(map, job.path(), problems)) {
      switch (entry.key()) {
        case "name" -> {
          name = PipelineNodes.optionalString(entry, problems);
          if (name != null) {
            PipelineExpressions.check(
                (ScalarNode) entry.value(), entry.path(), PipelineExpressions.JOB, problems);
          }
        }
        case "needs" -> needs = needs(entry);
        case "container" -> {
          containerEntry = entry;
          image = containerImage(entry);
        }
        case "image" -> {
          imageEntry = entry;
          image = PipelineNodes.nonBlankString(entry, problems);
          checkImage(entry, image);
        }
        case "env" -> env = PipelineEnv.read(entry, PipelineExpressions.JOB, problems);
        case "strategy" -> strategy = PipelineMatrix.read(entry, problems);
        case "defaults" -> defaults = PipelineDefaults.read(entry, problems);
        case "outputs" -> outputs = outputs(entry);
        case "steps" -> {
          steps = entry;
          stepSpecs = PipelineSteps.read(steps, job.keyNode(), job.path(), problems);
        }
        case "timeout-minutes" ->
            timeout =
                PipelineNodes.integer(
                    entry, 1, Integer.MAX_VALUE, "a positive integer (minutes)", problems);
        case "continue-on-error" -> continueOnError = PipelineNodes.bool(entry, problems);
        case "if" -> {
          condition = condition(entry);
          if (condition != null || ifValid(entry)) {
            ifExpression = ((ScalarNode) entry.value()).getValue();
          }
        }
        case "retries" ->
            retries =
                PipelineNodes.integer(
                    entry, 0, MAX_RETRIES, "an integer from 0 to " + MAX_RETRIES, problems);
        default -> problems.ignore(entry.path());
      }
    }
    if (steps == null) {
      PipelineSteps.read(null, job.keyNode(), job.path(), problems);
    }
    if (containerEntry != null && imageEntry != null) {
      // Reported at whichever comes second, like a duplicate key.
      Entry second =
          containerEntry.keyNode().getStartMark().getIndex()
                  > imageEntry.keyNode().getStartMark().getIndex()
              ? containerEntry
              : imageEntry;
      problems.at(second.keyNode(), second.path(), "use either image or container.image, not both");
    }
    JobSpec spec =
        new JobSpec(
            job.key(),
            name == null ? job.key() : name,
            needs.stream().map(PipelineJob.Need::id).toList(),
            image,
            env,
            defaults.apply(stepSpecs),
            timeout,
            continueOnError,
            condition,
            retries == null ? 0 : retries,
            ifExpression,
            null,
            outputs);
    return new PipelineJob(spec, needs, strategy);
  }

  /** {@code outputs}: names to expressions over the job's {@code steps.<id>.outputs}. */
  private Map<String, String> outputs(Entry entry) {
    Map<String, String> outputs = new java.util.LinkedHashMap<>();
    if (entry.isNull()) {
      return outputs;
    }
    if (!(entry.value() instanceof MappingNode map)) {
      problems.at(
          entry.value(),
          entry.path(),
          "outputs must be a mapping of names to expressions, got "
              + PipelineNodes.describe(entry.value()));
      return outputs;
    }
    for (Entry output : PipelineNodes.entries(map, entry.path(), problems)) {
      if (!(output.value() instanceof ScalarNode scalar) || output.isNull()) {
        problems.at(
            PipelineNodes.anchor(output),
            output.path(),
            "output '"
                + output.key()
                + "' must be a string, usually ${{ steps.<id>.outputs.<name> }}");
        continue;
      }
      PipelineExpressions.check(scalar, output.path(), PipelineExpressions.JOB_OUTPUTS, problems);
      outputs.put(output.key(), scalar.getValue());
    }
    return outputs;
  }

  /** {@code needs: a} or {@code needs: [a, b]}; each id once. */
  private List<PipelineJob.Need> needs(Entry entry) {
    if (entry.isNull()) {
      return List.of();
    }
    List<PipelineJob.Need> needs = new ArrayList<>();
    if (entry.value() instanceof ScalarNode scalar) {
      needs.add(new PipelineJob.Need(scalar.getValue(), scalar, entry.path()));
      return needs;
    }
    if (!(entry.value() instanceof SequenceNode list)) {
      problems.at(
          entry.value(),
          entry.path(),
          "needs must be a job id or a list of job ids, got "
              + PipelineNodes.describe(entry.value()));
      return needs;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.getValue().size(); i++) {
      Node item = list.getValue().get(i);
      String path = entry.path() + "[" + i + "]";
      if (!(item instanceof ScalarNode scalar) || PipelineNodes.isNull(item)) {
        problems.at(item, path, "needs must list job ids, got " + PipelineNodes.describe(item));
      } else if (!seen.add(scalar.getValue())) {
        problems.at(item, path, "needs '" + scalar.getValue() + "' more than once");
      } else {
        needs.add(new PipelineJob.Need(scalar.getValue(), scalar, path));
      }
    }
    return needs;
  }

  private JobCondition condition(Entry entry) {
    if (entry.value() instanceof ScalarNode scalar && !entry.isNull()) {
      if (scalar.getTag().getValue().startsWith("!")) {
        // An unquoted `if: !cancelled()` is a YAML tag on an empty value, as GitHub warns.
        problems.at(
            scalar,
            entry.path(),
            "if starting with '!' must be quoted or wrapped: if: \"!cancelled()\" or"
                + " if: ${{ !cancelled() }}");
        return null;
      }
      // The legacy forms keep their enum (builds and tools that read it); the scheduler evaluates
      // the expression either way.
      return PipelineCondition.parse(scalar.getValue());
    }
    problems.at(
        PipelineNodes.anchor(entry),
        entry.path(),
        "if must be an expression, e.g. github.ref == 'refs/heads/main' or ${{ always() }}, got "
            + PipelineNodes.describe(entry.value()));
    return null;
  }

  /** Whether a non-legacy {@code if:} is a valid expression (else its problems are reported). */
  private boolean ifValid(Entry entry) {
    if (!(entry.value() instanceof ScalarNode scalar)
        || entry.isNull()
        || scalar.getTag().getValue().startsWith("!")) {
      return false;
    }
    return PipelineExpressions.checkCondition(
        scalar, entry.path(), PipelineExpressions.JOB_IF, problems);
  }

  private void checkImage(Entry entry, String image) {
    if (image != null && entry.value() instanceof ScalarNode scalar) {
      PipelineExpressions.check(scalar, entry.path(), PipelineExpressions.JOB, problems);
    }
  }

  /** {@code container: img} or {@code container: {image: img}}; other container keys ignored. */
  private String containerImage(Entry container) {
    if (container.isNull()) {
      return null;
    }
    if (container.value() instanceof ScalarNode) {
      String image = PipelineNodes.nonBlankString(container, problems);
      checkImage(container, image);
      return image;
    }
    if (!(container.value() instanceof MappingNode map)) {
      problems.at(
          container.value(),
          container.path(),
          "container must be an image or a mapping with image, got "
              + PipelineNodes.describe(container.value()));
      return null;
    }
    String result = null;
    boolean hasImage = false;
    for (Entry entry : PipelineNodes.entries(map, container.path(), problems)) {
      if (entry.key().equals("image")) {
        hasImage = !entry.isNull();
        result = PipelineNodes.nonBlankString(entry, problems);
        checkImage(entry, result);
      } else {
        problems.ignore(entry.path());
      }
    }
    if (!hasImage) {
      problems.at(
          container.keyNode(),
          PipelineNodes.path(container.path(), "image"),
          "container needs an image");
    }
    return result;
  }
}
