package io.opsflow.api.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.orm.jpa.JpaSystemException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * PostgreSQL unreachable is a 503 with Retry-After naming the database (what DatabaseRestartIT sees
 * through the real processes); any other database failure keeps its own answer.
 */
class DatabaseUnavailableAnswerTest {

  private final ApiExceptionHandler handler = new ApiExceptionHandler();

  @Test
  void aPoolTimeoutWhileOpeningATransactionIsA503WithRetryAfter() throws Exception {
    // What Spring's JPA transaction manager throws when Hikari gives up waiting for a connection.
    var e =
        new CannotCreateTransactionException(
            "Could not open JPA EntityManager for transaction",
            new SQLTransientConnectionException(
                "HikariPool-1 - Connection is not available, request timed out after 5000ms",
                "08001",
                new ConnectException("Connection refused")));
    var answer = handler.database(e);
    assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(answer.getHeaders().getFirst("Retry-After")).isEqualTo("5");
    assertThat(answer.getBody())
        .containsEntry("status", 503)
        .containsEntry("error", "Service Unavailable");
    assertThat((String) answer.getBody().get("detail"))
        .startsWith("the database (PostgreSQL) is unavailable, retry in 5 s: HikariPool-1");
  }

  @Test
  void aConnectionDroppedMidQueryOrAnAdministratorShutdownIsA503() throws Exception {
    for (String state : new String[] {"08006", "57P01", "57P03", "53300"}) {
      var e =
          new JpaSystemException(
              new RuntimeException(
                  "could not execute statement",
                  new SQLException("terminating connection", state)));
      assertThat(handler.database(e).getStatusCode())
          .as("SQL state %s", state)
          .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    }
    assertThat(
            handler.database(new CannotGetJdbcConnectionException("no connection")).getStatusCode())
        .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(
            handler.database(new DataAccessResourceFailureException("I/O error")).getStatusCode())
        .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
  }

  @Test
  void aStartsReadBackWaitsForTheDatabaseToComeBack() {
    int[] calls = {0};
    String answer =
        ReadBack.afterStart(
            "build 7",
            "/api/v1/builds/7",
            () -> {
              if (++calls[0] < 3) {
                throw new CannotGetJdbcConnectionException(
                    "refused", new SQLException("x", "08001"));
              }
              return "build 7 QUEUED";
            });
    assertThat(answer).isEqualTo("build 7 QUEUED");
    assertThat(calls[0]).isEqualTo(3);
    var other = new OptimisticLockingFailureException("stale");
    calls[0] = 0;
    assertThatThrownBy(
            () ->
                ReadBack.afterStart(
                    "build 8",
                    "/api/v1/builds/8",
                    () -> {
                      calls[0]++;
                      throw other;
                    }))
        .isSameAs(other);
    assertThat(calls[0]).isEqualTo(1);
  }

  @Test
  void otherDatabaseFailuresAreNotCalledAnOutage() {
    var syntax =
        new JpaSystemException(
            new RuntimeException("bad", new SQLException("syntax error at or near", "42601")));
    assertThatThrownBy(() -> handler.database(syntax)).isSameAs(syntax);
    var stale = new OptimisticLockingFailureException("row was updated by another transaction");
    assertThatThrownBy(() -> handler.database(stale)).isSameAs(stale);
    assertThat(ApiExceptionHandler.databaseUnreachable(new DataIntegrityViolationException("dup")))
        .isNull();
  }
}
