package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.opsflow.docker.DockerConnections;
import io.opsflow.workload.ContainerActivities.ContainerRef;
import io.opsflow.workload.ContainerActivities.ContainerSpec;
import io.opsflow.workload.ContainerActivities.ContainerState;
import io.opsflow.workload.ContainerActivities.PruneRequest;
import io.opsflow.workload.ContainerActivities.PruneResult;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The container activities against the real Docker engine, through Temporal's activity test
 * environment so heartbeats and cancellation behave as on a worker. Needs the engine and the image
 * {@value #IMAGE} ({@code .ci/run}'s start_docker builds it with docker import); fails when either
 * is missing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ContainerActivitiesIT {

  static final String IMAGE = "opsflow/busybox:local";
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(6);
  static final Duration INSPECT_INTERVAL = Duration.ofSeconds(1);

  private static DockerClient docker;
  private static String nodeId;

  private TestActivityEnvironment env;
  private ContainerActivities containers;

  @BeforeAll
  static void engine() {
    docker = DockerConnections.connect(null, null);
    // Fails (not skips) when the engine is unreachable or the image is missing.
    docker.pingCmd().exec();
    docker.inspectImageCmd(IMAGE).exec();
    nodeId = "it-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @AfterAll
  static void closeEngine() throws Exception {
    docker.close();
  }

  @BeforeEach
  void environment() {
    env = TestActivityEnvironment.newInstance();
    ContainerSettings settings =
        new ContainerSettings(nodeId, "none", Duration.ofSeconds(2), 200, INSPECT_INTERVAL);
    env.registerActivitiesImplementations(new ContainerActivitiesImpl(docker, settings));
    containers =
        env.newActivityStub(
            ContainerActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofMinutes(2))
                .setHeartbeatTimeout(HEARTBEAT_TIMEOUT)
                .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                .build());
  }

  @AfterEach
  void removeOurContainers() {
    env.close();
    for (Container c : ours()) {
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).exec();
      } catch (NotFoundException gone) {
        // removed by the test itself
      }
    }
  }

  @Test
  void containerIsNamedAndLabelledByWorkloadWithEnvCommandAndLimits() {
    String id = UUID.randomUUID().toString();
    ContainerSpec spec =
        new ContainerSpec(
            id,
            1,
            "celery-worker",
            IMAGE,
            List.of("sh", "-c", "echo \"$GREETING\"; sleep 300"),
            Map.of("GREETING", "hello from opsflow", "MODE", "test"),
            0.5,
            64);

    ContainerState started = containers.start(spec);

    assertThat(started.status()).isEqualTo(WorkloadStatus.RUNNING);
    InspectContainerResponse c = docker.inspectContainerCmd(id).exec();
    assertThat(c.getId()).isEqualTo(started.containerId());
    assertThat(c.getName()).isEqualTo("/" + id);
    assertThat(c.getConfig().getLabels())
        .containsEntry("workloadId", id)
        .containsEntry("displayName", "celery-worker")
        .containsEntry("opsflow.revision", "1")
        .containsEntry("opsflow.node", nodeId);
    assertThat(c.getConfig().getEnv()).contains("GREETING=hello from opsflow", "MODE=test");
    assertThat(c.getConfig().getCmd()).containsExactly("sh", "-c", "echo \"$GREETING\"; sleep 300");
    assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("none");
    assertThat(c.getHostConfig().getMemory()).isEqualTo(64L * 1024 * 1024);
    assertThat(c.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
    assertThat(c.getState().getRunning()).isTrue();

    containers.remove(new ContainerRef(id, 1));

    assertThatThrownBy(() -> docker.inspectContainerCmd(id).exec())
        .isInstanceOf(NotFoundException.class);
    // Removing what is gone is a no-op.
    containers.remove(new ContainerRef(id, 1));
  }

  @Test
  void exitCodesZeroAndThreeAreReportedWithStdoutAndStderr() {
    String ok = UUID.randomUUID().toString();
    String three = UUID.randomUUID().toString();
    containers.start(spec(ok, "echo all good; echo warn >&2; exit 0"));
    containers.start(spec(three, "echo working; echo broken pipe >&2; exit 3"));

    ContainerState okEnd = containers.follow(new ContainerRef(ok, 1));
    ContainerState threeEnd = containers.follow(new ContainerRef(three, 1));

    assertThat(okEnd.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(okEnd.exitCode()).isZero();
    assertThat(okEnd.logs()).contains("all good\n").contains("warn\n");
    assertThat(threeEnd.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(threeEnd.exitCode()).isEqualTo(3);
    assertThat(threeEnd.logs()).contains("working\n").contains("broken pipe\n");
    assertThat(threeEnd.message()).isEqualTo("exited with code 3");
    // As Docker itself reports it.
    assertThat(docker.inspectContainerCmd(three).exec().getState().getExitCodeLong()).isEqualTo(3L);
  }

  @Test
  void imageThatIsNotOnTheNodeIsImageNotFoundWithoutRetry() {
    String id = UUID.randomUUID().toString();
    ContainerSpec spec =
        new ContainerSpec(
            id, 1, "ghost", "opsflow/no-such-image:never", List.of("true"), Map.of(), 0, 0);

    assertThatThrownBy(() -> containers.start(spec))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("IMAGE_NOT_FOUND");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .isEqualTo("image 'opsflow/no-such-image:never' not found on node " + nodeId);
            });
    assertThat(ours()).isEmpty();
  }

  @Test
  void commandNotFoundIsStartFailedWithTheEnginesMessage() {
    String id = UUID.randomUUID().toString();
    ContainerSpec spec =
        new ContainerSpec(id, 1, "typo", IMAGE, List.of("nosuchcmd", "--flag"), Map.of(), 0, 0);

    assertThatThrownBy(() -> containers.start(spec))
        .isInstanceOf(ActivityFailure.class)
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("START_FAILED");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage())
                  .contains("exec: \"nosuchcmd\": executable file not found");
              ContainerState failed = f.getDetails().get(ContainerState.class);
              assertThat(failed.status()).isEqualTo(WorkloadStatus.FAILED);
              assertThat(failed.message()).isEqualTo(f.getOriginalMessage());
            });
    // A retried start of the same revision fails the same way and runs nothing.
    assertThatThrownBy(() -> containers.start(spec))
        .cause()
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("START_FAILED"));
    assertThat(ours()).hasSize(1);
  }

  @Test
  void startingTwiceMakesOneContainerAndNeverRunsItAgain() {
    String id = UUID.randomUUID().toString();
    ContainerSpec spec = spec(id, "echo ran once");

    ContainerState first = containers.start(spec);
    ContainerState ended = containers.follow(new ContainerRef(id, 1));
    String startedAt = docker.inspectContainerCmd(id).exec().getState().getStartedAt();
    ContainerState second = containers.start(spec);

    assertThat(second.containerId()).isEqualTo(first.containerId());
    assertThat(ours()).extracting(Container::getId).containsExactly(first.containerId());
    assertThat(docker.inspectContainerCmd(id).exec().getState().getStartedAt())
        .isEqualTo(startedAt);
    assertThat(ended.logs()).isEqualTo("ran once\n");
    assertThat(containers.follow(new ContainerRef(id, 1)).logs()).isEqualTo("ran once\n");
  }

  @Test
  void aContainerLeftCreatedByACrashedAttemptIsStartedNotCreatedAgain() {
    String id = UUID.randomUUID().toString();
    // What an attempt that died between create and start leaves behind.
    String created =
        docker
            .createContainerCmd(IMAGE)
            .withName(id)
            .withLabels(
                Map.of(
                    "workloadId",
                    id,
                    "displayName",
                    "job",
                    "opsflow.revision",
                    "1",
                    "opsflow.node",
                    nodeId))
            .withCmd("sh", "-c", "echo started")
            .withHostConfig(
                com.github.dockerjava.api.model.HostConfig.newHostConfig().withNetworkMode("none"))
            .exec()
            .getId();

    ContainerState started = containers.start(spec(id, "echo started"));
    ContainerState ended = containers.follow(new ContainerRef(id, 1));

    assertThat(started.containerId()).isEqualTo(created);
    assertThat(ours()).extracting(Container::getId).containsExactly(created);
    assertThat(ended.logs()).isEqualTo("started\n");
  }

  @Test
  void followWakesOnTheEnginesEventNotOnTheInspectInterval() {
    TestActivityEnvironment slow = TestActivityEnvironment.newInstance();
    try {
      // Inspect only every 2 minutes: only the Docker event can end the follow sooner.
      slow.registerActivitiesImplementations(
          new ContainerActivitiesImpl(
              docker,
              new ContainerSettings(
                  nodeId, "none", Duration.ofSeconds(2), 200, Duration.ofMinutes(2))));
      ContainerActivities slowContainers =
          slow.newActivityStub(
              ContainerActivities.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofMinutes(5))
                  .setHeartbeatTimeout(Duration.ofMinutes(10))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      String id = UUID.randomUUID().toString();
      slowContainers.start(spec(id, "sleep 2; exit 4"));
      long before = System.nanoTime();

      ContainerState ended = slowContainers.follow(new ContainerRef(id, 1));

      assertThat(ended.exitCode()).isEqualTo(4);
      assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(30));
    } finally {
      slow.close();
    }
  }

  @Test
  void restartRunsTheExitedContainerAgain() {
    String id = UUID.randomUUID().toString();
    ContainerState first = containers.start(spec(id, "echo attempt; exit 3"));
    containers.follow(new ContainerRef(id, 1));

    ContainerState restarted = containers.restart(new ContainerRef(id, 1));
    ContainerState ended = containers.follow(new ContainerRef(id, 1));

    assertThat(restarted.status()).isEqualTo(WorkloadStatus.RUNNING);
    assertThat(restarted.containerId()).isEqualTo(first.containerId());
    assertThat(ended.exitCode()).isEqualTo(3);
    assertThat(ended.logs()).isEqualTo("attempt\nattempt\n");
  }

  @Test
  void aNewRevisionReplacesTheContainerOfTheOldOne() {
    String id = UUID.randomUUID().toString();
    ContainerState first = containers.start(spec(id, "exit 3"));
    containers.follow(new ContainerRef(id, 1));

    ContainerState second =
        containers.start(
            new ContainerSpec(id, 2, "job", IMAGE, List.of("sh", "-c", "exit 0"), Map.of(), 0, 0));

    assertThat(second.containerId()).isNotEqualTo(first.containerId());
    assertThat(docker.inspectContainerCmd(id).exec().getConfig().getLabels())
        .containsEntry("opsflow.revision", "2");
    assertThat(containers.follow(new ContainerRef(id, 1)).status())
        .isEqualTo(WorkloadStatus.MISSING);
    assertThat(containers.follow(new ContainerRef(id, 2)).exitCode()).isZero();
  }

  @Test
  void containerRemovedBehindOurBackWhileFollowingIsMissing() throws Exception {
    String id = UUID.randomUUID().toString();
    containers.start(spec(id, "sleep 300"));
    CountDownLatch following = new CountDownLatch(1);
    env.setActivityHeartbeatListener(String.class, details -> following.countDown());

    CompletableFuture<ContainerState> follow =
        CompletableFuture.supplyAsync(() -> containers.follow(new ContainerRef(id, 1)));
    assertThat(following.await(30, TimeUnit.SECONDS)).isTrue();
    docker.removeContainerCmd(id).withForce(true).exec();

    ContainerState state = follow.get(20, TimeUnit.SECONDS);
    assertThat(state.status()).isEqualTo(WorkloadStatus.MISSING);
    assertThat(state.message()).isEqualTo("container " + id + " is gone from node " + nodeId);
  }

  @Test
  void cancellingTheFollowEndsItPromptlyAndLeavesTheContainerRunning() throws Exception {
    String id = UUID.randomUUID().toString();
    containers.start(spec(id, "sleep 300"));
    CountDownLatch following = new CountDownLatch(1);
    env.setActivityHeartbeatListener(String.class, details -> following.countDown());

    CompletableFuture<ContainerState> follow =
        CompletableFuture.supplyAsync(() -> containers.follow(new ContainerRef(id, 1)));
    assertThat(following.await(30, TimeUnit.SECONDS)).isTrue();
    long cancelledAt = System.nanoTime();
    env.requestCancelActivity();

    assertThatThrownBy(() -> follow.get(10, TimeUnit.SECONDS))
        .hasRootCauseInstanceOf(CanceledFailure.class);
    // The SDK sends heartbeats at most every 0.8 x heartbeat timeout and learns of the cancellation
    // from the answer: within one heartbeat timeout plus one inspect interval.
    assertThat(Duration.ofNanos(System.nanoTime() - cancelledAt))
        .isLessThan(HEARTBEAT_TIMEOUT.plus(INSPECT_INTERVAL));
    assertThat(docker.inspectContainerCmd(id).exec().getState().getRunning()).isTrue();
  }

  @Test
  void pruneRemovesTheNodesContainersOfOtherWorkloadsAndKeepsTheRest() {
    Instant beforeAll = Instant.now().minusSeconds(60);
    String kept = UUID.randomUUID().toString();
    String movedRunning = UUID.randomUUID().toString();
    String movedExited = UUID.randomUUID().toString();
    String elsewhere = UUID.randomUUID().toString();
    containers.start(spec(kept, "sleep 300"));
    String runningId = containers.start(spec(movedRunning, "sleep 300")).containerId();
    String exitedId = containers.start(spec(movedExited, "exit 0")).containerId();
    containers.follow(new ContainerRef(movedExited, 1));
    // Another node's agent on the same engine: not this node's to prune.
    ContainerActivitiesImpl otherNode =
        new ContainerActivitiesImpl(docker, ContainerSettings.defaults(nodeId + "-other"));
    otherNode.start(spec(elsewhere, "sleep 300"));
    try {
      // Nothing was created before the bound: all stay.
      assertThat(containers.prune(new PruneRequest(nodeId, List.of(kept), beforeAll)).removed())
          .isEmpty();
      assertThat(ours()).hasSize(3);

      PruneResult pruned =
          containers.prune(new PruneRequest(nodeId, List.of(kept), Instant.now().plusSeconds(2)));

      assertThat(pruned.removed()).containsExactlyInAnyOrder(runningId, exitedId);
      assertThat(ours())
          .singleElement()
          .satisfies(c -> assertThat(c.getLabels()).containsEntry("workloadId", kept));
      assertThat(docker.inspectContainerCmd(kept).exec().getState().getRunning()).isTrue();
      assertThat(docker.inspectContainerCmd(elsewhere).exec().getState().getRunning()).isTrue();
      // Idempotent: a second prune finds nothing to remove.
      assertThat(
              containers
                  .prune(new PruneRequest(nodeId, List.of(kept), Instant.now().plusSeconds(2)))
                  .removed())
          .isEmpty();
      assertThatThrownBy(() -> containers.prune(new PruneRequest("other", List.of(), null)))
          .isInstanceOf(ActivityFailure.class)
          .cause()
          .isInstanceOf(ApplicationFailure.class)
          .hasMessageContaining("reached the agent of " + nodeId);
      assertThat(ours()).hasSize(1);
    } finally {
      docker.removeContainerCmd(elsewhere).withForce(true).exec();
    }
  }

  private static ContainerSpec spec(String id, String script) {
    return new ContainerSpec(id, 1, "job", IMAGE, List.of("sh", "-c", script), Map.of(), 0, 0);
  }

  private static List<Container> ours() {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(ContainerActivitiesImpl.LABEL_NODE, nodeId))
        .exec();
  }
}
