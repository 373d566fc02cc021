package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.opsflow.kubernetes.KubernetesApiGuard;
import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Pod backend against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesExecutorBackendTest {

  private static final String NS = "passes";

  KubernetesClient client;

  private PassExecutorActivitiesImpl executors;

  @BeforeEach
  void setUp() {
    PassExecutorProperties.Kubernetes props =
        new PassExecutorProperties.Kubernetes(
            NS,
            "registry.example/opsflow/workers:1.2",
            "IfNotPresent",
            List.of("java", "-cp", "/app/workers.jar", "Main"),
            "",
            "",
            "",
            "",
            "opsflow-secrets",
            "db-password",
            "payload-key",
            "250m",
            "384Mi",
            Duration.ofSeconds(10));
    executors =
        new PassExecutorActivitiesImpl(
            new KubernetesExecutorBackend(
                client,
                props,
                Duration.ofSeconds(60),
                "temporal-frontend.temporal:7233",
                "default",
                "jdbc:postgresql://db.opsflow:5432/opsflow",
                "opsflow",
                KubernetesApiGuard.of(client, null, null)));
  }

  @Test
  void launchCreatesOnePodPerPassWithItsLabelsEnvAndDeadline() {
    Instant windowEnd = Instant.now().plusSeconds(900);
    ExecutorSpec spec = new ExecutorSpec(42, "pass-42", windowEnd);

    ExecutorHandle first = executors.launch(spec);
    ExecutorHandle again = executors.launch(spec);

    assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(1);
    assertThat(again).isEqualTo(first);
    assertThat(first.kind()).isEqualTo("pod");
    assertThat(first.name()).isEqualTo("pass-42-executor");
    Pod pod = client.pods().inNamespace(NS).withName("pass-42-executor").get();
    assertThat(first.id()).isNotBlank().isEqualTo(pod.getMetadata().getUid());
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/name", "opsflow-pass-executor")
        .containsEntry("opsflow.io/pass-id", "42");
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
    // The window's end plus the 60 s exit grace, counted from now.
    assertThat(pod.getSpec().getActiveDeadlineSeconds()).isBetween(955L, 960L);
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    Container container = pod.getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("registry.example/opsflow/workers:1.2");
    assertThat(container.getCommand())
        .containsExactly(
            "java", "-cp", "/app/workers.jar", "Main", "--opsflow.pass-executor.pass-id=42");
    Map<String, EnvVar> env =
        container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env.get("PASS_ID").getValue()).isEqualTo("42");
    assertThat(env.get("PASS_TASK_QUEUE").getValue()).isEqualTo("pass-42");
    assertThat(env.get("PASS_DEADLINE").getValue()).isEqualTo(windowEnd.plusSeconds(60).toString());
    assertThat(env.get("TEMPORAL_ADDRESS").getValue()).isEqualTo("temporal-frontend.temporal:7233");
    assertThat(env.get("SPRING_DATASOURCE_URL").getValue())
        .isEqualTo("jdbc:postgresql://db.opsflow:5432/opsflow");
    // Secrets by reference only.
    assertThat(env.get("SPRING_DATASOURCE_PASSWORD").getValue()).isNull();
    assertThat(env.get("SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("opsflow-secrets");
    assertThat(env.get("SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo("db-password");
    assertThat(env.get("OPSFLOW_PAYLOAD_KEY").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo("payload-key");
    assertThat(container.getResources().getLimits().get("memory").toString()).isEqualTo("384Mi");
    assertThat(executors.alive(first)).isTrue();
  }

  @Test
  void aTerminatedPodIsNotAliveAndIsReplacedByTheNextLaunch() {
    ExecutorSpec spec = new ExecutorSpec(7, "pass-7", Instant.now().plusSeconds(600));
    ExecutorHandle first = executors.launch(spec);
    Pod pod = client.pods().inNamespace(NS).withName("pass-7-executor").get();
    pod.setStatus(
        new PodStatusBuilder().withPhase("Failed").withReason("DeadlineExceeded").build());
    client.pods().inNamespace(NS).resource(pod).updateStatus();

    assertThat(executors.alive(first)).isFalse();
    ExecutorHandle second = executors.launch(spec);

    assertThat(second.id()).isNotEqualTo(first.id());
    assertThat(executors.alive(second)).isTrue();
    assertThat(executors.alive(first)).isFalse();
    assertThat(client.pods().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  void terminateDeletesThePassesPodOnlyAndAGoneOneIsFine() {
    ExecutorHandle a =
        executors.launch(new ExecutorSpec(1, "pass-1", Instant.now().plusSeconds(600)));
    ExecutorHandle b =
        executors.launch(new ExecutorSpec(2, "pass-2", Instant.now().plusSeconds(600)));

    executors.terminate(1);
    executors.terminate(1);
    executors.terminate(99);

    assertThat(client.pods().inNamespace(NS).list().getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("pass-2-executor");
    assertThat(executors.alive(a)).isFalse();
    assertThat(executors.alive(b)).isTrue();
  }

  @Test
  void aWindowThatEndedIsRefusedWithoutRetry() {
    assertThatThrownBy(
            () ->
                executors.launch(
                    new ExecutorSpec(3, "pass-3", Instant.now().minus(Duration.ofMinutes(5)))))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("ExecutorDeadlinePassed");
              assertThat(f.isNonRetryable()).isTrue();
            });
    assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
  }
}
