package io.opsflow.pass;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pass executors as Kubernetes Pods (seed 000's PPS Pod): one Pod {@code pass-<id>-executor} per
 * pass, labelled {@value #NAME_LABEL}={@value #APP} and {@value #PASS_LABEL}=id, {@code
 * restartPolicy: Never}, {@code activeDeadlineSeconds} counting to the window's end (plus the exit
 * grace), the workers image running the executor's main class. The database password and the
 * payload key come from a Secret ({@link PassExecutorProperties.Kubernetes#secretName()}), never
 * the Pod spec.
 *
 * <p>The fixed name keeps it one per pass: the API server refuses a second create, and launch
 * re-attaches to a running Pod of the pass; a terminated one (deadline, crash) is deleted and
 * replaced.
 */
public final class KubernetesExecutorBackend implements ExecutorBackend {

  private static final Logger log = LoggerFactory.getLogger(KubernetesExecutorBackend.class);

  static final String NAME_LABEL = "app.kubernetes.io/name";
  static final String APP = "opsflow-pass-executor";
  static final String PASS_LABEL = "opsflow.io/pass-id";
  static final String CONTAINER = "executor";
  private static final Set<String> TERMINATED = Set.of("Succeeded", "Failed");
  private static final Duration DELETE_WAIT = Duration.ofSeconds(60);

  private final KubernetesClient client;
  private final PassExecutorProperties.Kubernetes props;
  private final Duration exitGrace;
  private final String temporalAddress;
  private final String temporalNamespace;
  private final String datasourceUrl;
  private final String datasourceUsername;
  private final ServiceGuard guard;

  /**
   * @param temporalAddress the Temporal frontend the Pods connect to
   * @param temporalNamespace the Temporal namespace
   * @param datasourceUrl the database the Pods store packets in
   * @param datasourceUsername its user (the password comes from the Secret)
   * @param guard the breaker of the API server {@code client} talks to: every call goes through it
   */
  public KubernetesExecutorBackend(
      KubernetesClient client,
      PassExecutorProperties.Kubernetes props,
      Duration exitGrace,
      String temporalAddress,
      String temporalNamespace,
      String datasourceUrl,
      String datasourceUsername,
      ServiceGuard guard) {
    this.guard = guard;
    this.client = client;
    this.props = props;
    this.exitGrace = exitGrace;
    this.temporalAddress = temporalAddress;
    this.temporalNamespace = temporalNamespace;
    this.datasourceUrl = datasourceUrl;
    this.datasourceUsername = datasourceUsername;
  }

  @Override
  public String kind() {
    return ExecutorHandle.POD;
  }

  /** The Pod name of a pass's executor. */
  public static String podName(long passId) {
    return "pass-" + passId + "-executor";
  }

  @Override
  public ExecutorHandle launch(ExecutorSpec spec) {
    String name = podName(spec.passId());
    long deadline = Duration.between(Instant.now(), spec.deadline().plus(exitGrace)).toSeconds();
    if (deadline < 1) {
      throw ApplicationFailure.newNonRetryableFailure(
          "the window of pass " + spec.passId() + " ended at " + spec.deadline(),
          "ExecutorDeadlinePassed");
    }
    Pod existing = guard.call(() -> pods().withName(name).get());
    if (existing != null && running(existing)) {
      return handle(spec.passId(), existing);
    }
    if (existing != null) {
      log.info(
          "pass {}: replacing terminated executor Pod {} ({})",
          spec.passId(),
          name,
          existing.getStatus() == null ? "deleting" : existing.getStatus().getPhase());
      guard.run(() -> pods().withName(name).withGracePeriod(0).delete());
      awaitGone(name);
    }
    try {
      Pod created = guard.call(() -> pods().resource(manifest(spec, deadline)).create());
      log.info("pass {}: executor Pod {} created, uid {}", spec.passId(), name, uid(created));
      return handle(spec.passId(), created);
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        // Another launch created it between our get and create: that one is the executor.
        Pod now = guard.call(() -> pods().withName(name).get());
        if (now != null) {
          return handle(spec.passId(), now);
        }
      }
      if (e.getCode() == HttpURLConnection.HTTP_BAD_REQUEST || e.getCode() == 422) {
        throw ApplicationFailure.newNonRetryableFailureWithCause(
            "Kubernetes refused the executor Pod " + name + ": " + e.getMessage(),
            "ExecutorRefused",
            e);
      }
      throw e;
    }
  }

  @Override
  public boolean alive(ExecutorHandle executor) {
    Pod pod = guard.call(() -> pods().withName(podName(executor.passId())).get());
    return pod != null && running(pod) && (executor.id() == null || executor.id().equals(uid(pod)));
  }

  @Override
  public void terminate(long passId) {
    guard.run(
        () ->
            pods()
                .withLabel(PASS_LABEL, Long.toString(passId))
                .withLabel(NAME_LABEL, APP)
                .delete());
  }

  /** The Pod of a pass's executor, as created. */
  Pod manifest(ExecutorSpec spec, long activeDeadlineSeconds) {
    String id = Long.toString(spec.passId());
    List<String> args = new ArrayList<>(props.command());
    args.add("--opsflow.pass-executor.pass-id=" + id);
    List<EnvVar> env = new ArrayList<>();
    env.add(value("PASS_ID", id));
    env.add(value("PASS_TASK_QUEUE", spec.taskQueue()));
    env.add(value("PASS_DEADLINE", spec.deadline().plus(exitGrace).toString()));
    env.add(value("TEMPORAL_ADDRESS", temporalAddress));
    env.add(value("TEMPORAL_NAMESPACE", temporalNamespace));
    env.add(value("SPRING_DATASOURCE_URL", datasourceUrl));
    env.add(value("SPRING_DATASOURCE_USERNAME", datasourceUsername));
    env.add(secret("SPRING_DATASOURCE_PASSWORD", props.datasourcePasswordKey()));
    env.add(secret("OPSFLOW_PAYLOAD_KEY", props.payloadKeyKey()));
    Map<String, Quantity> resources =
        Map.of("cpu", new Quantity(props.cpu()), "memory", new Quantity(props.memory()));
    boolean ownAccount = !props.serviceAccount().isBlank();
    return new PodBuilder()
        .withNewMetadata()
        .withName(podName(spec.passId()))
        .withNamespace(props.namespace())
        .addToLabels(NAME_LABEL, APP)
        .addToLabels("app.kubernetes.io/managed-by", "opsflow")
        .addToLabels(PASS_LABEL, id)
        .addToAnnotations("opsflow.io/task-queue", spec.taskQueue())
        .addToAnnotations("opsflow.io/window-end", spec.deadline().toString())
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withActiveDeadlineSeconds(activeDeadlineSeconds)
        .withServiceAccountName(ownAccount ? props.serviceAccount() : null)
        .withAutomountServiceAccountToken(ownAccount ? null : false)
        .withTerminationGracePeriodSeconds(10L)
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(props.image())
        .withImagePullPolicy(props.imagePullPolicy())
        .withCommand(args)
        .withEnv(env)
        .withNewResources()
        .withRequests(resources)
        .withLimits(resources)
        .endResources()
        .endContainer()
        .endSpec()
        .build();
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          Pod,
          io.fabric8.kubernetes.api.model.PodList,
          io.fabric8.kubernetes.client.dsl.PodResource>
      pods() {
    return client.pods().inNamespace(props.namespace());
  }

  private void awaitGone(String name) {
    long end = System.nanoTime() + DELETE_WAIT.toNanos();
    while (guard.call(() -> pods().withName(name).get()) != null) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            "the terminated executor Pod " + name + " is still there after " + DELETE_WAIT);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static boolean running(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null
        && (pod.getStatus() == null || !TERMINATED.contains(pod.getStatus().getPhase()));
  }

  private static String uid(Pod pod) {
    return pod.getMetadata().getUid();
  }

  private static ExecutorHandle handle(long passId, Pod pod) {
    String created = pod.getMetadata().getCreationTimestamp();
    return new ExecutorHandle(
        passId,
        ExecutorHandle.POD,
        uid(pod),
        pod.getMetadata().getName(),
        created == null ? Instant.now() : Instant.parse(created));
  }

  private static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private EnvVar secret(String name, String key) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(props.secretName())
        .withKey(key)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }
}
