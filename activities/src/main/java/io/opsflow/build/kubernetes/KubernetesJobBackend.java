package io.opsflow.build.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobRun;
import io.opsflow.build.runner.JobBackend;
import io.opsflow.kubernetes.KubernetesApiGuard;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.net.HttpURLConnection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;

/**
 * Runs each job attempt as a batch/v1 Job named {@link JobRun#resourceName()} with one pod (the
 * seed's executor: create a Job, follow its pod and its log, read the result). The cluster never
 * retries ({@code backoffLimit: 0}) and enforces the job's timeout ({@code activeDeadlineSeconds});
 * finished Jobs are removed by the TTL controller after {@link
 * KubernetesRunnerProperties#ttlSecondsAfterFinished()}.
 *
 * <p>An attempt whose pod ended without a container exit code (evicted, deleted, never scheduled
 * before its Job failed) is reported with exit code {@link #NO_EXIT_CODE} and the reason.
 */
public final class KubernetesJobBackend implements JobBackend {

  /** The exit code reported when the pod gave none. */
  public static final int NO_EXIT_CODE = -1;

  /** The label the Job controller puts on its pods; the second is its newer, prefixed form. */
  static final List<String> JOB_NAME_LABELS = List.of("job-name", "batch.kubernetes.io/job-name");

  /**
   * Polls to wait for the Job controller's verdict once the pod was deleted under a running job:
   * the controller kills pods at the deadline before (or without, before Kubernetes 1.31) setting
   * the condition that says so.
   */
  private static final int VERDICT_POLLS = 5;

  private static final Set<Integer> REFUSED =
      Set.of(HttpURLConnection.HTTP_BAD_REQUEST, 422 /* Unprocessable Entity: invalid spec */);

  private final KubernetesClient client;
  private final KubernetesRunnerProperties props;
  private final ServiceGuard guard;

  /** A backend whose API server breaker publishes no metrics (tests). */
  public KubernetesJobBackend(KubernetesClient client, KubernetesRunnerProperties props) {
    this(client, props, KubernetesApiGuard.of(client, props.breakerWaitInOpen(), null));
  }

  /**
   * @param guard the breaker of the API server {@code client} talks to: every call goes through it
   */
  public KubernetesJobBackend(
      KubernetesClient client, KubernetesRunnerProperties props, ServiceGuard guard) {
    this.client = client;
    this.props = props;
    this.guard = guard;
  }

  /** The breaker of the API server. */
  public ServiceGuard guard() {
    return guard;
  }

  @Override
  public String kind() {
    return "kubernetes";
  }

  @Override
  public boolean ensureStarted(JobRun run) {
    Job manifest = JobManifest.of(run, props);
    String name = run.resourceName();
    if (guard.call(() -> jobs().withName(name).get()) != null) {
      return false;
    }
    try {
      guard.call(() -> jobs().resource(manifest).create());
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // Created between our get and create (a retried activity racing its predecessor).
        return false;
      }
      if (REFUSED.contains(e.getCode())) {
        throw ApplicationFailure.newNonRetryableFailureWithCause(
            "Kubernetes refused Job " + name + ": " + e.getMessage(),
            BuildFailure.INVALID_JOB.type(),
            e);
      }
      throw e;
    }
  }

  @Override
  public JobExit follow(JobRun run, long skip, LineSink lines, Runnable alive) {
    String name = run.resourceName();
    LogCursor log = new LogCursor(skip, lines);
    boolean seenPod = false;
    int verdictPolls = 0;
    while (true) {
      Job job = guard.call(() -> jobs().withName(name).get());
      if (job == null) {
        return new JobExit(
            NO_EXIT_CODE, false, "Kubernetes Job " + name + " was deleted before it finished");
      }
      boolean deadline = Observed.deadlineExceeded(job);
      Pod pod = findPod(job);
      if (pod != null) {
        seenPod = true;
        if (!deadline) {
          failOnPullFailure(run, pod);
        }
        if (Observed.podStarted(pod)) {
          readLog(pod, log, deadline || Observed.podFinished(pod));
        }
      }
      if (deadline) {
        return timedOut(run, job, pod);
      }
      boolean podFinished = pod != null && Observed.podFinished(pod);
      if (podFinished && !Observed.podDeleted(pod)) {
        return exitOf(pod);
      }
      // A pod deleted or vanished under the job: the Job controller's verdict may still follow.
      boolean lost =
          podFinished || (pod == null && (seenPod || Observed.finished(job).isPresent()));
      if (lost && (Observed.finished(job).isPresent() || ++verdictPolls > VERDICT_POLLS)) {
        return ended(job, pod);
      }
      alive.run();
      pause(name);
    }
  }

  @Override
  public void delete(JobRun run) {
    String name = run.resourceName();
    // Background: the Job goes now, the garbage collector removes the pods it owns.
    guard.run(
        () -> jobs().withName(name).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
    // And the pods directly, so they stop now even where no garbage collector runs.
    for (String label : JOB_NAME_LABELS) {
      guard.run(() -> client.pods().inNamespace(props.namespace()).withLabel(label, name).delete());
    }
  }

  private NonNamespaceOperation<Job, JobList, ScalableResource<Job>> jobs() {
    return client.batch().v1().jobs().inNamespace(props.namespace());
  }

  /** The Job's newest pod, by the Job controller's label and owner reference. */
  private Pod findPod(Job job) {
    String name = job.getMetadata().getName();
    String uid = job.getMetadata().getUid();
    for (String label : JOB_NAME_LABELS) {
      Optional<Pod> pod =
          guard
              .call(
                  () -> client.pods().inNamespace(props.namespace()).withLabel(label, name).list())
              .getItems()
              .stream()
              .filter(p -> uid == null || ownedBy(p, uid))
              .max(
                  Comparator.comparing(
                      (Pod p) -> p.getMetadata().getCreationTimestamp(),
                      Comparator.nullsFirst(Comparator.naturalOrder())));
      if (pod.isPresent()) {
        return pod.get();
      }
    }
    return null;
  }

  private static boolean ownedBy(Pod pod, String uid) {
    return pod.getMetadata().getOwnerReferences() != null
        && pod.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()));
  }

  /**
   * Reads the whole log again: the API has no offset, and the streaming reads of fabric8 7.4 over
   * its Vert.x client ({@code watchLog}, {@code getLogInputStream}) cancel their response when it
   * ends, which can close the pooled connection under the next request ("Connection was closed").
   */
  private void readLog(Pod pod, LogCursor log, boolean complete) {
    String text;
    try {
      text =
          guard.call(
              () ->
                  client
                      .pods()
                      .inNamespace(props.namespace())
                      .withName(pod.getMetadata().getName())
                      .inContainer(JobManifest.CONTAINER)
                      .getLog());
    } catch (KubernetesClientException e) {
      // 400: the container has not started or has just gone; 404: the pod has gone. The next
      // poll sees which; other errors fail the activity, whose retry re-attaches.
      if (e.getCode() == HttpURLConnection.HTTP_BAD_REQUEST
          || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
        return;
      }
      throw e;
    }
    log.offer(text == null ? "" : text, complete);
  }

  private static void failOnPullFailure(JobRun run, Pod pod) {
    Observed.pullFailure(pod)
        .ifPresent(
            waiting -> {
              String detail = waiting.getMessage() == null ? "" : ": " + waiting.getMessage();
              throw ApplicationFailure.newNonRetryableFailure(
                  "image '"
                      + run.image()
                      + "' cannot be pulled ("
                      + waiting.getReason()
                      + detail
                      + ")",
                  BuildFailure.IMAGE_NOT_FOUND.type());
            });
  }

  private static JobExit timedOut(JobRun run, Job job, Pod pod) {
    Long seconds = job.getSpec() == null ? null : job.getSpec().getActiveDeadlineSeconds();
    int exitCode =
        pod == null
            ? NO_EXIT_CODE
            : Observed.terminated(pod)
                .map(ContainerStateTerminated::getExitCode)
                .orElse(NO_EXIT_CODE);
    return new JobExit(
        exitCode,
        true,
        "deadline exceeded after " + (seconds != null ? seconds : run.timeoutSeconds()) + "s");
  }

  private static JobExit exitOf(Pod pod) {
    Optional<ContainerStateTerminated> terminated = Observed.terminated(pod);
    if (terminated.isEmpty()) {
      String reason = Observed.podReason(pod);
      return new JobExit(
          NO_EXIT_CODE,
          false,
          "pod "
              + pod.getMetadata().getName()
              + " "
              + pod.getStatus().getPhase().toLowerCase(Locale.ROOT)
              + (reason == null ? " without an exit code" : ": " + reason));
    }
    ContainerStateTerminated t = terminated.get();
    // Completed and Error just restate the exit code; OOMKilled and the like explain it.
    String reason = t.getReason();
    boolean telling = reason != null && !reason.equals("Completed") && !reason.equals("Error");
    return new JobExit(t.getExitCode(), false, telling ? reason : null);
  }

  /** The result of a Job whose pod was deleted or vanished. */
  private static JobExit ended(Job job, Pod pod) {
    if (pod != null && Observed.terminated(pod).isPresent()) {
      return exitOf(pod);
    }
    String name = job.getMetadata().getName();
    Optional<JobCondition> verdict = Observed.finished(job);
    if (verdict.isPresent() && "Complete".equals(verdict.get().getType())) {
      return new JobExit(0, false, "Job " + name + " completed but its pod was removed");
    }
    String why =
        verdict
            .map(
                c ->
                    ": "
                        + c.getReason()
                        + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")"))
            .orElse("");
    return new JobExit(
        NO_EXIT_CODE, false, "the pod of Job " + name + " vanished without a result" + why);
  }

  private void pause(String name) {
    try {
      Thread.sleep(props.pollInterval());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CancellationException cancelled =
          new CancellationException("interrupted while following Job " + name);
      cancelled.initCause(e);
      throw cancelled;
    }
  }
}
