package io.opsflow.workload;

/**
 * Input of {@code workload-<uuid>}.
 *
 * @param workloadId the UUID, also the container name
 * @param spec what to run
 * @param revision 1 for a schedule request; a retry ({@code POST /workloads/{id}/retry}) runs the
 *     same id again with the next revision. Docker actions are keyed by (workload, revision).
 * @param settings scheduling settings
 */
public record WorkloadRequest(
    String workloadId, WorkloadSpec spec, int revision, WorkloadSettings settings) {

  public static String workflowId(String workloadId) {
    return "workload-" + workloadId;
  }
}
