package io.opsflow.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EngineGuardTest {

  private static final String HOST = "tcp://127.0.0.1:2375";

  private static double state(SimpleMeterRegistry meters, String state) {
    return meters
        .get("resilience4j.circuitbreaker.state")
        .tag("name", "docker:" + HOST)
        .tag("state", state)
        .gauge()
        .value();
  }

  @Test
  void engineFaultsAreRetryableFailuresNamingTheEngineAndOpenTheCircuit() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ServiceGuard guard = EngineGuard.of(HOST, Duration.ofMinutes(1), meters);
    assertThat(guard.name()).isEqualTo("docker:" + HOST);

    assertThatThrownBy(
            () ->
                guard.call(
                    () -> {
                      throw new RuntimeException(new ConnectException("Connection refused"));
                    }))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo(EngineGuard.FAILURE_TYPE);
              assertThat(f.isNonRetryable()).isFalse();
              assertThat(f.getOriginalMessage())
                  .isEqualTo(
                      "Docker engine " + HOST + " failed: ConnectException: Connection refused");
            });
    assertThatThrownBy(
            () ->
                guard.call(
                    () -> {
                      throw new InternalServerErrorException("Status 500: daemon broken");
                    }))
        .isInstanceOf(ApplicationFailure.class)
        .hasMessageContaining("HTTP 500");
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(state(meters, "open")).isEqualTo(1);

    // Open: the call is not made at all.
    AtomicInteger made = new AtomicInteger();
    assertThatThrownBy(() -> guard.call(made::incrementAndGet))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getOriginalMessage()).contains("circuit open").contains(HOST));
    assertThat(made).hasValue(0);
  }

  @Test
  void answersAboutAContainerAreNotEngineFaults() {
    ServiceGuard guard = EngineGuard.of(HOST, Duration.ofMinutes(1), null);
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(
              () ->
                  guard.call(
                      () -> {
                        throw new NotFoundException("No such container: x");
                      }))
          .isInstanceOf(NotFoundException.class);
    }
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(EngineGuard.engineFault(new NotFoundException("gone"))).isFalse();
    assertThat(EngineGuard.engineFault(new RuntimeException(new SocketTimeoutException())))
        .isTrue();
    assertThat(EngineGuard.engineFault(new IllegalStateException("x"))).isFalse();
    assertThat(EngineGuard.engineFault(new java.io.UncheckedIOException(new IOException("reset"))))
        .isTrue();
  }

  @Test
  void anOpenCircuitLetsOneCallThroughAfterItsWaitAndClosesWhenItPasses() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ServiceGuard guard = EngineGuard.of(HOST, Duration.ofMillis(200), meters);
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(
              () ->
                  guard.call(
                      () -> {
                        throw new RuntimeException(new SocketTimeoutException("Read timed out"));
                      }))
          .isInstanceOf(ApplicationFailure.class);
    }
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.OPEN);
    Thread.sleep(300);
    assertThat(guard.call(() -> "pong")).isEqualTo("pong");
    assertThat(guard.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(state(meters, "closed")).isEqualTo(1);
    assertThat(state(meters, "open")).isZero();
  }
}
