package io.opsflow.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.SearchAttributes;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.opsflow.workers.embedded.EmbeddedProperties;
import io.opsflow.workers.embedded.TemporalDevServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The pass benchmarks' infrastructure without the application (whose workers would compete for the
 * pass queues): the embedded PostgreSQL migrated by Flyway, and, when asked, the real Temporal dev
 * server as the embedded default runs it ({@code temporal.db} in WAL mode in a data directory,
 * every search attribute registered).
 */
final class PassBenchInfra implements AutoCloseable {

  final EmbeddedPostgres postgres;
  final HikariDataSource dataSource;
  final JdbcTemplate jdbc;
  final TemporalDevServer temporal;
  private final Path dataDir;

  PassBenchInfra(boolean withTemporal, int poolSize) throws IOException {
    dataDir = Files.createTempDirectory("opsflow-pass-bench-");
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(poolSize);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    if (withTemporal) {
      Path cli =
          TemporalDevServer.findCli()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "the Temporal CLI is needed: set "
                              + TemporalDevServer.CLI_ENV
                              + " (e.g. /opt/opsflow-temporal-cli/bin/temporal)"));
      temporal =
          TemporalDevServer.startOrReuse(
              new TemporalDevServer.Settings(
                  cli,
                  0,
                  -1,
                  dataDir.resolve(TemporalDevServer.DATABASE_FILE),
                  SearchAttributes.cliTypes(),
                  dynamicConfig(),
                  EmbeddedProperties.Temporal.DEFAULT_SQLITE_PRAGMAS,
                  dataDir.resolve("temporal.log")));
    } else {
      temporal = null;
    }
  }

  /**
   * {@code -Dbench.temporal.dynamicConfig=key=json,key=json}: the dev server's dynamic
   * configuration, as {@code opsflow.embedded.temporal.dynamic-config} gives it; none by default,
   * as the embedded default runs.
   */
  static Map<String, String> dynamicConfig() {
    String configured = System.getProperty("bench.temporal.dynamicConfig", "");
    Map<String, String> values = new java.util.LinkedHashMap<>();
    for (String pair : configured.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        values.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
    }
    return values;
  }

  String describe() {
    return String.format(
        "PostgreSQL: embedded %s at %s%s",
        jdbc.queryForObject("show server_version", String.class),
        postgres.jdbcUrl(),
        temporal == null
            ? ""
            : String.format(
                "%nTemporal server: %s, a separate process (pid %s), dynamic config %s; workers"
                    + " in this JVM",
                temporal.describe(),
                temporal.pid().map(String::valueOf).orElse("?"),
                dynamicConfig().isEmpty() ? "none (as the embedded default)" : dynamicConfig()));
  }

  @Override
  public void close() {
    if (temporal != null) {
      temporal.close();
    }
    dataSource.close();
    postgres.close();
    try (var paths = Files.walk(dataDir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary directory: left behind at worst
    }
  }
}
