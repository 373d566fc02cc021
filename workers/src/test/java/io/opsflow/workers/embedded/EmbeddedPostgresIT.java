package io.opsflow.workers.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresIT {

  @Test
  void startsQueriesAndCleansUp() throws Exception {
    Path dataDirectory;
    String url;
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start()) {
      url = postgres.jdbcUrl();
      dataDirectory = postgres.dataDirectory();
      assertThat(url).isEqualTo("jdbc:postgresql://127.0.0.1:" + postgres.port() + "/opsflow");
      assertThat(postgres.port()).isPositive();
      assertThat(dataDirectory).isDirectory();
      assertThat(postgres.isRunning()).isTrue();
      // Listening on loopback only.
      assertThat(ListeningSockets.listeners(postgres.port()))
          .isNotEmpty()
          .allSatisfy(address -> assertThat(address).isEqualTo("127.0.0.1"));

      try (Connection connection =
              DriverManager.getConnection(url, postgres.username(), postgres.password());
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE station (id BIGINT PRIMARY KEY, name TEXT NOT NULL)");
        statement.execute("INSERT INTO station VALUES (1, 'north'), (2, 'süd')");
        try (ResultSet rows = statement.executeQuery("SELECT name FROM station ORDER BY id")) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).isEqualTo("north");
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).isEqualTo("süd");
          assertThat(rows.next()).isFalse();
        }
        try (ResultSet rows =
            statement.executeQuery(
                "SELECT current_database(), current_user, pg_encoding_to_char(encoding),"
                    + " current_setting('max_connections')::int, current_setting('fsync')"
                    + " FROM pg_database WHERE datname = current_database()")) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).isEqualTo("opsflow");
          assertThat(rows.getString(2)).isEqualTo("postgres");
          assertThat(rows.getString(3)).isEqualTo("UTF8");
          assertThat(rows.getInt(4)).isEqualTo(300);
          assertThat(rows.getString(5)).isEqualTo("off");
        }
      }
      if (EmbeddedPostgres.runningAsRoot()) {
        // The server cannot run as root: it runs as nobody through setpriv.
        assertThat(Files.getAttribute(dataDirectory.resolve("data"), "unix:uid"))
            .isEqualTo(EmbeddedPostgres.UNPRIVILEGED_ID);
      }
    }
    assertThat(Files.exists(dataDirectory)).isFalse();
    assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "postgres").close())
        .isInstanceOf(SQLException.class);
  }

  @Test
  void twoServersRunSideBySideOnFreePorts() {
    try (EmbeddedPostgres first = EmbeddedPostgres.start(0);
        EmbeddedPostgres second = EmbeddedPostgres.start(0)) {
      assertThat(first.port()).isNotEqualTo(second.port());
      assertThat(first.dataDirectory()).isNotEqualTo(second.dataDirectory());
      assertThat(first.isRunning()).isTrue();
      assertThat(second.isRunning()).isTrue();
    }
  }

  @Test
  void refusesAPortInUse() {
    try (EmbeddedPostgres first = EmbeddedPostgres.start(0)) {
      assertThatThrownBy(() -> EmbeddedPostgres.start(first.port()).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already in use");
      assertThat(first.isRunning()).isTrue();
    }
  }

  @Test
  void aLastingClusterKeepsItsRowsAcrossRestartsWithFullDurability(@TempDir Path dir)
      throws Exception {
    // PostgreSQL runs as nobody when the tests run as root: it must reach the directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Path cluster = dir.resolve("postgres");
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(cluster, 0)) {
      assertThat(postgres.ephemeral()).isFalse();
      try (Connection connection =
              DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), "x");
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE kept (id INT)");
        statement.execute("INSERT INTO kept VALUES (7)");
        try (ResultSet rows =
            statement.executeQuery(
                "SELECT current_setting('fsync'), current_setting('synchronous_commit')")) {
          assertThat(rows.next()).isTrue();
          assertThat(rows.getString(1)).isEqualTo("on");
          assertThat(rows.getString(2)).isEqualTo("on");
        }
      }
    }
    assertThat(cluster.resolve("data/PG_VERSION")).isRegularFile();
    try (EmbeddedPostgres again = EmbeddedPostgres.start(cluster, 0);
        Connection connection =
            DriverManager.getConnection(again.jdbcUrl(), again.username(), "x");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM kept")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getInt(1)).isEqualTo(7);
    }
  }

  @Test
  void refusesAClusterOfAnotherMajorVersionOrInUse(@TempDir Path dir) throws Exception {
    // PostgreSQL runs as nobody when the tests run as root: it must reach the directory.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Path cluster = dir.resolve("postgres");
    try (EmbeddedPostgres running = EmbeddedPostgres.start(cluster, 0)) {
      assertThatThrownBy(() -> EmbeddedPostgres.start(cluster, 0).close())
          .hasMessageContaining("is in use by a running server")
          .hasMessageContaining("not shared");
      assertThat(running.isRunning()).isTrue();
    }
    Path version = cluster.resolve("data/PG_VERSION");
    String ours = Files.readString(version).trim();
    Files.writeString(version, "16\n");
    assertThatThrownBy(() -> EmbeddedPostgres.start(cluster, 0).close())
        .hasMessageContaining("written by PostgreSQL 16")
        .hasMessageContaining("this build runs PostgreSQL " + ours)
        .hasMessageContaining("pg_upgrade");
    // Refused before anything ran on it.
    assertThat(Files.readString(version)).isEqualTo("16\n");
  }
}
