package io.opsflow.build.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads what the Job controller and the kubelet report in a Job's and its pod's status. */
final class Observed {

  private static final Set<String> PULL_FAILURES =
      Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName");

  private Observed() {}

  /**
   * The Job's deadline verdict: condition {@code Failed}, or {@code FailureTarget} (set first by
   * Kubernetes 1.31+ while the pods are still being terminated), with reason DeadlineExceeded.
   */
  static boolean deadlineExceeded(Job job) {
    return conditions(job).stream()
        .anyMatch(
            c ->
                ("Failed".equals(c.getType()) || "FailureTarget".equals(c.getType()))
                    && "True".equals(c.getStatus())
                    && "DeadlineExceeded".equals(c.getReason()));
  }

  /** The Job controller's final condition, {@code Complete} or {@code Failed}, if there is one. */
  static Optional<JobCondition> finished(Job job) {
    return conditions(job).stream()
        .filter(c -> "Complete".equals(c.getType()) || "Failed".equals(c.getType()))
        .filter(c -> "True".equals(c.getStatus()))
        .findFirst();
  }

  static boolean podFinished(Pod pod) {
    String phase = phase(pod);
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  /** Whether the container has started, so the kubelet can serve its log. */
  static boolean podStarted(Pod pod) {
    String phase = phase(pod);
    return phase != null && !"Pending".equals(phase);
  }

  /** Whether the pod is being deleted (by the Job controller at a deadline, or by someone). */
  static boolean podDeleted(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  /** The job container's exit, if it has terminated. */
  static Optional<ContainerStateTerminated> terminated(Pod pod) {
    return container(pod)
        .map(s -> s.getState() == null ? null : s.getState().getTerminated())
        .filter(t -> t.getExitCode() != null);
  }

  /** Why the job container's image cannot be pulled, if that is what it waits for. */
  static Optional<ContainerStateWaiting> pullFailure(Pod pod) {
    return container(pod)
        .map(s -> s.getState() == null ? null : s.getState().getWaiting())
        .filter(w -> PULL_FAILURES.contains(w.getReason()));
  }

  /** The pod's own failure reason (Evicted, OutOfcpu, ...) with its message, or null. */
  static String podReason(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getReason() == null) {
      return null;
    }
    String message = pod.getStatus().getMessage();
    return pod.getStatus().getReason() + (message == null ? "" : ": " + message);
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  private static Optional<ContainerStatus> container(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(s -> JobManifest.CONTAINER.equals(s.getName()))
        .findFirst();
  }

  private static List<JobCondition> conditions(Job job) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return List.of();
    }
    return job.getStatus().getConditions();
  }
}
