package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.opsflow.kubernetes.KubernetesApiGuard;
import io.opsflow.kubernetes.KubernetesClients;
import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;
import io.temporal.failure.ApplicationFailure;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pass executor's Pod backend when the API server fails, on the bounded client {@link
 * KubernetesClients} builds: a 500 is retried and the executor Pod is made once, a create whose
 * answer was lost is not repeated, and a server that is down fails the launch within a bounded time
 * (the pass activity's retry policy takes over from there).
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesExecutorApiFaultsIT {

  private static final String NS = "passes";
  private static final String PODS = "/api/v1/namespaces/" + NS + "/pods";

  KubernetesMockServer server;
  KubernetesClient client;

  private KubernetesClient bounded;

  @BeforeEach
  void setUp() throws InterruptedException {
    bounded = KubernetesClients.connect(client.getConfiguration());
    drainRequests();
  }

  @AfterEach
  void tearDown() {
    bounded.close();
  }

  private static KubernetesExecutorBackend backend(KubernetesClient on) {
    return new KubernetesExecutorBackend(
        on,
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
            Duration.ofSeconds(10)),
        Duration.ofSeconds(60),
        "temporal-frontend.temporal:7233",
        "default",
        "jdbc:postgresql://db.opsflow:5432/opsflow",
        "opsflow",
        KubernetesApiGuard.of(on, null, null));
  }

  private static Status status(int code) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withMessage("injected " + code)
        .build();
  }

  private List<String> drainRequests() throws InterruptedException {
    List<String> seen = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      seen.add(r.getMethod() + " " + r.getPath());
    }
    return seen;
  }

  private List<Pod> pods() {
    return client.pods().inNamespace(NS).list().getItems();
  }

  @Test
  void anApiServerAnswering500IsRetriedAndTheExecutorPodIsMadeOnce() throws Exception {
    server.expect().post().withPath(PODS).andReturn(500, status(500)).times(2);
    ExecutorHandle handle =
        backend(bounded).launch(new ExecutorSpec(11, "pass-11", Instant.now().plusSeconds(600)));
    long posts = drainRequests().stream().filter(r -> r.equals("POST " + PODS)).count();
    assertThat(posts).isEqualTo(3);
    assertThat(pods()).hasSize(1);
    assertThat(handle.id()).isEqualTo(pods().get(0).getMetadata().getUid());
  }

  @Test
  void aCreateWhoseAnswerWasLostIsNotMadeTwice() throws Exception {
    ExecutorSpec spec = new ExecutorSpec(12, "pass-12", Instant.now().plusSeconds(600));
    KubernetesExecutorBackend backend = backend(bounded);
    // The server made the Pod, but the launch saw no Pod and its create was answered 500.
    Pod made = client.pods().inNamespace(NS).resource(backend.manifest(spec, 600)).create();
    server
        .expect()
        .get()
        .withPath(PODS + "/" + KubernetesExecutorBackend.podName(12))
        .andReturn(404, status(404))
        .once();
    server.expect().post().withPath(PODS).andReturn(500, status(500)).once();

    ExecutorHandle handle = backend.launch(spec);
    assertThat(pods()).hasSize(1);
    assertThat(handle.id()).isEqualTo(made.getMetadata().getUid());
  }

  @Test
  void aDownApiServerFailsTheLaunchWithinItsBound() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Config down =
        new ConfigBuilder(client.getConfiguration())
            .withMasterUrl("https://127.0.0.1:" + port)
            .build();
    try (KubernetesClient gone = KubernetesClients.connect(down)) {
      long t0 = System.nanoTime();
      assertThatThrownBy(
              () ->
                  backend(gone)
                      .launch(new ExecutorSpec(13, "pass-13", Instant.now().plusSeconds(600))))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo(KubernetesApiGuard.FAILURE_TYPE);
                assertThat(f.isNonRetryable()).isFalse();
                assertThat(f.getOriginalMessage())
                    .startsWith("Kubernetes API server 127.0.0.1:" + port + " failed: ");
              });
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      System.out.printf("pass executor, API down: launch failed after %d ms%n", took.toMillis());
      assertThat(took).isLessThan(Duration.ofSeconds(10));
    }
  }
}
