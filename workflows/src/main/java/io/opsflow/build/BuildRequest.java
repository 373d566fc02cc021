package io.opsflow.build;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Input of {@code build-<id>}.
 *
 * @param buildId the build's row id
 * @param pipelineId the pipeline the build belongs to
 * @param dag the parsed snapshot of the pipeline YAML
 * @param settings runner, parallelism, timeouts
 * @param reused jobs that succeeded in the build this one re-runs (Argo's retry): they are not run
 *     again and count as SUCCEEDED; empty for a fresh build
 * @param trigger the event, ref, sha, actor and inputs the build was started with; null in builds
 *     started before triggers existed (their expressions see empty values)
 * @param vars the pipeline's configuration variables as they were when the build (or the build it
 *     re-runs) started: the {@code vars} context, names upper-cased; empty in builds started before
 *     variables existed, whose histories carry no such field
 */
public record BuildRequest(
    long buildId,
    long pipelineId,
    Dag dag,
    BuildSettings settings,
    Map<String, ReusedJob> reused,
    BuildTrigger trigger,
    Map<String, String> vars) {

  /** A build without configuration variables. */
  public BuildRequest(
      long buildId,
      long pipelineId,
      Dag dag,
      BuildSettings settings,
      Map<String, ReusedJob> reused,
      BuildTrigger trigger) {
    this(buildId, pipelineId, dag, settings, reused, trigger, null);
  }

  /** A build without trigger parameters. */
  public BuildRequest(
      long buildId,
      long pipelineId,
      Dag dag,
      BuildSettings settings,
      Map<String, ReusedJob> reused) {
    this(buildId, pipelineId, dag, settings, reused, null, null);
  }

  public BuildRequest {
    reused = reused == null ? Map.of() : Map.copyOf(reused);
    // Sorted: the workflow iterates it (toJSON(vars)) and must do so in the same order on replay.
    vars = vars == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(vars));
  }

  public String workflowId() {
    return workflowId(buildId);
  }

  /** {@code build-<id>}: the business key is the workflow id. */
  public static String workflowId(long buildId) {
    return "build-" + buildId;
  }
}
