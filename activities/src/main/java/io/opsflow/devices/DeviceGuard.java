package io.opsflow.devices;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.failure.ApplicationFailure;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * One circuit breaker per device. While a device's breaker is open, calls fail at once instead of
 * waiting for a timeout; Temporal's retry policy brings the call back later, so an unreachable plug
 * costs neither a worker slot nor the devices behind the same worker.
 */
@Component
public class DeviceGuard {

  private static final Logger log = LoggerFactory.getLogger(DeviceGuard.class);

  private final CircuitBreakerRegistry registry;

  public DeviceGuard(DeviceProperties properties, ObjectProvider<MeterRegistry> meters) {
    DeviceProperties.Breaker b = properties.breaker();
    this.registry =
        CircuitBreakerRegistry.of(
            CircuitBreakerConfig.custom()
                .failureRateThreshold(b.failureRateThreshold())
                .slidingWindowSize(b.slidingWindowSize())
                .minimumNumberOfCalls(b.minimumNumberOfCalls())
                .waitDurationInOpenState(b.waitInOpenState())
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());
    // Each breaker's state (resilience4j_circuitbreaker_state{name,state}), calls and failure
    // rate, in /actuator/prometheus of the process running the device activities.
    meters.ifAvailable(
        registry ->
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(this.registry).bindTo(registry));
    this.registry
        .getEventPublisher()
        .onEntryAdded(
            added ->
                added
                    .getAddedEntry()
                    .getEventPublisher()
                    .onStateTransition(
                        t ->
                            log.warn(
                                "circuit of {}: {}",
                                t.getCircuitBreakerName(),
                                t.getStateTransition())));
  }

  /** Runs the call through the device's breaker; failures become retryable activity failures. */
  public <T> T call(String device, Callable<T> call) {
    CircuitBreaker breaker = registry.circuitBreaker(device);
    try {
      return breaker.executeCallable(call);
    } catch (CallNotPermittedException open) {
      throw ApplicationFailure.newFailure(
          device + " is unreachable (circuit open)", "DEVICE_CIRCUIT_OPEN");
    } catch (DeviceException e) {
      throw ApplicationFailure.newFailureWithCause(e.getMessage(), e.type(), e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      // A refused connection or a timeout often has no message: name the exception then.
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw ApplicationFailure.newFailureWithCause(
          device + ": " + message, "DEVICE_UNREACHABLE", e);
    }
  }

  /** State of a device's breaker, for operators. */
  public CircuitBreaker.State state(String device) {
    return registry.circuitBreaker(device).getState();
  }
}
