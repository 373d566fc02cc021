package io.opsflow.workers.embedded;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the embedded default infrastructure started by {@link EmbeddedInfrastructure} when no
 * real PostgreSQL or Temporal server is configured.
 *
 * <p>They are read by {@link EmbeddedInfrastructure} while the environment is prepared, before the
 * application context exists; the annotation documents the keys (configuration metadata). The data
 * directory itself is {@code opsflow.data-dir} or the environment variable {@code OPSFLOW_DATA_DIR}
 * (default {@code ./opsflow-data}).
 *
 * @param ephemeral Keep everything in a fresh temporary directory deleted when the app stops
 *     (tests), instead of the data directory.
 * @param postgres Embedded PostgreSQL, started when spring.datasource.url is not set.
 * @param temporal Embedded Temporal server, started when no Temporal address is configured.
 */
@ConfigurationProperties(prefix = "opsflow.embedded")
public record EmbeddedProperties(
    @DefaultValue("false") boolean ephemeral,
    @DefaultValue Postgres postgres,
    @DefaultValue Temporal temporal) {

  /** Prefix of all keys. */
  public static final String PREFIX = "opsflow.embedded";

  /** Defaults: both enabled, PostgreSQL on a free port, Temporal on 7233 with its UI on 8233. */
  public static EmbeddedProperties defaults() {
    return new EmbeddedProperties(
        false,
        new Postgres(true, 0),
        new Temporal(true, 7233, true, Engine.AUTO, null, null, Map.of(), null, null));
  }

  /**
   * Embedded PostgreSQL ({@code opsflow.embedded.postgres.*}).
   *
   * @param enabled Whether to start an embedded PostgreSQL when spring.datasource.url is not set.
   *     When false and no URL is set, the datasource is left unconfigured.
   * @param port TCP port of the embedded PostgreSQL on 127.0.0.1; 0 picks a free port.
   */
  public record Postgres(@DefaultValue("true") boolean enabled, @DefaultValue("0") int port) {}

  /** Which Temporal server the embedded default runs. */
  public enum Engine {
    /** The real dev server when the Temporal CLI is found, else the Java test server. */
    AUTO,
    /** The real dev server ({@code temporal server start-dev}); fails without the CLI. */
    CLI,
    /** The Java SDK's in-memory test server. */
    TEST_SERVER
  }

  /**
   * Embedded Temporal server ({@code opsflow.embedded.temporal.*}).
   *
   * @param enabled Whether to start the embedded Temporal server when neither
   *     spring.temporal.connection.target nor the environment variable TEMPORAL_ADDRESS is set.
   * @param port TCP port of the embedded Temporal server on 127.0.0.1 (7233, the usual Temporal
   *     port, so that other processes find it); 0 picks a free port.
   * @param stickyExecution Test server only: whether workers may use sticky task queues. The test
   *     server never moves a task off a dead worker's sticky queue, so a restarted or separate
   *     worker process strands the workflows it had cached; false routes every task to the normal
   *     queue instead. The real dev server falls back from a dead worker's sticky queue by itself.
   * @param engine AUTO (the dev server when the CLI is found, else the test server), CLI or
   *     TEST_SERVER.
   * @param cli The Temporal CLI binary; default the environment variable OPSFLOW_TEMPORAL_CLI, else
   *     {@code temporal} on PATH.
   * @param uiPort Port of the Temporal UI on 127.0.0.1; default port + 1000 (8233), none when the
   *     gRPC port is picked (0); -1 for none.
   * @param dynamicConfig Dev server dynamic configuration, key to JSON value.
   * @param sqlitePragmas SQLite pragmas of the dev server's database file; default {@code
   *     journal_mode=wal, synchronous=normal}: a commit survives the kill of any process (the
   *     write-ahead log is in the OS's page cache), the last ones may roll back only if the machine
   *     itself loses power. SQLite's own default (rollback journal, synchronous=full) syncs every
   *     commit several times and caps the engine at a few workflow tasks per second on slow disks.
   * @param uiCodecEndpoint The codec endpoint the dev server's Temporal UI decodes encrypted
   *     payloads with; default this app's {@code /api/v1/temporal/codec} on 127.0.0.1 when it
   *     serves HTTP on a fixed port and payload encryption is on; {@code none} for none.
   */
  public record Temporal(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("7233") int port,
      @DefaultValue("true") boolean stickyExecution,
      @DefaultValue("AUTO") Engine engine,
      String cli,
      Integer uiPort,
      Map<String, String> dynamicConfig,
      Map<String, String> sqlitePragmas,
      String uiCodecEndpoint) {

    /** The pragmas used when none are configured. */
    public static final Map<String, String> DEFAULT_SQLITE_PRAGMAS =
        Map.of("journal_mode", "wal", "synchronous", "normal");

    public Temporal {
      dynamicConfig = dynamicConfig == null ? Map.of() : Map.copyOf(dynamicConfig);
      sqlitePragmas = sqlitePragmas == null ? DEFAULT_SQLITE_PRAGMAS : Map.copyOf(sqlitePragmas);
    }
  }
}
