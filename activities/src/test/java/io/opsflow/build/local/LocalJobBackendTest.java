package io.opsflow.build.local;

import static io.opsflow.build.runner.Runs.pidIn;
import static io.opsflow.build.runner.Runs.running;
import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.JobRun;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.build.runner.JobBackend;
import io.opsflow.build.runner.JobBackend.JobExit;
import io.opsflow.build.runner.JobBackendContract;
import io.opsflow.build.runner.Runs.Lines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local runner with real detached processes in a temporary work directory. */
class LocalJobBackendTest extends JobBackendContract {

  @TempDir Path workDir;

  @Override
  protected JobBackend newBackend(InstallationToken installation) {
    return LocalJobBackend.forInstallation(workDir, installation, Duration.ofSeconds(1));
  }

  @Override
  protected String image() {
    return "ignored/by-the-local-runner";
  }

  private LocalJobBackend local() {
    return (LocalJobBackend) backend;
  }

  @Override
  protected void touchInWorkspace(JobRun run, String name) {
    try {
      Files.createFile(local().workspace(run.buildId()).resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected void assertStopped(JobRun run) {
    long child = pidIn(local().workspace(run.buildId()).resolve("child.pid"));
    assertThat(running(child)).as("background process %d of the job", child).isFalse();
    Path pidFile = local().attemptDir(run).resolve(LocalJobBackend.PID);
    if (Files.exists(pidFile)) {
      assertThat(ProcessGroups.alive(pidIn(pidFile))).as("the job's process group").isFalse();
    }
  }

  @Test
  void bashRunsWithPipefailAndPythonRunsPython() {
    JobRun run =
        io.opsflow.build.runner.Runs.run(
            buildId,
            "shells",
            image(),
            new io.opsflow.build.StepSpec(
                null,
                "print('python', 6 * 7)",
                java.util.Map.of(),
                null,
                "python",
                null,
                false,
                null,
                null,
                null),
            new io.opsflow.build.StepSpec(
                null,
                "echo \"bash $BASH_VERSION\" | cut -c1-4; false | true",
                java.util.Map.of(),
                null,
                "bash",
                null,
                false,
                null,
                null,
                null));
    Lines lines = new Lines();

    JobExit exit = runToEnd(run, lines);

    assertThat(lines.output()).containsExactly("python 42", "bash");
    assertThat(exit.exitCode()).as("false | true fails under pipefail").isEqualTo(1);
  }

  @Test
  void attemptsAndWorkspacesLiveInTheInstallationsSubdirectory() {
    JobRun run = job("where", "pwd");
    Lines lines = new Lines();

    runToEnd(run, lines);

    Path own = workDir.resolve(installation.value());
    assertThat(local().workDir()).isEqualTo(own);
    assertThat(local().attemptDir(run)).isEqualTo(own.resolve(run.resourceName()));
    assertThat(lines.output())
        .containsExactly(own.resolve("build-" + buildId + "/workspace").toString());
  }

  @Test
  void theJobRunsDetachedInItsOwnProcessGroup() throws IOException {
    JobRun run = job("group", "ps -o pgid= -p $$ | tr -d ' '; echo $$");
    Lines lines = new Lines();

    runToEnd(run, lines);

    // The script's shell is a child of the setsid wrapper: same group, and the group is the
    // wrapper's.
    long wrapper = pidIn(local().attemptDir(run).resolve(LocalJobBackend.PID));
    assertThat(lines.output().get(0)).isEqualTo(Long.toString(wrapper));
  }

  @Test
  void aReleasedAttemptAnswersARetryWithItsExitCodeWithoutRunningAgain() {
    JobRun run = job("released", "echo ran >> runs.txt; exit 3");
    JobExit exit = runToEnd(run, new Lines());
    backend.release(run, exit);

    assertThat(Files.exists(local().attemptDir(run).resolve(LocalJobBackend.OUTPUT))).isFalse();
    assertThat(backend.ensureStarted(run)).isFalse();
    Lines again = new Lines();
    assertThat(backend.follow(run, 3, again, () -> {})).isEqualTo(new JobExit(3, false, null));
    assertThat(again.lines()).isEmpty();

    Lines runs = new Lines();
    runToEnd(job("count", "wc -l < runs.txt | tr -d ' '"), runs);
    assertThat(runs.output()).containsExactly("1");
  }

  @Test
  void theJobSeesOnlyPathHomeItsOwnEnvAndItsStepFiles() {
    Lines lines = new Lines();

    runToEnd(
        job("clean-env", "env | cut -d= -f1 | grep -v '^PWD$' | grep -v '^SHLVL$' | sort"), lines);

    // GITHUB_ENV and GITHUB_OUTPUT are the step's own files (JobScript).
    assertThat(lines.output()).containsExactly("GITHUB_ENV", "GITHUB_OUTPUT", "HOME", "PATH");
  }

  @Test
  void deleteWorkspaceRemovesTheBuildsDirectories() {
    JobRun run = job("files", "echo data > file.txt");
    runToEnd(run, new Lines());
    assertThat(local().workspace(buildId).resolve("file.txt")).exists();

    backend.deleteWorkspace(buildId);

    assertThat(local().workspace(buildId).getParent()).doesNotExist();
    assertThat(local().attemptDir(run)).doesNotExist();
  }
}
