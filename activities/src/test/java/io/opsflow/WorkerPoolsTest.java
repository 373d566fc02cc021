package io.opsflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.spring.boot.autoconfigure.properties.TemporalProperties;
import io.temporal.spring.boot.autoconfigure.properties.WorkerProperties;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.mock.env.MockEnvironment;

class WorkerPoolsTest {

  /** The starter's properties as bound from a workers.yml-like configuration. */
  private static TemporalProperties bound() {
    Map<String, String> yaml =
        Map.of(
            "spring.temporal.namespace", "default",
            "spring.temporal.connection.target", "127.0.0.1:7233",
            "spring.temporal.workers[0].name", "orchestration",
            "spring.temporal.workers[0].task-queue", "orchestration",
            "spring.temporal.workers[0].activity-beans[0]", "sessionActivitiesImpl",
            "spring.temporal.workers[1].name", "devices",
            "spring.temporal.workers[1].task-queue", "devices",
            "spring.temporal.workers[2].name", "pass-executors",
            "spring.temporal.workers[2].task-queue", "pass-executors");
    return new Binder(new MapConfigurationPropertySource(yaml))
        .bind("spring.temporal", TemporalProperties.class)
        .get();
  }

  private static WorkerPools pools(String value) {
    return WorkerPools.of(new MockEnvironment().withProperty(WorkerPools.PROPERTY, value));
  }

  @Test
  void aProcessRunsOnlyTheNamedPoolsAndKeepsEverythingElseOfTheConfiguration() {
    TemporalProperties all = bound();
    TemporalProperties devices =
        (TemporalProperties)
            pools(" devices , pass-executors").postProcessBeforeInitialization(all, "t");
    assertThat(devices.getWorkers())
        .extracting(WorkerProperties::getName)
        .containsExactly("devices", "pass-executors");
    assertThat(devices.getConnection().getTarget()).isEqualTo("127.0.0.1:7233");
    assertThat(devices.getNamespace()).isEqualTo("default");
    assertThat(pools("devices").runs(WorkerPools.CI_RUNNER)).isFalse();
    assertThat(pools("ci-runner").runs(WorkerPools.CI_RUNNER)).isTrue();
  }

  @Test
  void noSelectionRunsEveryPool() {
    TemporalProperties all = bound();
    assertThat(pools("").postProcessBeforeInitialization(all, "t")).isSameAs(all);
    assertThat(pools("").runs("orchestration")).isTrue();
    assertThat(pools("").runs(WorkerPools.CI_RUNNER)).isTrue();
  }

  @Test
  void aMistypedPoolIsRefusedAtStartUpNamingItAndThePoolsThereAre() {
    assertThatThrownBy(
            () -> pools("orchestration,devcies").postProcessBeforeInitialization(bound(), "t"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("[devcies]")
        .hasMessageContaining("ci-runner, devices, orchestration, pass-executors");
  }

  @Test
  void otherBeansPassThrough() {
    Object other = new Object();
    assertThat(pools("devices").postProcessBeforeInitialization(other, "x")).isSameAs(other);
  }
}
