package io.opsflow.resilience;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The circuit breaker of one service the workers call (a Docker engine, a Kubernetes API server),
 * named {@code <prefix>:<target>}. Only the service's own faults count (its {@link Kind#fault()}):
 * an answer about the object asked for (404, 409) is not one. It opens when at least half of the
 * last 4 calls (2 at least) met a fault and lets one call through after its wait. While it is open,
 * calls fail at once; the activity's retry policy brings them back after its backoff, so a dead
 * service costs no worker slot for the length of a timeout on every attempt.
 *
 * <p>Every fault leaves the guard as a retryable {@link ApplicationFailure} of the kind's type,
 * without a cause, whose message names the service: a flow that gives up records which one failed
 * it.
 */
public final class ServiceGuard {

  /**
   * A kind of service.
   *
   * @param prefix the breaker name's prefix ({@code docker})
   * @param label the service in messages ({@code Docker engine})
   * @param failureType the type of the failures the guard throws
   * @param fault whether an exception is the service's fault
   * @param describe one line saying what the fault was
   */
  public record Kind(
      String prefix,
      String label,
      String failureType,
      Predicate<Throwable> fault,
      Function<Throwable, String> describe) {}

  private static final Logger log = LoggerFactory.getLogger(ServiceGuard.class);

  private final Kind kind;
  private final String target;
  private final CircuitBreaker breaker;

  private ServiceGuard(Kind kind, String target, CircuitBreaker breaker) {
    this.kind = kind;
    this.target = target;
    this.breaker = breaker;
  }

  /**
   * A guard of the service of {@code kind} at {@code target}.
   *
   * @param meters where the breaker's state, calls and failure rate are published ({@code
   *     resilience4j_circuitbreaker_*{name="<prefix>:<target>"}}); null: nowhere
   */
  public static ServiceGuard of(
      Kind kind, String target, Duration waitInOpen, MeterRegistry meters) {
    CircuitBreakerRegistry registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .failureRateThreshold(50)
                .slidingWindowSize(4)
                .minimumNumberOfCalls(2)
                .waitDurationInOpenState(waitInOpen)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(kind.fault())
                .build());
    if (meters != null) {
      TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
    }
    CircuitBreaker breaker = registry.circuitBreaker(kind.prefix() + ":" + target);
    breaker
        .getEventPublisher()
        .onStateTransition(
            t -> log.warn("circuit of {}: {}", t.getCircuitBreakerName(), t.getStateTransition()));
    return new ServiceGuard(kind, target, breaker);
  }

  /** The breaker's name, {@code <prefix>:<target>}. */
  public String name() {
    return breaker.getName();
  }

  public CircuitBreaker.State state() {
    return breaker.getState();
  }

  /** Runs {@code call} through the breaker; the service's faults become the kind's failure. */
  public <T> T call(Supplier<T> call) {
    try {
      return breaker.executeSupplier(call);
    } catch (CallNotPermittedException open) {
      throw ApplicationFailure.newFailure(
          kind.label() + " " + target + " is unavailable (circuit open after repeated faults)",
          kind.failureType());
    } catch (RuntimeException e) {
      if (e instanceof ApplicationFailure || !kind.fault().test(e)) {
        throw e;
      }
      // No cause attached: the flow's "root" message is then this one, naming the service.
      throw ApplicationFailure.newFailure(
          kind.label() + " " + target + " failed: " + kind.describe().apply(e), kind.failureType());
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

  /** Whether {@code e} or any of its causes passes {@code test}. */
  public static boolean anyCause(Throwable e, Predicate<Throwable> test) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (test.test(t)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** The first line of {@code text}, at most 300 characters; empty for null. */
  public static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int nl = text.indexOf('\n');
    String line = (nl < 0 ? text : text.substring(0, nl)).trim();
    return line.length() > 300 ? line.substring(0, 300) : line;
  }
}
