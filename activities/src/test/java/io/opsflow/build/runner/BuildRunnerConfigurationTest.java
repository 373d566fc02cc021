package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BuildRunnerConfigurationTest {

  @Test
  void autoTakesKubernetesWhenConfiguredElseDockerWhenTheEngineAnswersElseLocal() {
    assertThat(BuildRunnerConfiguration.chooseKind("auto", () -> true, () -> true))
        .isEqualTo("kubernetes");
    assertThat(BuildRunnerConfiguration.chooseKind("auto", () -> false, () -> true))
        .isEqualTo("docker");
    assertThat(BuildRunnerConfiguration.chooseKind("auto", () -> false, () -> false))
        .isEqualTo("local");
  }

  @Test
  void theKubernetesPoolPollsTheKubernetesQueue() {
    BuildProperties properties = properties("kubernetes", 4, Duration.ofSeconds(30));
    assertThat(properties.taskQueueFor("kubernetes")).isEqualTo("kubernetes");
  }

  @Test
  void anExplicitRunnerIsTakenWithoutAskingDocker() {
    assertThat(
            BuildRunnerConfiguration.chooseKind(
                "local",
                () -> {
                  throw new AssertionError("looked for a cluster");
                },
                () -> {
                  throw new AssertionError("pinged");
                }))
        .isEqualTo("local");
    assertThat(BuildRunnerConfiguration.chooseKind("docker", () -> true, () -> false))
        .isEqualTo("docker");
  }

  @Test
  void anUnknownRunnerIsRejectedNamingTheProperty() {
    assertThatThrownBy(() -> properties("podman", 4, Duration.ofSeconds(30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "opsflow.builds.runner must be one of [auto, kubernetes, docker, local], was 'podman'");
  }

  @Test
  void badNumbersAreRejectedNamingTheProperty() {
    assertThatThrownBy(() -> properties("auto", 0, Duration.ofSeconds(30)))
        .hasMessage("opsflow.builds.parallelism must be >= 1, was 0");
    assertThatThrownBy(() -> properties("auto", 4, Duration.ZERO))
        .hasMessage("opsflow.builds.heartbeat-timeout must be positive, was PT0S");
  }

  @Test
  void theTaskQueueDefaultsToBuildsDashKindAndSettingsCarryTheRunner() {
    BuildProperties properties = properties("auto", 3, Duration.ofSeconds(20));
    BuildRunnerInfo info = new BuildRunnerInfo("docker", properties.taskQueueFor("docker"));

    assertThat(info.taskQueue()).isEqualTo("builds-docker");
    assertThat(properties.settings(info))
        .isEqualTo(
            new io.opsflow.build.BuildSettings(
                "docker",
                "builds-docker",
                3,
                Duration.ofMinutes(60),
                Duration.ofSeconds(20),
                "opsflow/busybox:local"));
    assertThat(properties.local().workDir()).endsWith("opsflow-builds");
    assertThat(properties.docker().network()).isEqualTo("none");
  }

  private static BuildProperties properties(String runner, int parallelism, Duration heartbeat) {
    return new BuildProperties(
        runner,
        null,
        parallelism,
        Duration.ofMinutes(60),
        heartbeat,
        "opsflow/busybox:local",
        null,
        null);
  }
}
