package io.opsflow.build.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobRun;
import io.opsflow.build.StepSpec;
import io.opsflow.build.runner.JobBackend.JobExit;
import io.opsflow.build.runner.JobScript;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The backend against fabric8's mock API server in CRUD mode, the test playing the Job controller
 * and the kubelet ({@link FakeKubelet}); follow runs on its own thread as in the runner activity.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesJobBackendTest {

  private static final String NS = "ci-builds";
  private static final Duration WAIT = Duration.ofSeconds(10);

  KubernetesMockServer server;
  KubernetesClient client;

  private KubernetesJobBackend backend;
  private FakeKubelet kubelet;
  private ExecutorService executor;
  private final List<String> lines = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    backend = new KubernetesJobBackend(client, props(null));
    kubelet = new FakeKubelet(server, client, NS);
    executor = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void tearDown() {
    executor.shutdownNow();
  }

  @Test
  void jobCarriesTheRunScriptEnvLimitsAndLabels() {
    JobRun run = run("_Lint_all_", 2);

    assertThat(backend.ensureStarted(run)).isTrue();

    Job job = job(run);
    assertThat(job.getMetadata().getName()).isEqualTo("build-42--lint-all--2");
    Map<String, String> labels =
        Map.of(
            "app.kubernetes.io/managed-by", "opsflow",
            "opsflow.io/build-id", "42",
            "opsflow.io/job-id", "Lint_all",
            "opsflow.io/attempt", "2");
    assertThat(job.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(labels);
    assertThat(job.getMetadata().getAnnotations()).containsEntry("opsflow.io/job-id", "_Lint_all_");
    JobSpec spec = job.getSpec();
    assertThat(spec.getBackoffLimit()).isZero();
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(30L);
    assertThat(spec.getTtlSecondsAfterFinished()).isEqualTo(600);
    assertThat(spec.getTemplate().getMetadata().getLabels()).containsAllEntriesOf(labels);
    assertThat(spec.getTemplate().getMetadata().getAnnotations())
        .containsEntry("opsflow.io/job-id", "_Lint_all_");
    assertThat(spec.getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getTemplate().getSpec().getServiceAccountName()).isNull();
    assertThat(spec.getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getTemplate().getSpec().getContainers()).hasSize(1);
    Container container = spec.getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getName()).isEqualTo("job");
    assertThat(container.getImage()).isEqualTo("alpine:3.20");
    assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(container.getCommand()).containsExactly("/bin/sh", "-c", JobScript.render(run));
    assertThat(container.getCommand().get(2)).contains("make all", "export CC='gcc'");
    assertThat(container.getEnv())
        .extracting(EnvVar::getName, EnvVar::getValue)
        .containsExactly(tuple("A_VAR", "1 two"), tuple("B_VAR", "2"));
  }

  @Test
  void configuredServiceAccountRunsThePod() {
    KubernetesJobBackend withAccount = new KubernetesJobBackend(client, props("ci-runner"));
    JobRun run = run("build", 1);

    withAccount.ensureStarted(run);

    var podSpec = job(run).getSpec().getTemplate().getSpec();
    assertThat(podSpec.getServiceAccountName()).isEqualTo("ci-runner");
    assertThat(podSpec.getAutomountServiceAccountToken()).isNull();
  }

  @Test
  void labelValuesAreValidAndLongIdsStayDistinct() {
    String a = "a".repeat(80) + "_one";
    String b = "a".repeat(80) + "_two";

    assertThat(JobManifest.labelValue(a)).hasSizeLessThanOrEqualTo(63);
    assertThat(JobManifest.labelValue(a)).isNotEqualTo(JobManifest.labelValue(b));
    assertThat(JobManifest.labelValue("__x-y__")).isEqualTo("x-y");
    assertThat(JobManifest.labelValue(a)).matches("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  }

  @Test
  void ensureStartedTwiceCreatesOneJob() {
    JobRun run = run("test", 1);

    assertThat(backend.ensureStarted(run)).isTrue();
    assertThat(new KubernetesJobBackend(client, props(null)).ensureStarted(run)).isFalse();

    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  void jobCreatedBetweenGetAndCreateIsReattached() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    // The get misses the Job (as when a concurrent attempt creates it right after): create is
    // answered 409 AlreadyExists.
    server
        .expect()
        .get()
        .withPath("/apis/batch/v1/namespaces/" + NS + "/jobs/" + run.resourceName())
        .andReturn(404, "")
        .once();

    assertThat(backend.ensureStarted(run)).isFalse();
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).hasSize(1);
  }

  @Test
  void runWithoutImageIsRefusedNamingTheField() {
    JobRun run = new JobRun(42, "test", 1, " ", Map.of(), List.of(step()), 30);

    assertThatThrownBy(() -> backend.ensureStarted(run))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.INVALID_JOB.type());
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("image");
            });
    assertThat(client.batch().v1().jobs().inNamespace(NS).list().getItems()).isEmpty();
  }

  @Test
  void jobRefusedByTheApiServerIsAnInvalidJob() {
    JobRun run = run("test", 1);
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + NS + "/jobs")
        .andReturn(
            422,
            new StatusBuilder()
                .withCode(422)
                .withReason("Invalid")
                .withMessage("Job.batch \"" + run.resourceName() + "\" is invalid: env[0].name")
                .build())
        .once();

    assertThatThrownBy(() -> backend.ensureStarted(run))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.INVALID_JOB.type());
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains(run.resourceName(), "env[0].name");
            });
  }

  @Test
  void followDeliversEveryLineOnceIncludingLinesWrittenWhileFollowing() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());

    CompletableFuture<JobExit> exit = follow(run, 0, () -> {});
    kubelet.running(pod);
    kubelet.print(pod, "one\ntwo\n");
    await().atMost(WAIT).until(() -> lines.size() == 2);
    kubelet.print(pod, "three\npart");
    await().atMost(WAIT).until(() -> lines.size() == 3);
    // Later reads still see "part" without its newline: it is not a line yet.
    int reads = kubelet.logReads();
    await().atMost(WAIT).until(() -> kubelet.logReads() >= reads + 2);
    assertThat(lines).hasSize(3);
    kubelet.print(pod, "ial\nlast words");
    kubelet.exit(pod, 0, "Completed");

    assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(new JobExit(0, false, null));
    assertThat(lines).containsExactly("0:one", "1:two", "2:three", "3:partial", "4:last words");
  }

  @Test
  void nonZeroExitCodeIsTheOutcome() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    kubelet.running(pod);
    kubelet.print(pod, "FAIL: 2 tests\n");
    kubelet.exit(pod, 2, "Error");

    JobExit exit = backend.follow(run, 0, this::collect, () -> {});

    assertThat(exit).isEqualTo(new JobExit(2, false, null));
    assertThat(lines).containsExactly("0:FAIL: 2 tests");
  }

  @Test
  void oomKilledIsExplained() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    kubelet.running(pod);
    kubelet.exit(pod, 137, "OOMKilled");

    assertThat(backend.follow(run, 0, this::collect, () -> {}))
        .isEqualTo(new JobExit(137, false, "OOMKilled"));
  }

  @Test
  void reattachWithSkipDeliversOnlyTheLinesNotStoredYet() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    kubelet.running(pod);
    kubelet.print(pod, "l0\nl1\nl2\nl3\nl4\n");

    // A worker restart: a new backend re-attaches; lines 0..2 were stored by the first attempt.
    KubernetesJobBackend restarted = new KubernetesJobBackend(client, props(null));
    assertThat(restarted.ensureStarted(run)).isFalse();
    backend = restarted;
    CompletableFuture<JobExit> exit = follow(run, 3, () -> {});
    await().atMost(WAIT).until(() -> lines.size() == 2);
    kubelet.print(pod, "l5\n");
    kubelet.exit(pod, 0, "Completed");

    assertThat(exit.get(10, TimeUnit.SECONDS).exitCode()).isZero();
    assertThat(lines).containsExactly("3:l3", "4:l4", "5:l5");
  }

  @Test
  void imagePullBackOffFailsAsImageNotFound() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    kubelet.waiting(pod, "ImagePullBackOff", "Back-off pulling image \"alpine:3.20\"");

    assertThatThrownBy(() -> backend.follow(run, 0, this::collect, () -> {}))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.IMAGE_NOT_FOUND.type());
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("alpine:3.20", "ImagePullBackOff", "Back-off pulling image");
            });
  }

  @Test
  void deadlineExceededIsATimeout() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    CompletableFuture<JobExit> exit = follow(run, 0, () -> {});
    kubelet.running(pod);
    kubelet.print(pod, "sleeping\n");
    await().atMost(WAIT).until(() -> lines.size() == 1);

    kubelet.jobCondition(
        run.resourceName(), "Failed", "DeadlineExceeded", "Job was active longer than specified");
    kubelet.deletePod(pod);

    assertThat(exit.get(10, TimeUnit.SECONDS))
        .isEqualTo(
            new JobExit(KubernetesJobBackend.NO_EXIT_CODE, true, "deadline exceeded after 30s"));
    assertThat(lines).containsExactly("0:sleeping");
  }

  @Test
  void podKilledBeforeTheDeadlineVerdictIsStillATimeout() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    kubelet.running(pod);
    AtomicInteger alive = new AtomicInteger();
    // The controller deletes the pod first and reports DeadlineExceeded a poll later.
    Runnable controller =
        () -> {
          if (alive.incrementAndGet() == 2) {
            kubelet.deletePod(pod);
          } else if (alive.get() == 3) {
            kubelet.jobCondition(run.resourceName(), "Failed", "DeadlineExceeded", null);
          }
        };

    JobExit exit = backend.follow(run, 0, this::collect, controller);

    assertThat(exit.timedOut()).isTrue();
    assertThat(alive.get()).isEqualTo(3);
  }

  @Test
  void podVanishedWithoutResultIsAFailureExit() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String pod = kubelet.createPod(run.resourceName());
    kubelet.running(pod);
    AtomicInteger alive = new AtomicInteger();

    JobExit exit =
        backend.follow(
            run,
            0,
            this::collect,
            () -> {
              if (alive.incrementAndGet() == 1) {
                kubelet.deletePod(pod);
              }
            });

    assertThat(exit.exitCode()).isEqualTo(KubernetesJobBackend.NO_EXIT_CODE);
    assertThat(exit.timedOut()).isFalse();
    assertThat(exit.message()).contains(run.resourceName(), "vanished without a result");
  }

  @Test
  void podOfAnEarlierJobOfTheSameNameIsNotFollowed() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    String stale = kubelet.createPod(run.resourceName(), run.resourceName() + "-old00", "old-uid");
    kubelet.running(stale);
    kubelet.print(stale, "stale output\n");
    kubelet.exit(stale, 1, "Error");
    AtomicInteger alive = new AtomicInteger();
    Runnable controller =
        () -> {
          if (alive.incrementAndGet() == 2) {
            String pod = kubelet.createPod(run.resourceName());
            kubelet.running(pod);
            kubelet.print(pod, "fresh output\n");
            kubelet.exit(pod, 0, "Completed");
          }
        };

    JobExit exit = backend.follow(run, 0, this::collect, controller);

    assertThat(exit).isEqualTo(new JobExit(0, false, null));
    assertThat(lines).containsExactly("0:fresh output");
  }

  @Test
  void jobFailedWithoutAPodReportsTheControllersReason() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    kubelet.jobCondition(
        run.resourceName(), "Failed", "BackoffLimitExceeded", "Job has reached the backoff limit");

    JobExit exit = backend.follow(run, 0, this::collect, () -> {});

    assertThat(exit.exitCode()).isEqualTo(KubernetesJobBackend.NO_EXIT_CODE);
    assertThat(exit.message())
        .contains("BackoffLimitExceeded", "Job has reached the backoff limit");
  }

  @Test
  void jobDeletedWhileFollowedIsAFailureExit() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    kubelet.createPod(run.resourceName());

    JobExit exit = backend.follow(run, 0, this::collect, () -> backend.delete(run));

    assertThat(exit.exitCode()).isEqualTo(KubernetesJobBackend.NO_EXIT_CODE);
    assertThat(exit.message()).contains("was deleted before it finished");
  }

  @Test
  void followCallsAliveWhilePendingAndPropagatesItsFailure() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    kubelet.createPod(run.resourceName());
    AtomicInteger calls = new AtomicInteger();
    RuntimeException cancelled = new IllegalStateException("activity cancelled");

    assertThatThrownBy(
            () ->
                backend.follow(
                    run,
                    0,
                    this::collect,
                    () -> {
                      if (calls.incrementAndGet() == 3) {
                        throw cancelled;
                      }
                    }))
        .isSameAs(cancelled);
    assertThat(calls.get()).isEqualTo(3);
    assertThat(lines).isEmpty();
  }

  @Test
  void followWaitsWhileThePodIsNotCreatedYet() throws Exception {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    AtomicInteger alive = new AtomicInteger();
    CompletableFuture<JobExit> exit = follow(run, 0, alive::incrementAndGet);
    await().atMost(WAIT).until(() -> alive.get() >= 2);

    String pod = kubelet.createPod(run.resourceName());
    kubelet.running(pod);
    kubelet.print(pod, "hello\n");
    kubelet.exit(pod, 0, "Completed");

    assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(new JobExit(0, false, null));
    assertThat(lines).containsExactly("0:hello");
  }

  @Test
  void deleteRemovesTheJobAndItsPods() {
    JobRun run = run("test", 1);
    backend.ensureStarted(run);
    kubelet.running(kubelet.createPod(run.resourceName()));

    backend.delete(run);

    assertThat(client.batch().v1().jobs().inNamespace(NS).withName(run.resourceName()).get())
        .isNull();
    assertThat(client.pods().inNamespace(NS).list().getItems()).isEmpty();
    // Gone already: a retried delete is a no-op.
    backend.delete(run);
  }

  private CompletableFuture<JobExit> follow(JobRun run, long skip, Runnable alive) {
    return CompletableFuture.supplyAsync(
        () -> backend.follow(run, skip, this::collect, alive), executor);
  }

  private void collect(long lineNo, String line) {
    lines.add(lineNo + ":" + line);
  }

  private Job job(JobRun run) {
    return client.batch().v1().jobs().inNamespace(NS).withName(run.resourceName()).require();
  }

  private static KubernetesRunnerProperties props(String serviceAccount) {
    return new KubernetesRunnerProperties(
        NS, 600, Duration.ofMillis(50), serviceAccount, "IfNotPresent", Duration.ofSeconds(10));
  }

  private static JobRun run(String jobId, int attempt) {
    return new JobRun(
        42,
        jobId,
        attempt,
        "alpine:3.20",
        Map.of("B_VAR", "2", "A_VAR", "1 two"),
        List.of(step(), new StepSpec(null, "make test", Map.of())),
        30);
  }

  private static StepSpec step() {
    return new StepSpec("compile", "make all", Map.of("CC", "gcc"));
  }
}
