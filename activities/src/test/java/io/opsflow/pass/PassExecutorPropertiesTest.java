package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Binding {@code opsflow.passes.executor.*} the way Spring Boot does at start-up. */
class PassExecutorPropertiesTest {

  @Test
  void thePodBackendsBreakerWaitsTenSecondsUnlessConfigured() {
    assertThat(bind(Map.of()).kubernetes().breakerWaitInOpen()).isEqualTo(Duration.ofSeconds(10));
    assertThat(
            bind(Map.of("opsflow.passes.executor.kubernetes.breaker-wait-in-open", "45s"))
                .kubernetes()
                .breakerWaitInOpen())
        .isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void aNonPositiveBreakerWaitIsRefusedNamingTheProperty() {
    assertThatThrownBy(
            () -> bind(Map.of("opsflow.passes.executor.kubernetes.breaker-wait-in-open", "0s")))
        .rootCause()
        .hasMessageContaining("opsflow.passes.executor.kubernetes.breaker-wait-in-open")
        .hasMessageContaining("must be positive");
  }

  @Test
  void anUnknownBackendIsRefusedNamingTheProperty() {
    assertThatThrownBy(() -> bind(Map.of("opsflow.passes.executor.backend", "nomad")))
        .rootCause()
        .hasMessageContaining("opsflow.passes.executor.backend")
        .hasMessageContaining("nomad");
  }

  private static PassExecutorProperties bind(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("opsflow.passes.executor", PassExecutorProperties.class);
  }
}
