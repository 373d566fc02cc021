package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.api.ApiClient.SseEvent;
import io.opsflow.api.ApiClient.SseStream;
import io.opsflow.api.events.EventHub;
import io.opsflow.build.runner.BuildProperties;
import io.opsflow.build.runner.InstallationToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * CI builds end to end over HTTP on the embedded default with the local runner: pipelines with
 * members, a build whose jobs share files and print logs followed live over SSE, fail-fast with a
 * re-run that reuses what succeeded, cancel, and builds kept apart from another installation's
 * leftovers in the shared work directory.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=build-it",
      "opsflow.builds.runner=local",
      "opsflow.builds.parallelism=4"
    })
class BuildFlowIT {

  static final String PIPELINE =
      """
      name: demo
      on: push
      env:
        GREETING: hello
      jobs:
        build:
          runs-on: ubuntu-latest
          env:
            FLAVOUR: release
          steps:
            - name: compile
              run: |
                echo "compiling with $GREETING"
                mkdir -p out && echo "artifact-$FLAVOUR" > out/app.txt
        test:
          needs: build
          steps:
            - run: cat out/app.txt
            - name: unit
              run: echo "unit tests passed for $SUITE"
              env:
                SUITE: core
        lint:
          needs: [build]
          steps:
            - run: echo lint ok
        deploy:
          needs: [test, lint]
          steps:
            - run: echo "deploying $(cat out/app.txt)"
      """;

  @LocalServerPort int port;
  @Autowired EventHub hub;
  @Autowired JdbcTemplate jdbc;
  @Autowired BuildProperties buildProperties;
  @Autowired InstallationToken installation;
  ApiClient anonymous;
  ApiClient alice;
  ApiClient bob;
  ApiClient carol;

  @BeforeEach
  void clients() {
    anonymous = new ApiClient(port).anonymous();
    alice = new ApiClient(port).as("alice");
    bob = anonymous.as("bob");
    carol = anonymous.as("carol");
  }

  private long createPipeline(String name, String yaml) {
    return alice
        .ok(alice.post("/api/v1/pipelines", pipelineJson(name, yaml, List.of("bob"))), 201)
        .path("id")
        .asLong();
  }

  private static String pipelineJson(String name, String yaml, List<String> members) {
    var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    node.put("name", name);
    node.put("yaml", yaml);
    var array = node.putArray("members");
    members.forEach(array::add);
    return node.toString();
  }

  private JsonNode awaitBuild(long id, String status) {
    return bob.await(
        "/api/v1/builds/" + id,
        b -> b.path("status").asText().equals(status),
        Duration.ofSeconds(60));
  }

  private static JsonNode job(JsonNode build, String id) {
    for (JsonNode j : build.path("jobs")) {
      if (j.path("id").asText().equals(id)) {
        return j;
      }
    }
    throw new AssertionError("no job " + id + " in " + build);
  }

  @Test
  void aBuildRunsItsDagAndItsLogsCanBeFollowedLive() throws Exception {
    List<JsonNode> events = alice.subscribe("");
    await().atMost(Duration.ofSeconds(20)).until(() -> hub.subscriberCount() > 0);

    JsonNode dag =
        alice.ok(
            alice.post(
                "/api/v1/pipelines/validate",
                "{\"yaml\":"
                    + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(PIPELINE)
                    + "}"),
            200);
    assertThat(dag.path("levels").toString())
        .isEqualTo("[[\"build\"],[\"test\",\"lint\"],[\"deploy\"]]");
    assertThat(dag.path("ignored").toString()).contains("on").contains("jobs.build.runs-on");

    long pipeline = createPipeline("demo-" + UUID.randomUUID(), PIPELINE);
    assertThat(anonymous.post("/api/v1/pipelines/" + pipeline + "/builds", null).status())
        .isEqualTo(401);
    assertThat(carol.post("/api/v1/pipelines/" + pipeline + "/builds", null).status())
        .isEqualTo(403);
    assertThat(bob.post("/api/v1/pipelines/999999/builds", null).status()).isEqualTo(404);

    JsonNode queued = bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201);
    long id = queued.path("id").asLong();
    assertThat(queued.path("status").asText()).isEqualTo("QUEUED");
    assertThat(queued.path("number").asInt()).isEqualTo(1);
    assertThat(queued.path("triggered_by").asText()).isEqualTo("bob");
    assertThat(queued.path("jobs")).hasSize(4);

    // Follow the last job's log before it has even started: lines, then the end.
    SseStream deployLog = bob.sse("/api/v1/builds/" + id + "/jobs/deploy/logs", null);
    JsonNode done = awaitBuild(id, "SUCCEEDED");
    assertThat(deployLog.ended().get(30, TimeUnit.SECONDS)).isEqualTo(200);
    List<SseEvent> lines =
        deployLog.events().stream().filter(e -> "line".equals(e.name())).toList();
    assertThat(lines).extracting(SseEvent::data).contains("deploying artifact-release");
    assertThat(lines.get(0).id()).isEqualTo("1:0");
    SseEvent end = deployLog.events().get(deployLog.events().size() - 1);
    assertThat(end.name()).isEqualTo("end");
    assertThat(end.data()).contains("SUCCEEDED");

    for (JsonNode j : done.path("jobs")) {
      assertThat(j.path("status").asText()).as(j.toString()).isEqualTo("SUCCEEDED");
      assertThat(j.path("attempt").asInt()).isEqualTo(1);
      assertThat(j.path("exit_code").asInt()).isZero();
      assertThat(Instant.parse(j.path("finished_at").asText()))
          .isAfterOrEqualTo(Instant.parse(j.path("started_at").asText()));
    }
    // test and lint ran after build and before deploy.
    Instant buildEnd = Instant.parse(job(done, "build").path("finished_at").asText());
    Instant deployStart = Instant.parse(job(done, "deploy").path("started_at").asText());
    for (String mid : List.of("test", "lint")) {
      assertThat(Instant.parse(job(done, mid).path("started_at").asText()))
          .isAfterOrEqualTo(buildEnd);
      assertThat(Instant.parse(job(done, mid).path("finished_at").asText()))
          .isBeforeOrEqualTo(deployStart);
    }

    String testLog = bob.text("/api/v1/builds/" + id + "/jobs/test/logs");
    assertThat(testLog).contains("artifact-release").contains("unit tests passed for core");
    assertThat(bob.text("/api/v1/builds/" + id + "/jobs/build/logs"))
        .contains("compiling with hello");
    JsonNode page = bob.ok(bob.get("/api/v1/builds/" + id + "/jobs/test/logs?after=-1"), 200);
    assertThat(page.path("finished").asBoolean()).isTrue();
    for (int i = 0; i < page.path("lines").size(); i++) {
      assertThat(page.path("lines").get(i).path("n").asLong()).isEqualTo(i);
    }
    // Resuming with Last-Event-ID gives only what comes after, then the end.
    SseStream resumed = bob.sse("/api/v1/builds/" + id + "/jobs/test/logs", "1:0");
    resumed.ended().get(30, TimeUnit.SECONDS);
    assertThat(resumed.events().stream().filter(e -> "line".equals(e.name())).map(SseEvent::id))
        .doesNotContain("1:0")
        .contains("1:1");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        events.stream()
                            .filter(e -> e.path("build_id").asLong() == id)
                            .map(e -> e.path("type").asText()))
                    .contains("build_status", "job_status"));
    List<String> buildStatuses = new ArrayList<>();
    for (JsonNode e : events) {
      if (e.path("build_id").asLong() == id && e.path("type").asText().equals("build_status")) {
        buildStatuses.add(e.path("data").path("status").asText());
      }
    }
    assertThat(buildStatuses).containsSubsequence("RUNNING", "SUCCEEDED");

    // The next build is number 2; the list shows both, newest first.
    long second =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    awaitBuild(second, "SUCCEEDED");
    JsonNode list = bob.ok(bob.get("/api/v1/pipelines/" + pipeline + "/builds"), 200);
    assertThat(list.get(0).path("number").asInt()).isEqualTo(2);
    assertThat(list.get(1).path("number").asInt()).isEqualTo(1);
  }

  private static String workflowFile(String name) throws IOException {
    return Files.readString(
        Path.of("..", "workflows", "src", "test", "resources", "workflows", name));
  }

  private static String json(Object value) throws IOException {
    return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(value);
  }

  private static String logPath(long build, String job) {
    return "/api/v1/builds/" + build + "/jobs/" + job.replace(" ", "%20") + "/logs";
  }

  @Test
  void realWorkflowsRunWithTheirTriggersMatricesAndExpressions() throws Exception {
    for (String file : List.of("java-maven.yml", "node.yml", "go.yml", "python.yml")) {
      alice.ok(
          alice.post("/api/v1/pipelines/validate", "{\"yaml\":" + json(workflowFile(file)) + "}"),
          200);
    }

    // Node: one job per version; node itself runs.
    long node = createPipeline("node-" + UUID.randomUUID(), workflowFile("node.yml"));
    String push = "{\"event\":\"push\",\"ref\":\"main\",\"sha\":\"0123abcd\"}";
    JsonNode queued = bob.ok(bob.post("/api/v1/pipelines/" + node + "/builds", push), 201);
    assertThat(queued.path("jobs").findValuesAsText("id"))
        .containsExactly("build (18.x)", "build (20.x)", "build (22.x)");
    long nodeBuild = queued.path("id").asLong();
    awaitBuild(nodeBuild, "SUCCEEDED");
    assertThat(bob.text(logPath(nodeBuild, "build (20.x)")))
        .contains("standing in for 20.x")
        .contains("npm ci && npm run build --if-present && npm test");
    ApiClient.Answer refused =
        bob.post(
            "/api/v1/pipelines/" + node + "/builds",
            "{\"event\":\"push\",\"ref\":\"refs/heads/feature/x\"}");
    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.body().path("detail").asText())
        .isEqualTo("on.push.branches [main] does not match 'feature/x'");
    assertThat(
            bob.post("/api/v1/pipelines/" + node + "/builds", "{\"event\":\"schedule\"}").status())
        .isEqualTo(422);

    // Python: exclude drops 3.10; coverage runs once both versions passed.
    String pythonName = "python-" + UUID.randomUUID();
    long python = createPipeline(pythonName, workflowFile("python.yml"));
    long pyBuild =
        bob.ok(
                bob.post(
                    "/api/v1/pipelines/" + python + "/builds",
                    "{\"event\":\"pull_request\",\"ref\":\"refs/pull/7/merge\",\"sha\":\"feedbee\"}"),
                201)
            .path("id")
            .asLong();
    JsonNode pyDone = awaitBuild(pyBuild, "SUCCEEDED");
    assertThat(pyDone.path("jobs").findValuesAsText("id"))
        .containsExactly("test (3.11)", "test (3.12)", "coverage");
    assertThat(bob.text(logPath(pyBuild, "test (3.12)")))
        .contains("lint ok for 3.12")
        .contains("tests passed");
    assertThat(bob.text(logPath(pyBuild, "coverage")))
        .contains("coverage for " + pythonName + "@feedbee (pull_request)");

    // Java/Maven: workflow_dispatch inputs are typed and checked; publish only for release pushes.
    long java = createPipeline("java-" + UUID.randomUUID(), workflowFile("java-maven.yml"));
    ApiClient.Answer badInput =
        bob.post(
            "/api/v1/pipelines/" + java + "/builds",
            "{\"event\":\"workflow_dispatch\",\"inputs\":{\"skip-tests\":\"maybe\"}}");
    assertThat(badInput.status()).isEqualTo(400);
    assertThat(badInput.body().path("field").asText()).isEqualTo("inputs.skip-tests");
    assertThat(badInput.body().path("detail").asText())
        .isEqualTo("inputs.skip-tests: must be true or false, got 'maybe'");
    long javaBuild =
        bob.ok(
                bob.post(
                    "/api/v1/pipelines/" + java + "/builds",
                    "{\"event\":\"workflow_dispatch\",\"ref\":\"main\",\"inputs\":{\"skip-tests\":true}}"),
                201)
            .path("id")
            .asLong();
    JsonNode javaDone = awaitBuild(javaBuild, "SUCCEEDED");
    assertThat(job(javaDone, "publish").path("status").asText()).isEqualTo("SKIPPED");
    assertThat(bob.text(logPath(javaBuild, "build (ubuntu-latest, 21)")))
        .contains("mvn -B package -Djava.version=21 -DskipTests=true (-Xmx512m)");

    // Go: a version tag runs the release job.
    long go = createPipeline("go-" + UUID.randomUUID(), workflowFile("go.yml"));
    long goBuild =
        bob.ok(
                bob.post(
                    "/api/v1/pipelines/" + go + "/builds",
                    "{\"event\":\"push\",\"ref\":\"refs/tags/v1.2.0\"}"),
                201)
            .path("id")
            .asLong();
    awaitBuild(goBuild, "SUCCEEDED");
    assertThat(bob.text(logPath(goBuild, "release"))).contains("release v1.2.0 (tag)");

    // A bad expression is a 400 naming the field, with its line and column.
    ApiClient.Answer badIf =
        alice.post(
            "/api/v1/pipelines/validate",
            "{\"yaml\":\"jobs:\\n  deploy:\\n    if: github.ref ==\\n    steps: [{run: x}]\\n\"}");
    assertThat(badIf.status()).isEqualTo(400);
    JsonNode problem = badIf.body().path("problems").get(0);
    assertThat(problem.path("path").asText()).isEqualTo("jobs.deploy.if");
    assertThat(problem.path("line").asInt()).isEqualTo(3);
    assertThat(problem.path("column").asInt()).isEqualTo(22);
    assertThat(problem.path("message").asText())
        .isEqualTo("invalid expression: unexpected end of expression");
  }

  static final String OUTPUTS =
      """
      name: outputs
      defaults:
        run:
          shell: bash
      jobs:
        version:
          outputs:
            version: ${{ steps.meta.outputs.version }}
            notes: ${{ steps.meta.outputs.notes }}
          steps:
            - id: meta
              run: |
                mkdir -p sub
                echo "version=1.2.$((1 + 2))" >> "$GITHUB_OUTPUT"
                { echo 'notes<<EOF'; echo 'first line'; echo 'second line'; echo EOF; } >> "$GITHUB_OUTPUT"
                echo "STAGE=packaged" >> "$GITHUB_ENV"
            - name: env from the previous step
              run: echo "stage is $STAGE"
            - name: allowed to fail
              continue-on-error: true
              run: exit 7
            - name: in a directory
              working-directory: sub
              shell: sh
              run: pwd
        use:
          needs: version
          if: needs.version.outputs.version == '1.2.3'
          defaults:
            run:
              working-directory: .
          steps:
            - run: echo "got ${{ needs.version.outputs.version }}"
            - run: echo "${{ needs.version.outputs.notes }}"
            - run: exit 3
            - name: skipped after the failure
              run: echo never
            - name: cleanup
              if: failure()
              run: echo "cleaning up after ${{ needs.version.result }} version"
            - if: always()
              shell: python
              run: print("python", 6 * 7)
      """;

  @Test
  void stepOutputsEnvAndControlsReachTheNextStepsAndJobs() throws Exception {
    long pipeline = createPipeline("outputs-" + UUID.randomUUID(), OUTPUTS);
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", "{\"ref\":\"main\"}"), 201)
            .path("id")
            .asLong();
    JsonNode done = awaitBuild(id, "FAILED");
    assertThat(job(done, "version").path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(bob.text(logPath(id, "version")))
        .contains("stage is packaged")
        .contains("##[step 3/4] failed with exit 7, continuing (continue-on-error)")
        .containsPattern("(?m)/sub$");
    JsonNode use = job(done, "use");
    assertThat(use.path("status").asText()).isEqualTo("FAILED");
    assertThat(use.path("exit_code").asInt()).isEqualTo(3);
    assertThat(bob.text(logPath(id, "use")))
        .contains("got 1.2.3")
        .contains("first line\nsecond line")
        .contains("cleaning up after success version")
        .contains("python 42")
        .doesNotContain("never");
  }

  static final String STEPS =
      """
      name: steps
      jobs:
        release:
          steps:
            - id: v
              run: |
                mkdir -p "out dir"
                echo "version=1.2.$GITHUB_RUN_NUMBER" >> "$GITHUB_OUTPUT"
                echo "dir=out dir" >> "$GITHUB_OUTPUT"
                echo 'quoted=it'"'"'s $HOME `id`' >> "$GITHUB_OUTPUT"
                printf 'a\\n' > "out dir/a.txt"
            - if: steps.v.outputs.version != '' && steps.v.outcome == 'success'
              name: release ${{ steps.v.outputs.version }}
              env:
                NOTE: ${{ steps.v.outputs.quoted }}
                HASH: ${{ hashFiles('out dir/*.txt') }}
              working-directory: ${{ steps.v.outputs.dir }}
              run: |
                echo "releasing ${{ steps.v.outputs.version }} in $(basename "$PWD")"
                echo "note: $NOTE"
                echo "hash: $HASH"
            - id: test
              continue-on-error: true
              run: exit 4
            - if: steps.test.outcome == 'failure' && steps.test.conclusion == 'SUCCESS'
              run: echo "test failed but continued"
            - if: steps.v.outputs.version == '9.9.9'
              run: echo never
            - id: hard
              run: exit 5
            - if: failure() && steps.hard.outcome == 'failure'
              run: echo "hard failed with ${{ steps.hard.conclusion }}"
            - if: steps.hard.outcome == 'success'
              run: echo never either
      """;

  @Test
  void laterStepsReadEarlierStepsOutcomeOutputsAndHashFilesOnTheRunner() throws Exception {
    long pipeline = createPipeline("steps-" + UUID.randomUUID(), STEPS);
    JsonNode build =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", "{\"ref\":\"main\"}"), 201);
    long id = build.path("id").asLong();
    JsonNode done = awaitBuild(id, "FAILED");
    JsonNode release = job(done, "release");
    assertThat(release.path("exit_code").asInt()).isEqualTo(5);
    String number = build.path("number").asText();
    String aHash = sha256Hex(sha256(new byte[] {'a', '\n'}));
    assertThat(bob.text(logPath(id, "release")))
        .contains("##[step 2/8] release 1.2." + number)
        .contains("releasing 1.2." + number + " in out dir")
        .contains("note: it's $HOME `id`")
        .contains("hash: " + aHash)
        .contains("test failed but continued")
        .contains("hard failed with failure")
        .doesNotContain("never");
  }

  private static byte[] sha256(byte[] bytes) throws java.security.NoSuchAlgorithmException {
    return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  private static String sha256Hex(byte[] bytes) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of().formatHex(sha256(bytes));
  }

  @Test
  void aNewerBuildOfAConcurrencyGroupCancelsTheRunningOne() {
    long pipeline =
        createPipeline(
            "grouped-" + UUID.randomUUID(),
            """
            concurrency:
              group: deploy-${{ github.ref_name }}
              cancel-in-progress: true
            jobs:
              deploy:
                steps:
                  - run: sleep ${{ github.event_name == 'push' && 60 || 1 }}; echo deployed
            """);
    long first =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", "{\"ref\":\"main\"}"), 201)
            .path("id")
            .asLong();
    awaitBuild(first, "RUNNING");
    long second =
        bob.ok(
                bob.post(
                    "/api/v1/pipelines/" + pipeline + "/builds",
                    "{\"event\":\"workflow_dispatch\",\"ref\":\"main\"}"),
                201)
            .path("id")
            .asLong();
    JsonNode cancelled = awaitBuild(first, "CANCELLED");
    assertThat(cancelled.path("message").asText())
        .isEqualTo(
            "cancelled: cancel-in-progress of build "
                + second
                + " in concurrency group 'deploy-main'");
    awaitBuild(second, "SUCCEEDED");
    assertThat(bob.text(logPath(second, "deploy"))).contains("deployed");
  }

  @Test
  void invalidPipelinesAreRejectedWithLineAndColumn() {
    String cyclic =
        """
        jobs:
          a:
            needs: c
            steps: [{run: echo a}]
          b:
            needs: a
            steps: [{run: echo b}]
          c:
            needs: b
            steps: [{run: echo c}]
        """;
    ApiClient.Answer answer =
        alice.post("/api/v1/pipelines", pipelineJson("cyclic", cyclic, List.of()));
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body().path("field").asText()).isEqualTo("yaml");
    assertThat(answer.body().path("detail").asText()).contains("cycle");
    JsonNode problem = answer.body().path("problems").get(0);
    assertThat(problem.path("line").asInt()).isPositive();
    assertThat(problem.path("column").asInt()).isPositive();

    ApiClient.Answer unknown =
        alice.post(
            "/api/v1/pipelines/validate",
            "{\"yaml\":\"jobs:\\n  a:\\n    needs: bild\\n    steps: [{run: x}]\\n\"}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("detail").asText()).contains("bild");
    assertThat(unknown.body().path("problems").get(0).path("line").asInt()).isEqualTo(3);
  }

  @Test
  void aFailedJobSkipsItsDependentsAndARerunReusesWhatSucceeded() throws IOException {
    Path gate = Files.createTempFile("opsflow-gate", ".txt");
    Files.delete(gate);
    String yaml =
        """
        jobs:
          prepare:
            steps:
              - run: echo prepared
          flaky:
            needs: prepare
            steps:
              - run: test -f %s && echo gate open
          report:
            needs: flaky
            steps:
              - run: echo report
          cleanup:
            needs: flaky
            if: always()
            steps:
              - run: echo cleaning up
          docs:
            steps:
              - run: echo docs built
        """
            .formatted(gate);
    long pipeline = createPipeline("flaky-" + UUID.randomUUID(), yaml);
    long first =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    JsonNode failed = awaitBuild(first, "FAILED");
    assertThat(job(failed, "prepare").path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(job(failed, "flaky").path("status").asText()).isEqualTo("FAILED");
    assertThat(job(failed, "flaky").path("exit_code").asInt()).isEqualTo(1);
    assertThat(job(failed, "report").path("status").asText()).isEqualTo("SKIPPED");
    assertThat(job(failed, "cleanup").path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(job(failed, "docs").path("status").asText()).isEqualTo("SUCCEEDED");

    assertThat(carol.post("/api/v1/builds/" + first + "/rerun", null).status()).isEqualTo(403);
    Files.writeString(gate, "open");
    try {
      JsonNode rerun = bob.ok(bob.post("/api/v1/builds/" + first + "/rerun", null), 201);
      long second = rerun.path("id").asLong();
      assertThat(rerun.path("rerun_of").asLong()).isEqualTo(first);
      JsonNode ok = awaitBuild(second, "SUCCEEDED");
      assertThat(job(ok, "prepare").path("reused_from_build").asLong()).isEqualTo(first);
      assertThat(job(ok, "docs").path("reused_from_build").asLong()).isEqualTo(first);
      assertThat(job(ok, "flaky").path("reused_from_build").isNull()).isTrue();
      assertThat(job(ok, "report").path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(bob.text("/api/v1/builds/" + second + "/jobs/flaky/logs")).contains("gate open");
      // A reused job shows the log of the build that ran it.
      assertThat(bob.text("/api/v1/builds/" + second + "/jobs/prepare/logs")).contains("prepared");
      assertThat(bob.post("/api/v1/builds/" + second + "/rerun", null).status()).isEqualTo(409);
    } finally {
      Files.deleteIfExists(gate);
    }
  }

  @Test
  void pipelineVariablesAreSnapshottedWhenABuildStartsAndARerunKeepsThem() throws Exception {
    Path gate = Files.createTempFile("opsflow-vars-gate", ".txt");
    Path again = Files.createTempFile("opsflow-vars-again", ".txt");
    Files.delete(gate);
    Files.delete(again);
    String yaml =
        """
        jobs:
          show:
            steps:
              - run: echo "deploying to ${{ vars.deploy_env }}"
          hold:
            if: vars.RELEASE != 'yes'
            steps:
              - run: echo holding
          wait:
            needs: show
            steps:
              - run: for i in $(seq 1 600); do test -f %s && exit 0; sleep 0.1; done; exit 1
          late:
            needs: wait
            steps:
              - run: echo "late sees ${{ vars.DEPLOY_ENV }}" && test -f %s
        """
            .formatted(gate, again);
    long pipeline = createPipeline("vars-" + UUID.randomUUID(), yaml);
    String variables = "/api/v1/pipelines/" + pipeline + "/variables";
    try {
      // Set by a member (bob), stored upper-cased; replaced with 200.
      JsonNode created = bob.ok(bob.put(variables + "/deploy_env", "{\"value\":\"qa\"}"), 201);
      assertThat(created.path("name").asText()).isEqualTo("DEPLOY_ENV");
      assertThat(created.path("updated_by").asText()).isEqualTo("bob");
      bob.ok(bob.put(variables + "/DEPLOY_ENV", "{\"value\":\"staging\"}"), 200);
      alice.ok(alice.put(variables + "/release", "{\"value\":\"yes\"}"), 201);
      JsonNode listed = carol.ok(carol.get(variables), 200);
      assertThat(listed.findValuesAsText("name")).containsExactly("DEPLOY_ENV", "RELEASE");
      assertThat(listed.get(0).path("value").asText()).isEqualTo("staging");

      long first =
          bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
              .path("id")
              .asLong();
      bob.await(
          "/api/v1/builds/" + first,
          b -> job(b, "wait").path("status").asText().equals("RUNNING"),
          Duration.ofSeconds(60));
      // Edited and deleted while the build runs: the build keeps what it started with.
      bob.ok(bob.put(variables + "/deploy_env", "{\"value\":\"production\"}"), 200);
      assertThat(bob.delete(variables + "/release").status()).isEqualTo(204);
      Files.writeString(gate, "open");
      JsonNode failed = awaitBuild(first, "FAILED");
      assertThat(job(failed, "show").path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(job(failed, "hold").path("status").asText()).isEqualTo("SKIPPED");
      assertThat(job(failed, "late").path("status").asText()).isEqualTo("FAILED");
      assertThat(bob.text("/api/v1/builds/" + first + "/jobs/show/logs"))
          .contains("deploying to staging");
      assertThat(bob.text("/api/v1/builds/" + first + "/jobs/late/logs"))
          .contains("late sees staging")
          .doesNotContain("production");

      // A re-run sees the original values, as GitHub's re-runs do.
      Files.writeString(again, "open");
      long second =
          bob.ok(bob.post("/api/v1/builds/" + first + "/rerun", null), 201).path("id").asLong();
      JsonNode rerun = awaitBuild(second, "SUCCEEDED");
      assertThat(job(rerun, "hold").path("status").asText()).isEqualTo("SKIPPED");
      assertThat(bob.text("/api/v1/builds/" + second + "/jobs/late/logs"))
          .contains("late sees staging");

      // A new build sees the edit and the deletion.
      long third =
          bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
              .path("id")
              .asLong();
      JsonNode fresh = awaitBuild(third, "SUCCEEDED");
      assertThat(job(fresh, "hold").path("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(bob.text("/api/v1/builds/" + third + "/jobs/show/logs"))
          .contains("deploying to production");
    } finally {
      Files.deleteIfExists(gate);
      Files.deleteIfExists(again);
    }
  }

  @Test
  void badVariableNamesAndValuesAreRefusedNamingTheField() throws Exception {
    long pipeline =
        createPipeline("vars-bad-" + UUID.randomUUID(), "jobs:\n  a:\n    steps: [{run: x}]\n");
    String variables = "/api/v1/pipelines/" + pipeline + "/variables";
    for (String name : List.of("1ST", "GITHUB_TOKEN", "github_x", "A-B", "A.B", "x".repeat(101))) {
      ApiClient.Answer answer = bob.put(variables + "/" + name, "{\"value\":\"v\"}");
      assertThat(answer.status()).as(name).isEqualTo(400);
      assertThat(answer.body().path("field").asText()).as(name).isEqualTo("name");
    }
    for (String body :
        List.of("{}", "{\"value\":\"\"}", "{\"value\":\"" + "x".repeat(48 * 1024 + 1) + "\"}")) {
      ApiClient.Answer answer = bob.put(variables + "/OK", body);
      assertThat(answer.status()).isEqualTo(400);
      assertThat(answer.body().path("field").asText()).isEqualTo("value");
    }
    // Exactly 48 KB is allowed.
    bob.ok(bob.put(variables + "/BIG", "{\"value\":\"" + "x".repeat(48 * 1024) + "\"}"), 201);
    // Not a member: 403; unknown pipeline or variable: 404.
    assertThat(carol.put(variables + "/OK", "{\"value\":\"v\"}").status()).isEqualTo(403);
    assertThat(carol.delete(variables + "/BIG").status()).isEqualTo(403);
    assertThat(bob.put("/api/v1/pipelines/999999999/variables/OK", "{\"value\":\"v\"}").status())
        .isEqualTo(404);
    assertThat(bob.get("/api/v1/pipelines/999999999/variables").status()).isEqualTo(404);
    assertThat(bob.delete(variables + "/NOPE").status()).isEqualTo(404);
    assertThat(bob.ok(bob.get(variables + "/big"), 200).path("value").asText()).hasSize(48 * 1024);
    // The OpenAPI document describes the routes and the body's required value.
    JsonNode doc = anonymous.ok(anonymous.get("/v3/api-docs"), 200);
    JsonNode put = doc.path("paths").path("/api/v1/pipelines/{id}/variables/{name}").path("put");
    assertThat(put.path("x-roles").toString()).contains("ci_user");
    assertThat(doc.at("/components/schemas/SetVariable/required").toString()).contains("value");
    assertThat(doc.path("paths").path("/api/v1/pipelines/{id}/variables").has("get")).isTrue();

    // The count limit: 500 variables per pipeline, a 501st is refused, replacing one is not.
    for (int i = 1; i < 500; i++) {
      jdbc.update(
          "insert into pipeline_variables (pipeline_id, name, value, updated_by)"
              + " values (?, ?, 'v', 'it')",
          pipeline,
          "V" + i);
    }
    ApiClient.Answer full = bob.put(variables + "/ONE_MORE", "{\"value\":\"v\"}");
    assertThat(full.status()).isEqualTo(409);
    assertThat(full.body().path("detail").asText()).contains("500");
    bob.ok(bob.put(variables + "/V1", "{\"value\":\"w\"}"), 200);
    // The size limit: 256 KB of values together.
    ApiClient.Answer tooMuch = null;
    for (int i = 1; i <= 5; i++) {
      String big = "{\"value\":\"" + "y".repeat(48 * 1024) + "\"}";
      ApiClient.Answer answer = bob.put(variables + "/V" + (100 + i), big);
      if (answer.status() != 200) {
        tooMuch = answer;
        break;
      }
    }
    assertThat(tooMuch).isNotNull();
    assertThat(tooMuch.status()).isEqualTo(409);
    assertThat(tooMuch.body().path("field").asText()).isEqualTo("value");
  }

  @Test
  void aFinishedAttemptOfAnotherInstallationsBuildWithTheSameIdIsNotReattached() throws Exception {
    // Another database numbered a build as ours will be; its attempt finished with exit 7 and kept
    // its exit code for a retry: once in the layout before installation tokens, once in another
    // installation's directory.
    long id = ThreadLocalRandom.current().nextLong(1_000_000, 1_000_000_000L);
    jdbc.queryForObject(
        "select setval(pg_get_serial_sequence('builds', 'id'), ?, false)", Long.class, id);
    Path shared = Path.of(buildProperties.local().workDir());
    String other = installation.value().equals("00000000") ? "00000001" : "00000000";
    List<Path> leftovers =
        List.of(
            shared.resolve("build-" + id + "-solo-1"),
            shared.resolve(other).resolve("build-" + id + "-solo-1"));
    for (Path dir : leftovers) {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("exit-code"), "7\n");
    }
    try {
      long pipeline =
          createPipeline(
              "leftover-" + UUID.randomUUID(),
              "jobs:\n  solo:\n    steps:\n      - run: echo ran\n");

      long started =
          bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
              .path("id")
              .asLong();
      JsonNode done = awaitBuild(started, "SUCCEEDED");

      assertThat(started).isEqualTo(id);
      assertThat(job(done, "solo").path("exit_code").asInt()).isZero();
      assertThat(bob.text("/api/v1/builds/" + id + "/jobs/solo/logs")).contains("ran");
      for (Path dir : leftovers) {
        assertThat(Files.readString(dir.resolve("exit-code"))).isEqualTo("7\n");
      }
    } finally {
      for (Path dir : leftovers) {
        Files.deleteIfExists(dir.resolve("exit-code"));
        Files.deleteIfExists(dir);
      }
      try {
        Files.deleteIfExists(shared.resolve(other));
      } catch (java.nio.file.DirectoryNotEmptyException inUse) {
        // a real installation with that token works there: leave it
      }
    }
  }

  @Test
  void cancelStopsTheRunningProcessAndMarksEverythingCancelled() throws Exception {
    Path pidFile = Files.createTempFile("opsflow-cancel", ".pid");
    String yaml =
        """
        jobs:
          long:
            steps:
              - run: |
                  echo $$ > %s
                  echo started
                  sleep 300
          after:
            needs: long
            steps:
              - run: echo never
          always:
            needs: long
            if: always()
            steps:
              - run: echo cleanup ran
        """
            .formatted(pidFile);
    long pipeline = createPipeline("cancel-" + UUID.randomUUID(), yaml);
    long id =
        bob.ok(bob.post("/api/v1/pipelines/" + pipeline + "/builds", null), 201)
            .path("id")
            .asLong();
    bob.await(
        "/api/v1/builds/" + id + "/jobs/long/logs?after=-1",
        p -> p.path("lines").toString().contains("started"),
        Duration.ofSeconds(30));
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

    JsonNode cancelled =
        bob.ok(bob.post("/api/v1/builds/" + id + "/cancel", "{\"reason\":\"wrong branch\"}"), 200);
    assertThat(job(cancelled, "long").path("status").asText()).isEqualTo("CANCELLED");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
    JsonNode end = awaitBuild(id, "CANCELLED");
    assertThat(job(end, "after").path("status").asText()).isEqualTo("CANCELLED");
    assertThat(job(end, "always").path("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(bob.text("/api/v1/builds/" + id + "/jobs/always/logs")).contains("cleanup ran");

    ApiClient.Answer again = bob.post("/api/v1/builds/" + id + "/cancel", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.body().path("detail").asText()).isEqualTo("Build already finished");
    Files.deleteIfExists(pidFile);
  }
}
