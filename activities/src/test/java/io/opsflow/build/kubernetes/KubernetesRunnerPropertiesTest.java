package io.opsflow.build.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Binding {@code opsflow.builds.kubernetes.*} the way Spring Boot does at start-up. */
class KubernetesRunnerPropertiesTest {

  @Test
  void defaultsApplyWhenNothingIsConfigured() {
    KubernetesRunnerProperties props = bind(Map.of());

    assertThat(props)
        .isEqualTo(
            new KubernetesRunnerProperties(
                "default",
                3600,
                Duration.ofSeconds(1),
                null,
                "IfNotPresent",
                Duration.ofSeconds(10)));
  }

  @Test
  void configuredValuesAreBound() {
    KubernetesRunnerProperties props =
        bind(
            Map.of(
                "opsflow.builds.kubernetes.namespace", "ci",
                "opsflow.builds.kubernetes.ttl-seconds-after-finished", "120",
                "opsflow.builds.kubernetes.poll-interval", "250ms",
                "opsflow.builds.kubernetes.service-account", "ci-runner",
                "opsflow.builds.kubernetes.image-pull-policy", "Always",
                "opsflow.builds.kubernetes.breaker-wait-in-open", "30s"));

    assertThat(props)
        .isEqualTo(
            new KubernetesRunnerProperties(
                "ci", 120, Duration.ofMillis(250), "ci-runner", "Always", Duration.ofSeconds(30)));
  }

  @Test
  void unknownPullPolicyIsRejectedNamingTheProperty() {
    assertThatThrownBy(
            () -> bind(Map.of("opsflow.builds.kubernetes.image-pull-policy", "Sometimes")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessageContaining("opsflow.builds.kubernetes.image-pull-policy")
        .hasMessageContaining("Sometimes");
  }

  @Test
  void nonPositivePollIntervalIsRejectedNamingTheProperty() {
    assertThatThrownBy(() -> bind(Map.of("opsflow.builds.kubernetes.poll-interval", "0s")))
        .rootCause()
        .hasMessageContaining("opsflow.builds.kubernetes.poll-interval");
  }

  @Test
  void nonPositiveBreakerWaitIsRejectedNamingTheProperty() {
    assertThatThrownBy(() -> bind(Map.of("opsflow.builds.kubernetes.breaker-wait-in-open", "0s")))
        .rootCause()
        .hasMessageContaining("opsflow.builds.kubernetes.breaker-wait-in-open")
        .hasMessageContaining("must be positive");
  }

  private static KubernetesRunnerProperties bind(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("opsflow.builds.kubernetes", KubernetesRunnerProperties.class);
  }
}
