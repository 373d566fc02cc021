package io.opsflow.docker;

import com.github.dockerjava.api.exception.DockerException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one Docker engine, named {@code docker:<host>}. Only the engine's own
 * faults count: no connection, no answer within the client's response timeout, or an HTTP 5xx
 * answer. A 404 or 409 is an answer about the container, not about the engine. While the breaker is
 * open, calls fail at once; the activity's retry policy brings them back after its backoff, so a
 * dead engine costs no worker slot for the length of a timeout on every attempt.
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

  private static final Logger log = LoggerFactory.getLogger(EngineGuard.class);

  private final String host;
  private final CircuitBreaker breaker;

  private EngineGuard(String host, CircuitBreaker breaker) {
    this.host = host;
    this.breaker = breaker;
  }

  /**
   * A guard of the engine at {@code host}: opens when at least half of the last 4 calls (2 at
   * least) met an engine fault, lets one call through after {@code waitInOpen}.
   *
   * @param meters where the breaker's state, calls and failure rate are published ({@code
   *     resilience4j_circuitbreaker_*{name="docker:<host>"}}); null: nowhere
   */
  public static EngineGuard of(String host, Duration waitInOpen, MeterRegistry meters) {
    CircuitBreakerRegistry registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .failureRateThreshold(50)
                .slidingWindowSize(4)
                .minimumNumberOfCalls(2)
                .waitDurationInOpenState(waitInOpen == null ? DEFAULT_WAIT_IN_OPEN : waitInOpen)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(EngineGuard::engineFault)
                .build());
    if (meters != null) {
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
    }
    CircuitBreaker breaker = registry.circuitBreaker("docker:" + host);
    breaker
        .getEventPublisher()
        .onStateTransition(
            t -> log.warn("circuit of {}: {}", t.getCircuitBreakerName(), t.getStateTransition()));
    return new EngineGuard(host, breaker);
  }

  /** The breaker's name, {@code docker:<host>}. */
  public String name() {
    return breaker.getName();
  }

  public CircuitBreaker.State state() {
    return breaker.getState();
  }

  /** Runs {@code call} through the breaker; engine faults become {@value #FAILURE_TYPE}. */
  public <T> T call(Supplier<T> call) {
    try {
      return breaker.executeSupplier(call);
    } catch (CallNotPermittedException open) {
      throw ApplicationFailure.newFailure(
          "Docker engine " + host + " is unavailable (circuit open after repeated faults)",
          FAILURE_TYPE);
    } catch (RuntimeException e) {
      if (e instanceof ApplicationFailure || !engineFault(e)) {
        throw e;
      }
      // No cause attached: the flow's "root" message is then this one, naming the engine.
      throw ApplicationFailure.newFailure(
          "Docker engine " + host + " failed: " + describe(e), FAILURE_TYPE);
    }
  }

  /** {@link #call(Supplier)} for a call without a result. */
  public void run(Runnable call) {
    call(
        () -> {
          call.run();
          return null;
        });
  }

  /**
   * Whether {@code e} is the engine's fault: an I/O error anywhere in its causes (refused, reset,
   * timed out), or an HTTP 5xx answer.
   */
  public static boolean engineFault(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof UncheckedIOException) {
        return true;
      }
      if (t instanceof DockerException d && d.getHttpStatus() >= 500) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DockerException d) {
        return "HTTP " + d.getHttpStatus() + " " + firstLine(d.getMessage());
      }
      if (t instanceof IOException io) {
        return io.getClass().getSimpleName() + ": " + firstLine(io.getMessage());
      }
    }
    return firstLine(e.toString());
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int nl = text.indexOf('\n');
    String line = (nl < 0 ? text : text.substring(0, nl)).trim();
    return line.length() > 300 ? line.substring(0, 300) : line;
  }
}
