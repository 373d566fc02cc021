package io.opsflow.workers.pass;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import java.time.Instant;
import java.time.ZoneOffset;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** An embedded PostgreSQL migrated by Flyway, with a ground station and passes on it. */
final class PassDatabase implements AutoCloseable {

  final EmbeddedPostgres postgres;
  final HikariDataSource dataSource;
  final JdbcTemplate jdbc;
  final TransactionTemplate tx;

  PassDatabase() {
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(10);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  void empty() {
    jdbc.execute(
        "truncate pass_reports, pass_time_correlations, pass_packets, pass_events,"
            + " scheduled_pass_actions, passes, ground_stations restart identity cascade");
  }

  long groundStation(String name, int port) {
    return jdbc.queryForObject(
        "insert into ground_stations (name, host, port, latitude, longitude)"
            + " values (?, '127.0.0.1', ?, 78.2, 15.4) returning id",
        Long.class,
        name,
        port);
  }

  long pass(long station, String satellite, Instant aos, Instant los, String procedure) {
    return jdbc.queryForObject(
        "insert into passes (satellite, ground_station_id, aos, los, procedure, created_by)"
            + " values (?, ?, ?, ?, ?::jsonb, 'alice') returning id",
        Long.class,
        satellite,
        station,
        aos.atOffset(ZoneOffset.UTC),
        los.atOffset(ZoneOffset.UTC),
        procedure);
  }

  @Override
  public void close() {
    dataSource.close();
    postgres.close();
  }
}
