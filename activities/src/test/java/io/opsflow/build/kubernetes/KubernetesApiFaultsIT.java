package io.opsflow.build.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.build.JobRun;
import io.opsflow.build.StepSpec;
import io.opsflow.kubernetes.KubernetesApiGuard;
import io.opsflow.kubernetes.KubernetesClients;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CI Kubernetes runner when the API server fails: fabric8's mock API server (CRUD mode) answers
 * 500, 429 or 409, answers late, or is not there. The runner's client is the bounded one {@link
 * KubernetesClients} builds: a fault is retried a few times within a bounded time, never longer,
 * and a retried create never makes a second Job. A fault that outlasts those retries is a retryable
 * failure naming the server, and opens the server's breaker ({@link KubernetesApiGuard}), visible
 * in the metrics, until a call goes through again.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesApiFaultsIT {

  private static final String NS = "ci-builds";
  private static final String JOBS = "/apis/batch/v1/namespaces/" + NS + "/jobs";

  KubernetesMockServer server;
  KubernetesClient client;

  private KubernetesClient bounded;
  private KubernetesJobBackend backend;

  @BeforeEach
  void setUp() throws InterruptedException {
    bounded = KubernetesClients.connect(client.getConfiguration());
    backend = new KubernetesJobBackend(bounded, props());
    drainRequests();
  }

  @AfterEach
  void tearDown() {
    bounded.close();
  }

  private static KubernetesRunnerProperties props() {
    return new KubernetesRunnerProperties(
        NS, 600, Duration.ofMillis(50), null, "IfNotPresent", Duration.ofSeconds(10));
  }

  private static JobRun run(String jobId) {
    return new JobRun(
        7, jobId, 1, "alpine:3.20", Map.of(), List.of(new StepSpec("build", "make", Map.of())), 30);
  }

  private static Status status(int code, String reason) {
    return new StatusBuilder()
        .withStatus("Failure")
        .withCode(code)
        .withReason(reason)
        .withMessage("injected " + code)
        .build();
  }

  private List<Job> jobs() {
    return client.batch().v1().jobs().inNamespace(NS).list().getItems();
  }

  /** Requests the server received since the last call, as "METHOD path". */
  private List<String> drainRequests() throws InterruptedException {
    List<String> seen = new java.util.ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      seen.add(r.getMethod() + " " + r.getPath());
    }
    return seen;
  }

  private static long posts(List<String> requests) {
    return requests.stream().filter(r -> r.equals("POST " + JOBS)).count();
  }

  @Test
  void anApiServerAnswering500IsRetriedAndTheJobIsCreatedOnce() throws Exception {
    server.expect().post().withPath(JOBS).andReturn(500, status(500, "InternalError")).times(2);
    long t0 = System.nanoTime();
    assertThat(backend.ensureStarted(run("flaky"))).isTrue();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    List<String> requests = drainRequests();
    System.out.printf(
        "API 500 x2: Job created after %d ms, %d POSTs%n", took.toMillis(), posts(requests));
    assertThat(posts(requests)).isEqualTo(3);
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void aCreateWhoseAnswerWasLostIsNotMadeTwice() throws Exception {
    JobRun run = run("lost-answer");
    // The server made the Job but its answer was a 500: the retried create meets a 409.
    client.batch().v1().jobs().inNamespace(NS).resource(JobManifest.of(run, props())).create();
    server
        .expect()
        .get()
        .withPath(JOBS + "/" + run.resourceName())
        .andReturn(404, status(404, "NotFound"))
        .once();
    server.expect().post().withPath(JOBS).andReturn(500, status(500, "InternalError")).once();
    drainRequests();

    assertThat(backend.ensureStarted(run)).isFalse();
    List<String> requests = drainRequests();
    assertThat(posts(requests)).isEqualTo(2);
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void aThrottlingApiServerIsRetriedAfterABackoffAndTheJobIsCreatedOnce() throws Exception {
    server
        .expect()
        .post()
        .withPath(JOBS)
        .andReturn(429, status(429, "TooManyRequests"))
        .withHeader("Retry-After", "1")
        .once();
    long t0 = System.nanoTime();
    assertThat(backend.ensureStarted(run("throttled"))).isTrue();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    System.out.printf("API 429: Job created after %d ms%n", took.toMillis());
    // fabric8 waits at least its backoff before the retry (the mock's Retry-After header did not
    // lengthen it in this version: measured ~400 ms with Retry-After: 1).
    assertThat(took).isGreaterThanOrEqualTo(KubernetesClients.RETRY_INTERVAL);
    assertThat(posts(drainRequests())).isEqualTo(2);
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void aConflictMeansTheJobExistsAndIsNotCreatedAgain() throws Exception {
    server.expect().post().withPath(JOBS).andReturn(409, status(409, "AlreadyExists")).once();
    assertThat(backend.ensureStarted(run("conflict"))).isFalse();
    assertThat(posts(drainRequests())).isEqualTo(1);
  }

  @Test
  void anApiServerThatAlwaysAnswers500FailsTheCallWithinItsBound() throws Exception {
    server.expect().post().withPath(JOBS).andReturn(500, status(500, "InternalError")).always();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> backend.ensureStarted(run("broken")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            serverFailure("failed: HTTP 500 InternalError: injected 500"));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    List<String> requests = drainRequests();
    System.out.printf(
        "API 500 always: call failed after %d ms, %d POSTs%n", took.toMillis(), posts(requests));
    assertThat(posts(requests)).isEqualTo(KubernetesClients.RETRIES + 1);
    assertThat(jobs()).isEmpty();
  }

  @Test
  void aSlowApiServerIsCutAtTheRequestTimeout() throws Exception {
    Duration timeout = Duration.ofSeconds(1);
    try (KubernetesClient impatient =
        KubernetesClients.connect(client.getConfiguration(), timeout, 1)) {
      KubernetesJobBackend slowBackend = new KubernetesJobBackend(impatient, props());
      server
          .expect()
          .get()
          .delay(5, TimeUnit.SECONDS)
          .withPath(JOBS + "/" + run("slow").resourceName())
          .andReturn(404, status(404, "NotFound"))
          .always();
      long t0 = System.nanoTime();
      String[] message = new String[1];
      assertThatThrownBy(() -> slowBackend.ensureStarted(run("slow")))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo(KubernetesApiGuard.FAILURE_TYPE);
                message[0] = f.getOriginalMessage();
              });
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      System.out.printf(
          "API 5 s late, timeout 1 s, 1 retry: call failed after %d ms: %s%n",
          took.toMillis(), message[0]);
      // Cut at the 1 s request timeout (fabric8 may retry once more); never the server's 5 s.
      assertThat(took).isLessThan(Duration.ofMillis(3500));
      assertThat(jobs()).isEmpty();
    }
  }

  @Test
  void aDownApiServerFailsTheCallWithinItsBound() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Config down =
        new ConfigBuilder(client.getConfiguration())
            .withMasterUrl("https://127.0.0.1:" + port)
            .build();
    try (KubernetesClient gone = KubernetesClients.connect(down)) {
      KubernetesJobBackend downBackend = new KubernetesJobBackend(gone, props());
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> downBackend.ensureStarted(run("down")))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f ->
                  assertThat(f.getOriginalMessage())
                      .startsWith("Kubernetes API server 127.0.0.1:" + port + " failed: "));
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      System.out.printf("API down: call failed after %d ms%n", took.toMillis());
      assertThat(took).isLessThan(Duration.ofSeconds(10));
    }
  }

  /** The API server's {@code host:port}, as the guard names it. */
  private String server() {
    return KubernetesApiGuard.server(bounded.getMasterUrl());
  }

  /** A retryable API server failure: "Kubernetes API server host:port " + {@code what}. */
  private Consumer<ApplicationFailure> serverFailure(String what) {
    return f -> {
      assertThat(f.getType()).isEqualTo(KubernetesApiGuard.FAILURE_TYPE);
      assertThat(f.isNonRetryable()).isFalse();
      assertThat(f.getOriginalMessage())
          .isEqualTo("Kubernetes API server " + server() + " " + what);
    };
  }

  private static double breakerState(SimpleMeterRegistry meters, String name, String state) {
    return meters
        .get("resilience4j.circuitbreaker.state")
        .tag("name", name)
        .tag("state", state)
        .gauge()
        .value();
  }

  @Test
  void anApiServerThatKeepsFailingOpensItsBreakerWhichClosesOnceItAnswersAgain() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ServiceGuard guard = KubernetesApiGuard.of(bounded, Duration.ofMillis(500), meters);
    KubernetesJobBackend guarded = new KubernetesJobBackend(bounded, props(), guard);
    assertThat(guard.name()).isEqualTo("kubernetes:" + server());
    // One call's worth of 500s (fabric8's own retries included), then the server is well again.
    server
        .expect()
        .post()
        .withPath(JOBS)
        .andReturn(500, status(500, "InternalError"))
        .times(KubernetesClients.RETRIES + 1);

    assertThatThrownBy(() -> guarded.ensureStarted(run("breaker")))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("HTTP 500");
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breakerState(meters, guard.name(), "open")).isEqualTo(1);
    drainRequests();

    // Open: the call fails at once, naming the server, and the server sees no request.
    assertThatThrownBy(() -> guarded.ensureStarted(run("breaker")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            serverFailure("is unavailable (circuit open after repeated faults)"));
    assertThat(drainRequests()).isEmpty();
    assertThat(jobs()).isEmpty();

    // After its wait one call goes through; it succeeds, the breaker closes, the Job is made once.
    Thread.sleep(600);
    assertThat(guarded.ensureStarted(run("breaker"))).isTrue();
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breakerState(meters, guard.name(), "closed")).isEqualTo(1);
    assertThat(breakerState(meters, guard.name(), "open")).isZero();
    assertThat(jobs()).hasSize(1);
  }

  @Test
  void answersAboutTheJobAreNotFaultsOfTheApiServer() throws Exception {
    ServiceGuard guard = KubernetesApiGuard.of(bounded, Duration.ofMinutes(1), null);
    KubernetesJobBackend guarded = new KubernetesJobBackend(bounded, props(), guard);
    server.expect().post().withPath(JOBS).andReturn(409, status(409, "AlreadyExists")).times(3);
    server.expect().post().withPath(JOBS).andReturn(422, status(422, "Invalid")).once();
    for (int i = 0; i < 3; i++) {
      assertThat(guarded.ensureStarted(run("exists-" + i))).isFalse();
    }
    assertThatThrownBy(() -> guarded.ensureStarted(run("invalid")))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.isNonRetryable()).isTrue());
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }
}
