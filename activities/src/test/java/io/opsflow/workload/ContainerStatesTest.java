package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.workload.ContainerActivities.ContainerState;
import org.junit.jupiter.api.Test;

class ContainerStatesTest {

  @Test
  void runningPausedRestartingAndRemovingAreStillFollowed() {
    assertThat(ContainerStates.isLive("running")).isTrue();
    assertThat(ContainerStates.isLive("paused")).isTrue();
    assertThat(ContainerStates.isLive("restarting")).isTrue();
    assertThat(ContainerStates.isLive("removing")).isTrue();
    assertThat(ContainerStates.isLive("exited")).isFalse();
    assertThat(ContainerStates.isLive("created")).isFalse();
    assertThat(ContainerStates.isLive("dead")).isFalse();
  }

  @Test
  void exitedKeepsItsExitCodeWhateverItIs() {
    ContainerState zero = ContainerStates.ended("c1", "exited", 0, "", false, "done\n");
    ContainerState three = ContainerStates.ended("c1", "exited", 3, null, false, null);

    assertThat(zero.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(zero.exitCode()).isZero();
    assertThat(zero.logs()).isEqualTo("done\n");
    assertThat(three.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(three.exitCode()).isEqualTo(3);
    assertThat(three.message()).isEqualTo("exited with code 3");
  }

  @Test
  void outOfMemoryKillIsAnExitSaidSo() {
    ContainerState oom = ContainerStates.ended("c1", "exited", 137, "", true, null);

    assertThat(oom.status()).isEqualTo(WorkloadStatus.EXITED);
    assertThat(oom.exitCode()).isEqualTo(137);
    assertThat(oom.message()).contains("out of memory");
  }

  @Test
  void theEnginesErrorMakesItFailedWithThatMessage() {
    String error = "exec: \"nosuchcmd\": executable file not found in $PATH: unknown";
    ContainerState failed = ContainerStates.ended("c1", "created", 127, error, false, null);

    assertThat(failed.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(failed.message()).isEqualTo(error);
    assertThat(failed.exitCode()).isEqualTo(127);
  }

  @Test
  void deadOrNeverStartedIsFailed() {
    assertThat(ContainerStates.ended("c1", "dead", 1, null, false, null).status())
        .isEqualTo(WorkloadStatus.FAILED);
    ContainerState created = ContainerStates.ended("c1", "created", 0, null, false, null);
    assertThat(created.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(created.message()).contains("never started");
  }

  @Test
  void aStatusDockerDoesNotDefineIsFailedNamingIt() {
    ContainerState odd = ContainerStates.ended("c1", "hibernating", 0, null, false, null);
    assertThat(odd.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(odd.message()).isEqualTo("unexpected container status 'hibernating'");
    assertThat(ContainerStates.isLive("hibernating")).isFalse();
  }

  @Test
  void dockersZeroTimeMeansNeverStarted() {
    assertThat(ContainerStates.hasStarted("0001-01-01T00:00:00Z")).isFalse();
    assertThat(ContainerStates.hasStarted(null)).isFalse();
    assertThat(ContainerStates.hasStarted("2026-11-23T13:34:21.281434567Z")).isTrue();
  }

  @Test
  void missingNamesTheContainerAndTheNode() {
    ContainerState missing = ContainerStates.missing("abc", "node-1");

    assertThat(missing.status()).isEqualTo(WorkloadStatus.MISSING);
    assertThat(missing.containerId()).isNull();
    assertThat(missing.message()).isEqualTo("container abc is gone from node node-1");
  }
}
