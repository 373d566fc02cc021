package io.opsflow.build.runner;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HexFormat;
import javax.sql.DataSource;

/**
 * Eight hex characters naming one installation (one database) on the runner's shared places: the
 * local work directory and the Docker engine. Build ids come from a database sequence, so every
 * fresh database numbers its builds from 1 again; resources keyed by the build id alone would let a
 * new installation's build 1 re-attach to an old build 1's leftovers and report its result. Keyed
 * by this token too, they cannot meet. The token is stable for one database, so a restarted worker
 * still re-attaches to its own runs.
 *
 * @param value eight lower-case hex characters
 */
public record InstallationToken(String value) {

  /** The query for the database's identity: a random number chosen by {@code initdb}. */
  static final String SYSTEM_IDENTIFIER_QUERY = "select system_identifier from pg_control_system()";

  public InstallationToken {
    if (value == null || !value.matches("[0-9a-f]{8}")) {
      throw new IllegalArgumentException(
          "installation token must be 8 lower-case hex characters, was '" + value + "'");
    }
  }

  /** The token of the database whose {@code initdb} chose {@code systemIdentifier}. */
  public static InstallationToken ofSystemIdentifier(long systemIdentifier) {
    try {
      // Hashed: the identifier's high bits are initdb's clock, so a prefix of it would not do.
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Long.toUnsignedString(systemIdentifier).getBytes(StandardCharsets.US_ASCII));
      return new InstallationToken(HexFormat.of().formatHex(Arrays.copyOf(digest, 4)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Reads the token of the PostgreSQL database behind {@code dataSource}. {@code
   * pg_control_system()} is executable by every role unless an administrator revoked it.
   *
   * @throws IllegalStateException when the identifier cannot be read, saying what to grant
   */
  public static InstallationToken read(DataSource dataSource) {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery(SYSTEM_IDENTIFIER_QUERY)) {
      if (!rs.next()) {
        throw new IllegalStateException(SYSTEM_IDENTIFIER_QUERY + " returned no row");
      }
      return ofSystemIdentifier(rs.getLong(1));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the database's identity ("
              + SYSTEM_IDENTIFIER_QUERY
              + "), which keeps CI runner resources of different installations apart; grant"
              + " EXECUTE on function pg_control_system() to the application's database user: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public String toString() {
    return value;
  }
}
