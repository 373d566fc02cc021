package io.opsflow.docker;

import com.github.dockerjava.api.exception.DockerException;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The circuit breaker of a Docker engine ({@link #of}): a {@link ServiceGuard} named {@code
 * docker:<host>}. Only the engine's own faults count: no connection, no answer within the client's
 * response timeout, or an HTTP 5xx answer. A 404 or 409 is an answer about the container, not about
 * the engine. While the breaker is open, calls fail at once; the activity's retry policy brings
 * them back after its backoff, so a dead engine costs no worker slot for the length of a timeout on
 * every attempt.
 *
 * <p>Every engine fault leaves the guard as a retryable {@link ApplicationFailure} of type {@value
 * #FAILURE_TYPE} whose message names the engine, so a flow that gives up records which engine
 * failed it.
 */
public final class EngineGuard {

  /** The failure type of an engine fault (retryable). */
  public static final String FAILURE_TYPE = "DOCKER_ENGINE_UNAVAILABLE";

  /** Time an open breaker waits before letting one call through. */
  public static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(10);

  private static final ServiceGuard.Kind DOCKER =
      new ServiceGuard.Kind(
          "docker", "Docker engine", FAILURE_TYPE, EngineGuard::engineFault, EngineGuard::describe);

  private EngineGuard() {}

  /**
   * A guard of the engine at {@code host}: opens when at least half of the last 4 calls (2 at
   * least) met an engine fault, lets one call through after {@code waitInOpen}.
   *
   * @param meters where the breaker's state, calls and failure rate are published ({@code
   *     resilience4j_circuitbreaker_*{name="docker:<host>"}}); null: nowhere
   */
  public static ServiceGuard of(String host, Duration waitInOpen, MeterRegistry meters) {
    return ServiceGuard.of(
        DOCKER, host, waitInOpen == null ? DEFAULT_WAIT_IN_OPEN : waitInOpen, meters);
  }

  /**
   * Whether {@code e} is the engine's fault: an I/O error anywhere in its causes (refused, reset,
   * timed out), or an HTTP 5xx answer.
   */
  public static boolean engineFault(Throwable e) {
    return ServiceGuard.anyCause(
        e,
        t ->
            t instanceof IOException
                || t instanceof UncheckedIOException
                || (t instanceof DockerException d && d.getHttpStatus() >= 500));
  }

  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DockerException d) {
        return "HTTP " + d.getHttpStatus() + " " + ServiceGuard.firstLine(d.getMessage());
      }
      if (t instanceof IOException io) {
        return io.getClass().getSimpleName() + ": " + ServiceGuard.firstLine(io.getMessage());
      }
    }
    return ServiceGuard.firstLine(e.toString());
  }
}
