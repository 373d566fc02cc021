package io.opsflow.api.web;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Errors as JSON. {@code detail} carries the message, as the seed's FastAPI server does, so a
 * client written for it reads our errors unchanged; {@code field} names the bad input.
 */
@RestControllerAdvice
public class ApiExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
  private static final PropertyNamingStrategies.SnakeCaseStrategy SNAKE =
      new PropertyNamingStrategies.SnakeCaseStrategy();

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Map<String, Object>> api(ApiException e) {
    return ResponseEntity.status(e.status()).body(errorBody(e));
  }

  /**
   * The JSON body of an error, for routes that must write it themselves: an event stream's route
   * produces only {@code text/event-stream}, which the handler above cannot answer in.
   */
  public static Map<String, Object> errorBody(ApiException e) {
    Map<String, Object> body = body(e.status(), e.getMessage(), e.field()).getBody();
    body.putAll(e.extra());
    return body;
  }

  @ExceptionHandler(MethodArgumentNotValidException.class)
  ResponseEntity<Map<String, Object>> invalid(MethodArgumentNotValidException e) {
    var first = e.getBindingResult().getFieldErrors().stream().findFirst();
    String field = first.map(f -> SNAKE.translate(f.getField())).orElse(null);
    String message =
        e.getBindingResult().getFieldErrors().stream()
            .map(f -> SNAKE.translate(f.getField()) + ": " + f.getDefaultMessage())
            .sorted()
            .collect(Collectors.joining("; "));
    return body(HttpStatus.BAD_REQUEST, message, field);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
    if (e.getCause() instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      String field =
          m.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."));
      return body(
          HttpStatus.BAD_REQUEST, field + ": " + m.getOriginalMessage().split("\n")[0], field);
    }
    return body(HttpStatus.BAD_REQUEST, "request body is not valid JSON", null);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<Map<String, Object>> mismatch(MethodArgumentTypeMismatchException e) {
    String field = SNAKE.translate(e.getName());
    return body(HttpStatus.BAD_REQUEST, field + ": invalid value '" + e.getValue() + "'", field);
  }

  /**
   * What the database refused: a value it cannot store (SQL state class 22: out of range, a NUL
   * character) is the client's 400, a constraint (class 23: unique, check) its 409. The database's
   * own first line says which.
   */
  @ExceptionHandler(DataIntegrityViolationException.class)
  ResponseEntity<Map<String, Object>> integrity(DataIntegrityViolationException e) {
    Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
    String state = cause instanceof SQLException sql ? sql.getSQLState() : null;
    String message = cause.getMessage() == null ? "" : cause.getMessage().split("\n")[0];
    message = message.replaceFirst("^ERROR: ", "");
    if (state != null && state.startsWith("22")) {
      return body(HttpStatus.BAD_REQUEST, "a value cannot be stored: " + message, null);
    }
    log.info("refused by the database: {}", message);
    return body(HttpStatus.CONFLICT, "refused by the database: " + message, null);
  }

  /** Seconds a client is asked to wait before retrying while the database is unreachable. */
  static final int DATABASE_RETRY_AFTER_SECONDS = 5;

  /**
   * PostgreSQL unreachable (restarting, crashed, refusing connections, its pool timed out): the
   * request is refused with 503 and {@code Retry-After}, naming the database, so that a client
   * retries instead of reading a 500 as a bug. Anything else of these kinds is not ours to answer:
   * it is rethrown unchanged to the default handling.
   */
  @ExceptionHandler({DataAccessException.class, TransactionException.class})
  ResponseEntity<Map<String, Object>> database(Exception e) throws Exception {
    Throwable unreachable = databaseUnreachable(e);
    if (unreachable == null) {
      throw e;
    }
    String reason = unreachable.getMessage() == null ? "" : unreachable.getMessage().split("\n")[0];
    log.warn("database unavailable, answering 503: {}", reason);
    ResponseEntity<Map<String, Object>> answer =
        body(
            HttpStatus.SERVICE_UNAVAILABLE,
            "the database (PostgreSQL) is unavailable, retry in "
                + DATABASE_RETRY_AFTER_SECONDS
                + " s: "
                + reason,
            null);
    return ResponseEntity.status(answer.getStatusCode())
        .header("Retry-After", Integer.toString(DATABASE_RETRY_AFTER_SECONDS))
        .body(answer.getBody());
  }

  /**
   * The cause in {@code e}'s chain showing that the database could not be reached or dropped the
   * connection, or null: a pool or driver connection failure, or SQL state class 08 (connection
   * exception), 57P (operator intervention: shutting down, starting up) or 53300 (too many
   * connections), or a statement on a pooled connection already closed for one of these.
   */
  public static Throwable databaseUnreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (t instanceof SQLTransientConnectionException
            || t instanceof SQLNonTransientConnectionException
            || (state != null
                && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")))
            // Hikari's proxy of a connection it already evicted (e.g. a rollback after the server
            // dropped the connection) has no SQL state.
            || (state == null && "Connection is closed".equals(sql.getMessage()))) {
          return t;
        }
      } else if (t instanceof ConnectException) {
        return t;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof CannotGetJdbcConnectionException
          || t instanceof DataAccessResourceFailureException) {
        return t;
      }
    }
    return null;
  }

  @ExceptionHandler(IllegalStateException.class)
  ResponseEntity<Map<String, Object>> unexpected(IllegalStateException e) {
    log.error("request failed", e);
    return body(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage(), null);
  }

  static ResponseEntity<Map<String, Object>> body(HttpStatus status, String message, String field) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status.value());
    body.put("error", status.getReasonPhrase());
    body.put("detail", message);
    if (field != null) {
      body.put("field", field);
    }
    return ResponseEntity.status(status).body(body);
  }
}
