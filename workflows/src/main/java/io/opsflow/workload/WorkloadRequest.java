package io.opsflow.workload;

/**
 * Input of {@code workload-<uuid>}.
 *
 * @param workloadId the UUID, also the container name
 * @param spec what to run
 * @param revision 1 for a schedule request; a retry ({@code POST /workloads/{id}/retry}) runs the
 *     same id again with the next revision. Docker actions are keyed by (workload, revision).
 * @param settings scheduling settings
 * @param carryOver null for a schedule or retry request; the state a run hands to the next one when
 *     a long restart loop continues as new
 */
public record WorkloadRequest(
    String workloadId,
    WorkloadSpec spec,
    int revision,
    WorkloadSettings settings,
    CarryOver carryOver) {

  /** A schedule or retry request (no carried state). */
  public WorkloadRequest(
      String workloadId, WorkloadSpec spec, int revision, WorkloadSettings settings) {
    this(workloadId, spec, revision, settings, null);
  }

  public static String workflowId(String workloadId) {
    return "workload-" + workloadId;
  }

  /** The same request for the next run, carrying the supervision state. */
  public WorkloadRequest carrying(CarryOver state) {
    return new WorkloadRequest(workloadId, spec, revision, settings, state);
  }

  /**
   * What a run of {@code workload-<uuid>} hands to the next one, between two restarts.
   *
   * @param nodeId the node the container is on
   * @param placement the answer of the last placement (for a late {@code placement} update)
   * @param restarts restarts done in this revision, over all runs
   * @param sequence the last store write's sequence number (dedup keys keep growing)
   * @param restartNext true: the container exists and is started again; false: it is created
   * @param exitCode the exit code of the run that ended before the restart
   * @param message the RESTARTING message
   */
  public record CarryOver(
      String nodeId,
      Placement placement,
      int restarts,
      int sequence,
      boolean restartNext,
      Integer exitCode,
      String message) {}
}
