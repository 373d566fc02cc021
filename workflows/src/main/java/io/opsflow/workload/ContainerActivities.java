package io.opsflow.workload;

import io.temporal.activity.ActivityInterface;

/**
 * Docker on one node, through docker-java against its local engine. Runs on the node's own task
 * queue {@code node-<nodeId>}, polled only by that node's agent.
 */
@ActivityInterface(namePrefix = "Container")
public interface ContainerActivities {

  /**
   * Creates the container (name = workload id, labels {@code workloadId} and {@code displayName},
   * env and command as requested) unless it exists, and starts it unless it runs. Keyed by
   * (workload, revision): a retry never creates a second container. Fails non-retryably with type
   * {@link WorkloadFailure#IMAGE_NOT_FOUND} or {@link WorkloadFailure#START_FAILED} (the engine's
   * message, e.g. command not found).
   */
  ContainerState start(ContainerSpec spec);

  /**
   * Follows the container until it stops running: Docker events for it plus inspect (never a
   * periodic list), heartbeating meanwhile. Returns EXITED with the exit code, FAILED with the
   * engine's error, or MISSING when the container is gone; with the last lines of its logs.
   */
  ContainerState follow(ContainerRef ref);

  /** Starts an exited container again (restart policy). */
  ContainerState restart(ContainerRef ref);

  /** Stops (with a grace period) and removes the container; a no-op when it is gone. */
  void remove(ContainerRef ref);

  /**
   * Garbage-collects what a node left behind while it was cut off (as Nomad's client GC does):
   * every container labelled {@code opsflow.node=<nodeId>}, in any state, whose {@code workloadId}
   * is not in {@link PruneRequest#keep()} and which was created before {@link
   * PruneRequest#createdBefore()} is stopped (with the grace period) and removed. Idempotent: a
   * second call removes nothing. Fails non-retryably when asked for another node than this agent's.
   */
  PruneResult prune(PruneRequest request);

  record ContainerSpec(
      String workloadId,
      int revision,
      String displayName,
      String image,
      java.util.List<String> command,
      java.util.Map<String, String> env,
      double cpu,
      long memoryMb) {}

  record ContainerRef(String workloadId, int revision) {}

  /**
   * @param nodeId the node whose containers are pruned (must be this agent's)
   * @param keep the workloads the database says live on this node: their containers stay
   * @param createdBefore only containers created before this are pruned, so one of a workload
   *     placed on the node after {@code keep} was read stays; null: no such bound
   */
  record PruneRequest(
      String nodeId, java.util.List<String> keep, java.time.Instant createdBefore) {}

  /**
   * @param removed Docker ids of the containers this call removed, in workload id order
   */
  record PruneResult(java.util.List<String> removed) {}

  /**
   * @param status RUNNING, EXITED, FAILED or MISSING
   * @param containerId Docker's id, or null when missing
   * @param exitCode when exited
   * @param message the engine's error or state detail
   * @param logs the last lines of stdout and stderr
   */
  record ContainerState(
      WorkloadStatus status, String containerId, Integer exitCode, String message, String logs) {}
}
