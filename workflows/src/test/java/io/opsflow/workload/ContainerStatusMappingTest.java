package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.workload.ContainerActivities.ContainerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerStatusMappingTest {

  @ParameterizedTest(name = "{0} exit={1} error=''{2}'' -> {3}")
  @CsvSource(
      nullValues = "null",
      value = {
        "running,    0,    '',  RUNNING",
        "paused,     0,    '',  RUNNING",
        "restarting, 0,    '',  RUNNING",
        "exited,     0,    '',  EXITED",
        "exited,     3,    '',  EXITED",
        "exited,     137,  null, EXITED",
        "exited,     127,  'exec: \"nosuchcmd\": executable file not found in $PATH', FAILED",
        "created,    127,  'exec: \"nosuchcmd\": executable file not found in $PATH', FAILED",
        "created,    0,    '',  SCHEDULED",
        "dead,       0,    '',  FAILED",
        "removing,   0,    '',  MISSING",
        "null,       null, null, MISSING",
        "Running,    0,    '',  RUNNING"
      })
  void mapsDockerStateToWorkloadStatus(
      String state, Integer exitCode, String error, WorkloadStatus expected) {
    assertThat(ContainerStatusMapping.of(state, exitCode, error)).isEqualTo(expected);
  }

  @Test
  void unknownStateIsAnError() {
    assertThatThrownBy(() -> ContainerStatusMapping.of("hibernating", 0, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hibernating");
  }

  @Test
  void exitedContainerKeepsItsCodeAndLogs() {
    ContainerState state = ContainerStatusMapping.state("c1", "exited", 3, "", "boom\n");

    assertThat(state)
        .isEqualTo(
            new ContainerState(WorkloadStatus.EXITED, "c1", 3, "exited with code 3", "boom\n"));
  }

  @Test
  void failedStartCarriesTheEnginesMessage() {
    String engine =
        "failed to create task for container: exec: \"nosuchcmd\": executable file not found in"
            + " $PATH: unknown ";

    ContainerState state = ContainerStatusMapping.state("c1", "created", 127, engine, null);

    assertThat(state.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(state.exitCode()).isEqualTo(127);
    assertThat(state.message()).isEqualTo(engine.strip());
  }

  @Test
  void deadContainerWithoutErrorSaysSo() {
    ContainerState state = ContainerStatusMapping.state("c1", "dead", 0, null, null);

    assertThat(state.status()).isEqualTo(WorkloadStatus.FAILED);
    assertThat(state.exitCode()).isNull();
    assertThat(state.message()).isEqualTo("container is dead");
  }

  @Test
  void missingContainerHasNoId() {
    ContainerState state = ContainerStatusMapping.state("c1", null, null, null, "last words\n");

    assertThat(state)
        .isEqualTo(
            new ContainerState(
                WorkloadStatus.MISSING, null, null, "container not found", "last words\n"));
  }

  @Test
  void runningContainerHasNoExitCode() {
    assertThat(ContainerStatusMapping.state("c1", "running", 0, "", null))
        .isEqualTo(new ContainerState(WorkloadStatus.RUNNING, "c1", null, null, null));
  }
}
