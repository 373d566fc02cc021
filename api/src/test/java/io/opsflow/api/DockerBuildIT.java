package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.opsflow.api.ApiClient.SseEvent;
import io.opsflow.api.ApiClient.SseStream;
import io.opsflow.build.docker.DockerJobBackend;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.docker.DockerConnections;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * CI builds end to end over HTTP on the embedded default with the Docker runner, against the real
 * engine (DOCKER_HOST or the default socket) and the image {@value #IMAGE} that {@code .ci/run}
 * builds: jobs share files through the build's workspace volume, env comes from three levels, logs
 * are read as text and followed over SSE, a failing job skips its dependents, a cancel stops the
 * job's container within seconds, and once a build has ended neither its containers nor its
 * workspace volume are left on the engine. Build ids restart at 1 with every fresh embedded
 * database while the engine outlives it; the runner's names carry the installation token, so
 * leftovers of earlier runs are never met. Fails, never skips, when the engine is not there.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=docker-build-it",
      "opsflow.builds.runner=docker",
      // The default heartbeat timeout (30 s): a cancel must not wait for the SDK's default
      // heartbeat throttle (24 s) to reach the running job.
      "opsflow.builds.parallelism=4"
    })
class DockerBuildIT {

  static final String IMAGE = "opsflow/busybox:local";

  static final String PIPELINE =
      """
      name: docker-demo
      env:
        GREETING: hello
        LEVEL: pipeline
      jobs:
        build:
          container:
            image: %1$s
          env:
            FLAVOUR: release
            LEVEL: job
          steps:
            - name: compile
              run: |
                echo "compiling with $GREETING at level $LEVEL"
                grep -q ' /workspace ' /proc/mounts && echo "workspace is a volume"
                mkdir -p out && echo "artifact-$FLAVOUR" > out/app.txt
        test:
          needs: build
          image: %1$s
          steps:
            - name: unit
              env:
                SUITE: core
                LEVEL: step
              run: echo "testing $(cat out/app.txt) suite $SUITE at level $LEVEL"
        package:
          needs: [build]
          steps:
            - run: echo "packaged $(cat /workspace/out/app.txt) at level $LEVEL"
        deploy:
          needs: [test, package]
          steps:
            - run: echo "deploying $(cat out/app.txt) with $GREETING"
      """
          .formatted(IMAGE);

  private static DockerClient docker;

  /** How long a cancelled job's container may outlive the cancel request. */
  static final Duration CANCEL_REACHES_THE_JOB = Duration.ofSeconds(10);

  @LocalServerPort int port;
  @Autowired InstallationToken installation;
  ApiClient alice;
  ApiClient bob;

  @BeforeAll
  static void engine() {
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
    if (docker != null) {
      docker.close();
    }
  }

  @BeforeEach
  void clients() {
    alice = new ApiClient(port).as("alice");
    bob = alice.as("bob");
  }

  @Test
  void jobsShareTheWorkspaceVolumeAndNothingIsLeftOnTheEngineAfterwards() throws Exception {
    long pipeline = createPipeline("docker-" + UUID.randomUUID(), PIPELINE);
    JsonNode queued = bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201);
    long id = queued.path("id").asLong();
    // Follow the last job's log before it has even started: its lines, then the end.
    SseStream deployLog = bob.sse("/api/v1/builds/" + id + "/jobs/deploy/logs", null);

    JsonNode done = awaitBuild(id, "SUCCEEDED");

    assertThat(done.path("runner").asText()).isEqualTo("docker");
    for (JsonNode job : done.path("jobs")) {
      assertThat(job.path("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
      assertThat(job.path("exit_code").asInt()).as(job.toString()).isZero();
      assertThat(job.path("attempt").asInt()).isEqualTo(1);
    }
    assertThat(log(id, "build"))
        .contains("##[step 1/1] compile")
        .contains("compiling with hello at level job")
        .contains("workspace is a volume");
    // Step env over job env over pipeline env; the files the build job wrote are there.
    assertThat(log(id, "test")).contains("testing artifact-release suite core at level step");
    assertThat(log(id, "package")).contains("packaged artifact-release at level pipeline");
    assertThat(log(id, "deploy")).contains("deploying artifact-release with hello");

    assertThat(deployLog.ended().get(30, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(deployLog.events())
        .filteredOn(e -> "line".equals(e.name()))
        .extracting(SseEvent::data)
        .contains("deploying artifact-release with hello");
    assertEnd(deployLog, "SUCCEEDED");

    assertNothingLeft(id);
  }

  @Test
  void aFailingJobFailsTheBuildAndSkipsItsDependents() throws Exception {
    String yaml =
        """
        jobs:
          prepare:
            steps:
              - run: echo prepared > state.txt
          broken:
            needs: prepare
            steps:
              - run: |
                  echo "failing after $(cat state.txt)"
                  exit 3
          after:
            needs: broken
            steps:
              - run: echo never
          report:
            needs: after
            steps:
              - run: echo never either
          docs:
            steps:
              - run: echo docs built
        """;
    long pipeline = createPipeline("docker-fail-" + UUID.randomUUID(), yaml);
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    SseStream brokenLog = bob.sse("/api/v1/builds/" + id + "/jobs/broken/logs", null);

    JsonNode failed = awaitBuild(id, "FAILED");

    assertThat(failed.path("message").asText()).isEqualTo("job 'broken' failed (exit 3)");
    assertThat(job(failed, "prepare").path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(job(failed, "broken").path("status").asText()).isEqualTo("FAILED");
    assertThat(job(failed, "broken").path("exit_code").asInt()).isEqualTo(3);
    assertThat(job(failed, "after").path("status").asText()).isEqualTo("SKIPPED");
    assertThat(job(failed, "after").path("message").asText())
        .isEqualTo("skipped: needs 'broken' failed");
    assertThat(job(failed, "report").path("status").asText()).isEqualTo("SKIPPED");
    assertThat(job(failed, "docs").path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(log(id, "broken")).contains("failing after prepared");

    assertThat(brokenLog.ended().get(30, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(brokenLog.events())
        .filteredOn(e -> "line".equals(e.name()))
        .extracting(SseEvent::data)
        .contains("failing after prepared");
    assertEnd(brokenLog, "FAILED");

    assertNothingLeft(id);
  }

  @Test
  void aJobWhoseImageDoesNotExistFailsWithTheRunnersMessage() {
    String yaml =
        """
        jobs:
          ghost:
            container: opsflow/no-such-image:never
            steps:
              - run: echo never
          after:
            needs: ghost
            steps:
              - run: echo never either
        """;
    long pipeline = createPipeline("docker-ghost-" + UUID.randomUUID(), yaml);
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();

    JsonNode failed = awaitBuild(id, "FAILED");

    assertThat(job(failed, "ghost").path("status").asText()).isEqualTo("FAILED");
    assertThat(job(failed, "ghost").path("message").asText())
        .isEqualTo("image 'opsflow/no-such-image:never' not found on the runner");
    assertThat(job(failed, "after").path("status").asText()).isEqualTo("SKIPPED");
    // The runner made the workspace volume before it found the image missing.
    assertNothingLeft(id);
  }

  @Test
  void aCancelledBuildLeavesNothingOnTheEngine() {
    String yaml =
        """
        jobs:
          long:
            steps:
              - run: |
                  echo started
                  sleep 300
          after:
            needs: long
            steps:
              - run: echo never
        """;
    long pipeline = createPipeline("docker-cancel-" + UUID.randomUUID(), yaml);
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    bob.await(
        "/api/v1/builds/" + id + "/jobs/long/logs?after=-1",
        p -> p.path("lines").toString().contains("started"),
        Duration.ofSeconds(60));
    assertThat(containersOf(id))
        .singleElement()
        .satisfies(
            c ->
                assertThat(c.getNames())
                    .containsExactly("/ofb" + installation.value() + "-build-" + id + "-long-1"));
    assertThat(volumeExists(id)).isTrue();

    long requested = System.nanoTime();
    JsonNode answered =
        bob.ok(bob.post("/api/v1/builds/" + id + "/cancel", "{\"reason\":\"wrong branch\"}"), 200);

    assertThat(job(answered, "long").path("status").asText()).isEqualTo("CANCELLED");
    await()
        .atMost(CANCEL_REACHES_THE_JOB.plusSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> containersOf(id).isEmpty());
    assertThat(Duration.ofNanos(System.nanoTime() - requested))
        .as("from the cancel request to the job's container removed")
        .isLessThan(CANCEL_REACHES_THE_JOB);
    JsonNode cancelled = awaitBuild(id, "CANCELLED");
    assertThat(job(cancelled, "after").path("status").asText()).isEqualTo("CANCELLED");
    assertNothingLeft(id);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private long createPipeline(String name, String yaml) {
    var body = new ObjectMapper().createObjectNode();
    body.put("name", name);
    body.put("yaml", yaml);
    body.putArray("members").add("bob");
    return alice.ok(alice.post("/api/v1/pipelines", body.toString()), 201).path("id").asLong();
  }

  private JsonNode awaitBuild(long id, String status) {
    return bob.await(
        "/api/v1/builds/" + id,
        b -> b.path("status").asText().equals(status),
        Duration.ofSeconds(90));
  }

  private String log(long id, String job) {
    return bob.text("/api/v1/builds/" + id + "/jobs/" + job + "/logs");
  }

  private static JsonNode job(JsonNode build, String id) {
    for (JsonNode j : build.path("jobs")) {
      if (j.path("id").asText().equals(id)) {
        return j;
      }
    }
    throw new AssertionError("no job " + id + " in " + build);
  }

  private static void assertEnd(SseStream stream, String status) throws IOException {
    List<SseEvent> events = stream.events();
    SseEvent end = events.get(events.size() - 1);
    assertThat(end.name()).isEqualTo("end");
    assertThat(new ObjectMapper().readTree(end.data()).path("status").asText()).isEqualTo(status);
  }

  /**
   * The build's final status is recorded only after the runner cleaned up, so by now neither a
   * container (running or exited) nor the workspace volume may be left.
   */
  private void assertNothingLeft(long buildId) {
    assertThat(containersOf(buildId)).as("containers of build %d", buildId).isEmpty();
    assertThat(volumeExists(buildId))
        .as("volume %s exists", DockerJobBackend.workspaceVolume(installation, buildId))
        .isFalse();
  }

  private boolean volumeExists(long buildId) {
    try {
      docker.inspectVolumeCmd(DockerJobBackend.workspaceVolume(installation, buildId)).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private List<Container> containersOf(long buildId) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(
            Map.of(
                DockerJobBackend.LABEL_INSTALLATION,
                installation.value(),
                DockerJobBackend.LABEL_BUILD_ID,
                Long.toString(buildId)))
        .exec();
  }
}
