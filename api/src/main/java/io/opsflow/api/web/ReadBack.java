package io.opsflow.api.web;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.TransactionException;

/**
 * Reading back what a start route has just stored and started. Once the row is stored and its
 * workflow runs, the start has happened: PostgreSQL going away before the answer is read must not
 * turn it into a refusal (a client would retry and start it twice, or be told the name is taken).
 * The read is retried while the database is unreachable, for up to {@link #PATIENCE} (a restart
 * takes seconds); past that the answer is a 503 that says the start happened and where to read it.
 */
public final class ReadBack {

  /** How long the answer of a start waits for the database to come back. */
  public static final Duration PATIENCE = Duration.ofSeconds(20);

  private static final Logger log = LoggerFactory.getLogger(ReadBack.class);
  private static final Duration PAUSE = Duration.ofMillis(500);

  private ReadBack() {}

  /**
   * {@code read}'s value, retried through a database outage.
   *
   * @param what what was started, e.g. {@code build 12}
   * @param path where a client reads it, e.g. {@code /api/v1/builds/12}
   * @throws ApiException 503 naming {@code path} if the database is still unreachable after {@link
   *     #PATIENCE}; any other failure of {@code read} unchanged
   */
  public static <T> T afterStart(String what, String path, Supplier<T> read) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        return read.get();
      } catch (DataAccessException | TransactionException e) {
        Throwable unreachable = ApiExceptionHandler.databaseUnreachable(e);
        if (unreachable == null) {
          throw e;
        }
        if (System.nanoTime() > deadline) {
          throw new ApiException(
              HttpStatus.SERVICE_UNAVAILABLE,
              what
                  + " was started, but the database (PostgreSQL) is unavailable to read it back: GET "
                  + path
                  + " later (do not start it again)",
              null,
              Map.of("started", path));
        }
        log.info("{} started; reading it back waits for the database: {}", what, unreachable);
        try {
          Thread.sleep(PAUSE);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
