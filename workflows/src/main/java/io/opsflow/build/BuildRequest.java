package io.opsflow.build;

import java.util.Map;

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
 */
public record BuildRequest(
    long buildId,
    long pipelineId,
    Dag dag,
    BuildSettings settings,
    Map<String, ReusedJob> reused,
    BuildTrigger trigger) {

  /** A build without trigger parameters. */
  public BuildRequest(
      long buildId,
      long pipelineId,
      Dag dag,
      BuildSettings settings,
      Map<String, ReusedJob> reused) {
    this(buildId, pipelineId, dag, settings, reused, null);
  }

  public BuildRequest {
    reused = reused == null ? Map.of() : Map.copyOf(reused);
  }

  public String workflowId() {
    return workflowId(buildId);
  }

  /** {@code build-<id>}: the business key is the workflow id. */
  public static String workflowId(long buildId) {
    return "build-" + buildId;
  }
}
