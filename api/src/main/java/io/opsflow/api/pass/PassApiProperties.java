package io.opsflow.api.pass;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the pass routes wait for a pass workflow.
 *
 * @param updateTimeout an operator's update (reschedule, cancel, a live operation) that no worker
 *     answered within this is a 503; a worker that comes later may still apply it
 * @param stateTimeout the state query's answer; after it the stored row answers instead
 */
@ConfigurationProperties(prefix = "opsflow.pass-api")
public record PassApiProperties(
    @DefaultValue("30s") Duration updateTimeout, @DefaultValue("5s") Duration stateTimeout) {

  public PassApiProperties {
    if (updateTimeout.isNegative() || updateTimeout.isZero()) {
      throw new IllegalArgumentException("opsflow.pass-api.update-timeout must be positive");
    }
    if (stateTimeout.isNegative() || stateTimeout.isZero()) {
      throw new IllegalArgumentException("opsflow.pass-api.state-timeout must be positive");
    }
  }
}
