package io.opsflow.build.docker;

import static io.opsflow.build.runner.Runs.run;
import static io.opsflow.build.runner.Runs.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobRun;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.build.runner.JobBackend;
import io.opsflow.build.runner.JobBackendContract;
import io.opsflow.build.runner.Runs.Lines;
import io.opsflow.docker.DockerConnections;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Docker runner against the real engine (DOCKER_HOST or the default socket) with the locally
 * built image {@value #IMAGE} (see {@code start_docker} in {@code .ci/run}). Fails, never skips,
 * when the engine is not there: CI always has it.
 */
class DockerJobBackendIT extends JobBackendContract {

  static final String IMAGE = "opsflow/busybox:local";

  private static DockerClient docker;

  @BeforeAll
  static void connect() {
    String host = DockerConnections.resolveHost(null);
    assertThat(DockerConnections.answers(host, Duration.ofSeconds(5)))
        .as("the Docker engine at %s answers (start it with .ci/run's start_docker)", host)
        .isTrue();
    docker = DockerConnections.connect(host, null);
    try {
      docker.inspectImageCmd(IMAGE).exec();
    } catch (NotFoundException e) {
      throw new AssertionError(IMAGE + " is missing: build it with .ci/run's start_docker", e);
    }
  }

  @AfterAll
  static void disconnect() throws IOException {
    docker.close();
  }

  @Override
  protected JobBackend newBackend(InstallationToken installation) {
    // Each "worker" has its own client, as a restarted process would.
    return new DockerJobBackend(
        DockerConnections.connect(DockerConnections.resolveHost(null), null),
        installation,
        "none",
        false,
        Duration.ofSeconds(1));
  }

  private DockerJobBackend dockerBackend() {
    return (DockerJobBackend) backend;
  }

  private String container(JobRun run) {
    return DockerJobBackend.containerName(installation, run);
  }

  @Override
  protected String image() {
    return IMAGE;
  }

  @Override
  protected void touchInWorkspace(JobRun run, String name) {
    ExecCreateCmdResponse exec =
        docker
            .execCreateCmd(container(run))
            .withCmd("touch", DockerJobBackend.WORKSPACE + "/" + name)
            .exec();
    try {
      docker
          .execStartCmd(exec.getId())
          .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<Frame>())
          .awaitCompletion(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected void assertStopped(JobRun run) {
    // The container's processes all die with it: it is enough that it no longer runs.
    try {
      InspectContainerResponse c = docker.inspectContainerCmd(container(run)).exec();
      assertThat(c.getState().getRunning()).as("container %s running", container(run)).isFalse();
    } catch (NotFoundException removed) {
      // removed: stopped too
    }
  }

  @Test
  void theContainerIsNamedAndLabelledForTheAttemptAndMountsTheWorkspace() {
    JobRun run = run(buildId, "Lint & Test", IMAGE, step("pwd"));
    Lines lines = new Lines();

    runToEnd(run, lines);

    String prefix = "ofb" + installation.value() + "-";
    InspectContainerResponse c = docker.inspectContainerCmd(container(run)).exec();
    assertThat(c.getName()).isEqualTo("/" + prefix + "build-" + buildId + "-lint---test-1");
    assertThat(c.getConfig().getLabels())
        .containsEntry("opsflow.installation", installation.value())
        .containsEntry("opsflow.build-id", Long.toString(buildId))
        .containsEntry("opsflow.job-id", "Lint & Test")
        .containsEntry("opsflow.attempt", "1");
    assertThat(c.getHostConfig().getNetworkMode()).isEqualTo("none");
    assertThat(c.getMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getName()).isEqualTo(prefix + "build-" + buildId + "-workspace");
              assertThat(m.getDestination().getPath()).isEqualTo("/workspace");
            });
    assertThat(lines.output()).containsExactly("/workspace");
  }

  @Test
  void aJobHasNoNetwork() {
    Lines lines = new Lines();

    runToEnd(job("offline", "ls /sys/class/net | sort"), lines);

    assertThat(lines.output()).containsExactly("lo");
  }

  @Test
  void aMissingImageFailsTheJobWithoutRetry() {
    JobRun run = run(buildId, "ghost", "opsflow/no-such-image:never", step("true"));

    assertThatThrownBy(() -> backend.ensureStarted(run))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(BuildFailure.IMAGE_NOT_FOUND.type());
              assertThat(f.getOriginalMessage())
                  .isEqualTo("image 'opsflow/no-such-image:never' not found on the runner");
              assertThat(f.isNonRetryable()).isTrue();
            });
    assertThatThrownBy(() -> docker.inspectContainerCmd(container(run)).exec())
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void aLongJobIdGivesADistinctNameOfAtMost63Characters() {
    String longId = "integration-tests-against-the-staging-database-and-the-queue";
    JobRun first = run(buildId, longId + "-a", IMAGE, step("echo a"));
    JobRun second = run(buildId, longId + "-b", IMAGE, step("echo b"));
    Lines a = new Lines();
    Lines b = new Lines();

    runToEnd(first, a);
    runToEnd(second, b);

    assertThat(container(first)).hasSize(63).startsWith("ofb" + installation.value() + "-build-");
    assertThat(container(second)).hasSize(63).isNotEqualTo(container(first));
    assertThat(container(first)).isEqualTo(DockerJobBackend.containerName(installation, first));
    assertThat(docker.inspectContainerCmd(container(first)).exec().getName())
        .isEqualTo("/" + container(first));
    assertThat(a.output()).containsExactly("a");
    assertThat(b.output()).containsExactly("b");
  }

  @Test
  void releaseRemovesTheContainerAndDeleteWorkspaceTheVolume() {
    JobRun run = job("cleanup", "echo data > kept.txt");
    JobBackend.JobExit exit = runToEnd(run, new Lines());

    backend.release(run, exit);
    assertThatThrownBy(() -> docker.inspectContainerCmd(container(run)).exec())
        .isInstanceOf(NotFoundException.class);
    Lines read = new Lines();
    runToEnd(job("reader", "cat kept.txt"), read);
    assertThat(read.output()).containsExactly("data");

    backend.deleteWorkspace(buildId);

    assertThat(
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(
                    Map.of(
                        "opsflow.installation",
                        installation.value(),
                        "opsflow.build-id",
                        Long.toString(buildId)))
                .exec())
        .isEmpty();
    assertThatThrownBy(
            () -> docker.inspectVolumeCmd(dockerBackend().workspaceVolume(buildId)).exec())
        .isInstanceOf(NotFoundException.class);
  }
}
