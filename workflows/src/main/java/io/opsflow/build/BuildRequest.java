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
 */
public record BuildRequest(
    long buildId, long pipelineId, Dag dag, BuildSettings settings, Map<String, ReusedJob> reused) {
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
