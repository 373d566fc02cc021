package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Parses a pipeline YAML written in GitHub Actions' job model into a validated {@link Dag}.
 *
 * <p>Read: top-level {@code name}, {@code env} and {@code jobs}; per job {@code name}, {@code
 * needs}, {@code container}/{@code image}, {@code env}, {@code steps}, {@code timeout-minutes},
 * {@code continue-on-error}, {@code if} and {@code retries}; per step {@code run}, {@code name} and
 * {@code env}. Every other key is accepted and listed in {@link Dag#ignored()}, so a workflow
 * written for GitHub parses without edits. Validation collects every problem with the line and
 * column of the offending node; a cycle is named in run order ({@code cycle: a -> b -> a}: b needs
 * a, a needs b).
 */
public final class PipelineParser {

  private PipelineParser() {}

  private static List<JobSpec> withDefaults(List<PipelineJob> jobs, PipelineDefaults defaults) {
    return jobs.stream()
        .map(PipelineJob::spec)
        .map(
            j ->
                new JobSpec(
                    j.id(),
                    j.name(),
                    j.needs(),
                    j.image(),
                    j.env(),
                    defaults.apply(j.steps()),
                    j.timeoutMinutes(),
                    j.continueOnError(),
                    j.condition(),
                    j.retries(),
                    j.ifExpression(),
                    j.matrix(),
                    j.outputs()))
        .toList();
  }

  /**
   * @param yaml the pipeline text (one YAML document, at most 1 MiB)
   * @return the pipeline's jobs in YAML order with their needs
   * @throws PipelineException with every problem found, when the pipeline cannot run
   */
  public static Dag parse(String yaml) {
    PipelineProblems problems = new PipelineProblems();
    problems.source(yaml);
    Node root = PipelineYaml.compose(yaml, problems);
    if (root == null) {
      throw problems.exception();
    }
    PipelineKeys.check(root, problems);
    if (!(root instanceof MappingNode map)) {
      problems.at(
          root, "", "pipeline must be a mapping with jobs, got " + PipelineNodes.describe(root));
      throw problems.exception();
    }
    String name = null;
    Map<String, String> env = Map.of();
    List<PipelineJob> jobs = null;
    PipelineTriggers triggers = null;
    PipelineDefaults defaults = PipelineDefaults.NONE;
    ConcurrencySpec concurrency = null;
    for (Entry entry : PipelineNodes.entries(map, "", problems)) {
      switch (entry.key()) {
        case "name" -> name = PipelineNodes.optionalString(entry, problems);
        case "env" -> env = PipelineEnv.read(entry, PipelineExpressions.WORKFLOW, problems);
        case "on", "true" -> triggers = PipelineOn.read(entry, problems);
        case "defaults" -> defaults = PipelineDefaults.read(entry, problems);
        case "concurrency" -> concurrency = ConcurrencySpec.read(entry, problems);
        case "jobs" -> jobs = PipelineJobs.read(entry, problems);
        default -> problems.ignore(entry.path());
      }
    }
    if (jobs == null) {
      problems.at(map, "jobs", "jobs is required: a mapping of job ids to jobs");
    } else {
      PipelineGraph.check(jobs, problems);
    }
    if (!problems.isEmpty()) {
      throw problems.exception();
    }
    Map<String, MatrixSpec> strategies = new java.util.LinkedHashMap<>();
    for (PipelineJob job : jobs) {
      if (job.strategy() != null) {
        strategies.put(job.id(), job.strategy());
      }
    }
    return new Dag(
        name,
        env,
        withDefaults(jobs, defaults),
        problems.ignored(),
        triggers,
        strategies,
        concurrency);
  }
}
