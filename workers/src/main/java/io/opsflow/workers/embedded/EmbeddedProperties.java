package io.opsflow.workers.embedded;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded default infrastructure started by {@link EmbeddedInfrastructure} when no
 * real PostgreSQL or Temporal server is configured.
 *
 * <p>They are read by {@link EmbeddedInfrastructure} while the environment is prepared, before the
 * application context exists; the annotation documents the keys (configuration metadata).
 *
 * @param postgres Embedded PostgreSQL, started when spring.datasource.url is not set.
 * @param temporal Embedded Temporal server, started when no Temporal address is configured.
 */
@ConfigurationProperties(prefix = "opsflow.embedded")
public record EmbeddedProperties(@DefaultValue Postgres postgres, @DefaultValue Temporal temporal) {

  /** Prefix of all keys. */
  public static final String PREFIX = "opsflow.embedded";

  /** Defaults: both enabled, PostgreSQL on a free port, Temporal on 7233. */
  public static EmbeddedProperties defaults() {
    return new EmbeddedProperties(new Postgres(true, 0), new Temporal(true, 7233, true));
  }

  /**
   * Embedded PostgreSQL ({@code opsflow.embedded.postgres.*}).
   *
   * @param enabled Whether to start an embedded PostgreSQL when spring.datasource.url is not set.
   *     When false and no URL is set, the datasource is left unconfigured.
   * @param port TCP port of the embedded PostgreSQL on 127.0.0.1; 0 picks a free port.
   */
  public record Postgres(@DefaultValue("true") boolean enabled, @DefaultValue("0") int port) {}

  /**
   * Embedded Temporal server ({@code opsflow.embedded.temporal.*}).
   *
   * @param enabled Whether to start the embedded Temporal server when neither
   *     spring.temporal.connection.target nor the environment variable TEMPORAL_ADDRESS is set.
   * @param port TCP port of the embedded Temporal server on 127.0.0.1 (7233, the usual Temporal
   *     port, so that other processes find it); 0 picks a free port.
   * @param stickyExecution Whether workers may use sticky task queues (fast: no history replay).
   *     The test server never moves a task off a dead worker's sticky queue, so a restarted or
   *     separate worker process strands the sessions it had cached; false routes every task to the
   *     normal queue instead. Under many concurrent update-with-start calls the test server then
   *     fails internally (NullPointerException in its update handling), hence the default.
   */
  public record Temporal(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("7233") int port,
      @DefaultValue("true") boolean stickyExecution) {}
}
