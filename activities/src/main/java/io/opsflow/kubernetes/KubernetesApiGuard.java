package io.opsflow.kubernetes;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The circuit breaker of one Kubernetes API server, named {@code kubernetes:<host>:<port>}: a
 * {@link ServiceGuard} of the Kubernetes kind, for the CI Kubernetes runner and the pass executor
 * Pods. One call here is one call of fabric8, which has already made its own bounded retries
 * ({@link KubernetesClients}). Only the server's own faults count: no connection or no answer in
 * time, an HTTP 5xx, or a 429 that outlasted those retries. A 404, 409 or 422 is an answer about
 * the object, not about the server.
 *
 * <p>While the breaker is open, calls fail at once: an API server that is down costs the runner no
 * worker slot for a connect timeout and three retries on every attempt of every job. Every fault
 * leaves the guard as a retryable {@link ApplicationFailure} of type {@value #FAILURE_TYPE} naming
 * the server, so a build or pass that gives up records it.
 */
public final class KubernetesApiGuard {

  /** The failure type of an API server fault (retryable). */
  public static final String FAILURE_TYPE = "KUBERNETES_API_UNAVAILABLE";

  /** Time an open breaker waits before letting one call through. */
  public static final Duration DEFAULT_WAIT_IN_OPEN = Duration.ofSeconds(10);

  private static final ServiceGuard.Kind KUBERNETES =
      new ServiceGuard.Kind(
          "kubernetes",
          "Kubernetes API server",
          FAILURE_TYPE,
          KubernetesApiGuard::apiFault,
          KubernetesApiGuard::describe);

  private KubernetesApiGuard() {}

  /**
   * A guard of the API server {@code client} talks to.
   *
   * @param waitInOpen how long an open breaker waits before one call; null: {@link
   *     #DEFAULT_WAIT_IN_OPEN}
   * @param meters where the breaker's state, calls and failure rate are published ({@code
   *     resilience4j_circuitbreaker_*{name="kubernetes:<host>:<port>"}}); null: nowhere
   */
  public static ServiceGuard of(
      KubernetesClient client, Duration waitInOpen, MeterRegistry meters) {
    return ServiceGuard.of(
        KUBERNETES,
        server(client.getMasterUrl()),
        waitInOpen == null ? DEFAULT_WAIT_IN_OPEN : waitInOpen,
        meters);
  }

  /** {@code host:port} of the API server's URL. */
  public static String server(URL master) {
    int port = master.getPort() < 0 ? master.getDefaultPort() : master.getPort();
    return master.getHost() + ":" + port;
  }

  /**
   * Whether {@code e} is the API server's fault: an I/O error or a timeout anywhere in its causes,
   * or an answer 5xx or 429.
   */
  public static boolean apiFault(Throwable e) {
    return ServiceGuard.anyCause(
        e,
        t ->
            t instanceof IOException
                || t instanceof UncheckedIOException
                || t instanceof TimeoutException
                || (t instanceof KubernetesClientException k
                    && (k.getCode() >= 500 || k.getCode() == 429)));
  }

  private static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() > 0) {
        Status status = k.getStatus();
        String reason = status == null || status.getReason() == null ? "" : status.getReason();
        String message = status == null ? null : status.getMessage();
        return ("HTTP " + k.getCode() + " " + reason).trim()
            + (message == null ? "" : ": " + ServiceGuard.firstLine(message));
      }
      if (t instanceof IOException || t instanceof TimeoutException) {
        return t.getClass().getSimpleName()
            + (t.getMessage() == null ? "" : ": " + ServiceGuard.firstLine(t.getMessage()));
      }
    }
    return ServiceGuard.firstLine(e.toString());
  }
}
