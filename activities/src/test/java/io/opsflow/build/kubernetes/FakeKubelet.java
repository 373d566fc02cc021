package io.opsflow.build.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the Job controller and the kubelet against the mock API server, which stores objects but
 * runs no controllers: creates a Job's pod the way the controller labels and owns it, moves its
 * phase and container state, writes its log (served by an expectation, since the CRUD dispatcher
 * has no log endpoint) and sets the Job's conditions.
 */
final class FakeKubelet {

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final String namespace;
  private final Map<String, StringBuffer> logs = new ConcurrentHashMap<>();
  private final AtomicInteger logReads = new AtomicInteger();

  FakeKubelet(KubernetesMockServer server, KubernetesClient client, String namespace) {
    this.server = server;
    this.client = client;
    this.namespace = namespace;
  }

  /** Creates the Job's pod, Pending with its container being created; returns the pod's name. */
  String createPod(String jobName) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).require();
    return createPod(job, jobName + "-x7k2p", job.getMetadata().getUid());
  }

  /**
   * Creates a pod labelled as the Job's but owned by {@code ownerUid}: another Job's when it is not
   * the Job's uid (one deleted and created again under the same name).
   */
  String createPod(String jobName, String podName, String ownerUid) {
    Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).require();
    return createPod(job, podName, ownerUid);
  }

  private String createPod(Job job, String podName, String ownerUid) {
    String jobName = job.getMetadata().getName();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(podName)
            .withNamespace(namespace)
            .addToLabels(job.getSpec().getTemplate().getMetadata().getLabels())
            .addToLabels("job-name", jobName)
            .addToLabels("batch.kubernetes.io/job-name", jobName)
            .addNewOwnerReference()
            .withApiVersion("batch/v1")
            .withKind("Job")
            .withName(jobName)
            .withUid(ownerUid)
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withSpec(job.getSpec().getTemplate().getSpec())
            .withNewStatus()
            .withPhase("Pending")
            .addToContainerStatuses(
                new ContainerStatusBuilder()
                    .withName(JobManifest.CONTAINER)
                    .withState(
                        new ContainerStateBuilder()
                            .withNewWaiting()
                            .withReason("ContainerCreating")
                            .endWaiting()
                            .build())
                    .build())
            .endStatus()
            .build();
    client.pods().inNamespace(namespace).resource(pod).create();
    StringBuffer log = new StringBuffer();
    logs.put(podName, log);
    server
        .expect()
        .get()
        .withPath(
            "/api/v1/namespaces/"
                + namespace
                + "/pods/"
                + podName
                + "/log?pretty=false&container=job")
        .andReply(
            200,
            request -> {
              logReads.incrementAndGet();
              return log.toString();
            })
        .always();
    return podName;
  }

  /** The container waits, e.g. for an image that cannot be pulled. */
  void waiting(String podName, String reason, String message) {
    container(
        podName,
        "Pending",
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason(reason)
            .withMessage(message)
            .endWaiting()
            .build());
  }

  void running(String podName) {
    container(
        podName,
        "Running",
        new ContainerStateBuilder()
            .withNewRunning()
            .withStartedAt("2025-01-01T00:00:00Z")
            .endRunning()
            .build());
  }

  /** Appends to the container's log, as the script writing to stdout would. */
  void print(String podName, String text) {
    logs.get(podName).append(text);
  }

  /** The container exits; the pod's phase follows from the exit code, as the kubelet sets it. */
  void exit(String podName, int exitCode, String reason) {
    container(
        podName,
        exitCode == 0 ? "Succeeded" : "Failed",
        new ContainerStateBuilder()
            .withNewTerminated()
            .withExitCode(exitCode)
            .withReason(reason)
            .endTerminated()
            .build());
  }

  void deletePod(String podName) {
    client.pods().inNamespace(namespace).withName(podName).delete();
  }

  /** Sets a True condition on the Job, as the Job controller reports its verdict. */
  void jobCondition(String jobName, String type, String reason, String message) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(jobName)
        .editStatus(
            job -> {
              if (job.getStatus() == null) {
                job.setStatus(new JobStatus());
              }
              job.getStatus()
                  .getConditions()
                  .add(
                      new JobConditionBuilder()
                          .withType(type)
                          .withStatus("True")
                          .withReason(reason)
                          .withMessage(message)
                          .build());
              return job;
            });
  }

  /** How many times a pod log was read. */
  int logReads() {
    return logReads.get();
  }

  private void container(String podName, String phase, ContainerState state) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(podName)
        .editStatus(
            pod -> {
              pod.getStatus().setPhase(phase);
              pod.getStatus().getContainerStatuses().get(0).setState(state);
              return pod;
            });
  }
}
