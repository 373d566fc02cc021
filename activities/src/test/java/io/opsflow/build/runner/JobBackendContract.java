package io.opsflow.build.runner;

import static io.opsflow.build.runner.Runs.crashAfter;
import static io.opsflow.build.runner.Runs.run;
import static io.opsflow.build.runner.Runs.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.build.JobRun;
import io.opsflow.build.runner.JobBackend.JobExit;
import io.opsflow.build.runner.Runs.Lines;
import io.opsflow.build.runner.Runs.WorkerLost;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every runner must do, run against a real backend by each runner's test: shared workspace,
 * output, exit codes, env, timeout, re-attach after a worker restart, delete, and installations
 * sharing the runner's place kept apart.
 */
public abstract class JobBackendContract {

  protected long buildId;
  protected InstallationToken installation;
  protected JobBackend backend;

  /**
   * A backend of {@code installation} as a freshly started worker would create it (same host, same
   * state).
   */
  protected abstract JobBackend newBackend(InstallationToken installation);

  /** A backend of this test's installation as a freshly started worker would create it. */
  protected JobBackend newBackend() {
    return newBackend(installation);
  }

  /** The image jobs run on. */
  protected abstract String image();

  /** Creates the file {@code name} in the build's workspace, from outside the job. */
  protected abstract void touchInWorkspace(JobRun run, String name);

  /**
   * Asserts that the process whose pid the job wrote to {@code child.pid} in its workspace, and the
   * job itself, no longer run.
   */
  protected abstract void assertStopped(JobRun run);

  @BeforeEach
  void createBackend() {
    buildId = Runs.newBuildId();
    installation = Runs.newInstallation();
    backend = newBackend();
  }

  @AfterEach
  void removeBuild() throws Exception {
    backend.deleteWorkspace(buildId);
    close(backend);
  }

  protected static void close(JobBackend backend) throws Exception {
    if (backend instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  protected JobRun job(String jobId, String... scripts) {
    return run(
        buildId,
        jobId,
        image(),
        List.of(scripts).stream().map(Runs::step).toArray(io.opsflow.build.StepSpec[]::new));
  }

  protected JobExit runToEnd(JobRun run, Lines lines) {
    backend.ensureStarted(run);
    return backend.follow(run, 0, lines, () -> {});
  }

  @Test
  void jobsOfOneBuildShareTheWorkspace() {
    Lines first = new Lines();
    assertThat(runToEnd(job("write", "echo 'from write' > shared.txt"), first).exitCode()).isZero();

    Lines second = new Lines();
    JobExit exit = runToEnd(job("read", "cat shared.txt"), second);

    assertThat(exit.exitCode()).isZero();
    assertThat(second.output()).containsExactly("from write");
  }

  @Test
  void linesAreNumberedInOrderWithStepMarkersAndAnUnterminatedLastLine() {
    JobRun run =
        run(
            buildId,
            "lines",
            image(),
            step("greet", "echo one\necho two", Map.of()),
            step("printf 'no newline'"));
    Lines lines = new Lines();

    JobExit exit = runToEnd(run, lines);

    assertThat(exit).isEqualTo(new JobExit(0, false, null));
    assertThat(lines.lines())
        .containsExactly(
            "##[step 1/2] greet", "one", "two", "##[step 2/2] printf 'no newline'", "no newline");
    assertThat(lines.numbers()).containsExactly(0L, 1L, 2L, 3L, 4L);
  }

  private static io.opsflow.build.StepSpec control(
      String id, String run, String shell, String dir, boolean continueOnError, String when) {
    return new io.opsflow.build.StepSpec(
        null, run, Map.of(), id, shell, dir, continueOnError, null, null, when);
  }

  @Test
  void stepsPassEnvForwardAndReportTheirOutputs() {
    JobRun run =
        run(
            buildId,
            "outputs",
            image(),
            control(
                "meta",
                "echo \"version=1.2.$((1 + 2))\" >> \"$GITHUB_OUTPUT\"\n"
                    + "printf 'notes<<EOF\\nline one\\nline=two\\nEOF\\n' >> \"$GITHUB_OUTPUT\"\n"
                    + "echo MODE=fast >> \"$GITHUB_ENV\"\n"
                    + "printf 'BANNER<<END\\nhello\\nworld\\nEND\\n' >> \"$GITHUB_ENV\"",
                null,
                null,
                false,
                null),
            control(null, "echo \"mode $MODE\"; echo \"$BANNER\"", null, null, false, null));
    Lines lines = new Lines();

    JobExit exit = runToEnd(run, lines);

    assertThat(exit.exitCode()).isZero();
    assertThat(lines.output()).startsWith("mode fast", "hello", "world");
    StepOutputs outputs = new StepOutputs();
    lines.lines().forEach(outputs::accept);
    assertThat(outputs.outputs())
        .isEqualTo(Map.of("meta", Map.of("version", "1.2.3", "notes", "line one\nline=two")));
  }

  @Test
  void stepControlsDecideWhatRunsWhereAndWithWhat() {
    JobRun run =
        run(
            buildId,
            "controls",
            image(),
            control(null, "mkdir -p sub/dir && echo made", null, null, false, null),
            control(null, "pwd | sed 's|.*/sub/|in sub/|'", null, "sub/dir", false, null),
            control(null, "echo soft; exit 4", null, null, true, null),
            control(null, "echo still running", null, null, false, null),
            control(null, "false | true && echo pipefail is off in sh", "sh", null, false, null),
            control(null, "echo failing; exit 5", null, null, false, null),
            control(null, "echo skipped after failure", null, null, false, null),
            control(null, "echo on failure", null, null, false, "failure"),
            control(null, "echo always", "sh -e {0}", null, false, "always"),
            control(null, "echo never", null, null, false, "never"));
    Lines lines = new Lines();

    JobExit exit = runToEnd(run, lines);

    assertThat(exit.exitCode()).isEqualTo(5);
    assertThat(lines.output())
        .containsExactly(
            "made",
            "in sub/dir",
            "soft",
            "still running",
            "pipefail is off in sh",
            "failing",
            "on failure",
            "always");
    assertThat(lines.lines())
        .contains("##[step 3/10] failed with exit 4, continuing (continue-on-error)")
        .noneMatch(l -> l.startsWith("##[step 7/10]") || l.startsWith("##[step 10/10]"));
  }

  @Test
  void stdoutAndStderrAreBothKept() {
    Lines lines = new Lines();

    runToEnd(job("streams", "echo out; echo err >&2; echo out again"), lines);

    assertThat(lines.output()).containsExactly("out", "err", "out again");
  }

  @Test
  void aFailingStepEndsTheJobWithItsExitCode() {
    Lines lines = new Lines();

    JobExit exit = runToEnd(job("fails", "echo before; exit 3", "echo never"), lines);

    assertThat(exit.exitCode()).isEqualTo(3);
    assertThat(exit.timedOut()).isFalse();
    assertThat(lines.lines()).contains("before").doesNotContain("never");
    assertThat(lines.lines()).noneMatch(l -> l.startsWith("##[step 2/2]"));
  }

  @Test
  void jobEnvReachesEveryStepAndStepEnvOnlyItsOwn() {
    JobRun run =
        run(
            buildId,
            "env",
            image(),
            Map.of("GREETING", "hello", "WHO", "job"),
            60,
            step("first", "echo \"$GREETING $WHO\"", Map.of("WHO", "step one")),
            step("echo \"$GREETING $WHO\""));
    Lines lines = new Lines();

    runToEnd(run, lines);

    assertThat(lines.output()).containsExactly("hello step one", "hello job");
  }

  @Test
  void aJobPastItsTimeoutIsStoppedWithEverythingItStarted() {
    JobRun run =
        run(
            buildId,
            "slow",
            image(),
            Map.of(),
            2,
            step("sleep 300 & echo $! > child.pid; echo started; wait"));
    Lines lines = new Lines();
    long start = System.nanoTime();

    JobExit exit = runToEnd(run, lines);

    assertThat(exit.timedOut()).isTrue();
    assertThat(exit.message()).isEqualTo("timed out after 2 s");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(lines.output()).containsExactly("started");
    assertStopped(run);
  }

  @Test
  void aRestartedWorkerReattachesAndGetsTheRemainingLinesOnce() throws Exception {
    JobRun run =
        job(
            "reattach",
            "echo ran >> runs.txt; echo a; echo b; while [ ! -f go ]; do sleep 0.1; done;"
                + " echo c; echo d");
    assertThat(backend.ensureStarted(run)).isTrue();
    Lines before = new Lines();
    assertThatThrownBy(() -> backend.follow(run, 0, crashAfter("b", before), () -> {}))
        .isInstanceOf(WorkerLost.class);
    assertThat(before.output()).containsExactly("a", "b");

    JobBackend restarted = newBackend();
    assertThat(restarted.ensureStarted(run)).isFalse();
    touchInWorkspace(run, "go");
    Lines after = new Lines();
    JobExit exit = restarted.follow(run, before.lines().size(), after, () -> {});

    assertThat(exit.exitCode()).isZero();
    assertThat(after.lines()).containsExactly("c", "d");
    assertThat(after.numbers()).containsExactly(3L, 4L);
    close(restarted);
    Lines runs = new Lines();
    runToEnd(job("count", "wc -l < runs.txt | tr -d ' '"), runs);
    assertThat(runs.output()).containsExactly("1");
  }

  @Test
  void ensureStartedTwiceRunsTheJobOnce() {
    JobRun run = job("twice", "echo ran >> runs.txt");

    assertThat(backend.ensureStarted(run)).isTrue();
    assertThat(backend.ensureStarted(run)).isFalse();
    assertThat(backend.follow(run, 0, new Lines(), () -> {}).exitCode()).isZero();

    Lines runs = new Lines();
    runToEnd(job("count", "wc -l < runs.txt | tr -d ' '"), runs);
    assertThat(runs.output()).containsExactly("1");
  }

  @Test
  void aliveIsCalledWhileTheJobIsSilent() {
    JobRun run = job("quiet", "sleep 2");
    int[] calls = {0};

    backend.ensureStarted(run);
    backend.follow(run, 0, new Lines(), () -> calls[0]++);

    // Two silent seconds: a runner that only called alive on output would not have called it.
    assertThat(calls[0]).isGreaterThanOrEqualTo(3);
  }

  @Test
  void anotherInstallationsAttemptWithTheSameIdsIsNeitherReattachedNorRemoved() throws Exception {
    // Two databases both numbered a build buildId: same build, job and attempt, other content.
    String script = "echo \"$WHO\" >> runs.txt; cat runs.txt; exit ${#WHO}";
    JobRun old = run(buildId, "same", image(), Map.of("WHO", "old"), 60, step(script));
    JobRun fresh = run(buildId, "same", image(), Map.of("WHO", "fresh"), 60, step(script));
    assertThat(fresh.resourceName()).isEqualTo(old.resourceName());
    Lines oldLines = new Lines();
    assertThat(runToEnd(old, oldLines)).isEqualTo(new JobExit(3, false, null));

    JobBackend other = newBackend(Runs.newInstallation());
    try {
      assertThat(other.ensureStarted(fresh)).as("started its own attempt").isTrue();
      Lines freshLines = new Lines();
      JobExit freshExit = other.follow(fresh, 0, freshLines, () -> {});

      assertThat(freshExit).isEqualTo(new JobExit(5, false, null));
      assertThat(freshLines.output()).containsExactly("fresh");
      other.deleteWorkspace(buildId);
    } finally {
      close(other);
    }

    // The old installation's finished attempt and workspace are still its own.
    assertThat(backend.ensureStarted(old)).isFalse();
    Lines again = new Lines();
    assertThat(backend.follow(old, 0, again, () -> {})).isEqualTo(new JobExit(3, false, null));
    assertThat(again.output()).containsExactly("old");
    assertThat(oldLines.output()).containsExactly("old");
  }

  @Test
  void deleteStopsARunningJobAndRemovesIt() {
    JobRun run = job("doomed", "sleep 300 & echo $! > child.pid; echo started; wait");
    backend.ensureStarted(run);
    Lines lines = new Lines();
    assertThatThrownBy(() -> backend.follow(run, 0, crashAfter("started", lines), () -> {}))
        .isInstanceOf(WorkerLost.class);

    backend.delete(run);

    assertStopped(run);
    backend.delete(run); // a second delete is a no-op
    JobExit gone = backend.follow(run, 0, new Lines(), () -> {});
    assertThat(gone.exitCode()).isEqualTo(JobExit.LOST);
  }
}
