package io.opsflow.workers.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Agent mode's settings as an operator writes them ({@code opsflow.agent.*}). */
class AgentPropertiesTest {

  private static AgentProperties bind(Map<String, String> settings) {
    return new Binder(new MapConfigurationPropertySource(settings))
        .bindOrCreate("opsflow.agent", AgentProperties.class);
  }

  @Test
  void theEngineTimeoutAndBreakerWaitAreSettingsWithTheDefaultsTheAgentHadBuiltIn() {
    AgentProperties defaults = bind(Map.of("opsflow.agent.node-id", "node-1"));
    assertThat(defaults.engineResponseTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(defaults.engineBreakerWait()).isEqualTo(Duration.ofSeconds(10));

    AgentProperties set =
        bind(
            Map.of(
                "opsflow.agent.node-id", "node-1",
                "opsflow.agent.engine-response-timeout", "45s",
                "opsflow.agent.engine-breaker-wait", "3s"));
    assertThat(set.engineResponseTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(set.engineBreakerWait()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void anEngineTimeoutNoLongerThanTheStopGraceIsRefusedNamingBothSettings() {
    assertThatThrownBy(
            () ->
                bind(
                    Map.of(
                        "opsflow.agent.node-id", "node-1",
                        "opsflow.agent.stop-grace", "30s",
                        "opsflow.agent.engine-response-timeout", "30s")))
        .isInstanceOf(BindException.class)
        .rootCause()
        .hasMessage(
            "opsflow.agent.engine-response-timeout (PT30S) must be longer than"
                + " opsflow.agent.stop-grace (PT30S)");
  }
}
