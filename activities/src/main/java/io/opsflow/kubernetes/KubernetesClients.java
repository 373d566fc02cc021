package io.opsflow.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;

/**
 * fabric8 clients of the Kubernetes API with bounded calls, for the CI Kubernetes runner and the
 * pass executor. fabric8 retries a call on its own after an I/O error, a 5xx or a 429 (honouring
 * Retry-After), with an exponential backoff: by default 10 retries from 100 ms, so one call to an
 * API server that is down or failing could be held for minutes. Here one call is at most {@link
 * #RETRIES} + 1 requests, each cut after {@link #REQUEST_TIMEOUT}, with backoffs from {@link
 * #RETRY_INTERVAL}; a fault that outlasts that reaches the activity, whose retry policy (and the
 * flow's recorded state) takes over.
 */
public final class KubernetesClients {

  /** Longest wait for one answer (a watch or a followed log is not bounded by it). */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** Longest wait for a connection to the API server. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** fabric8's own retries of one call after an I/O error, a 5xx or a 429. */
  public static final int RETRIES = 3;

  /** The first backoff between fabric8's retries (doubling). */
  public static final Duration RETRY_INTERVAL = Duration.ofMillis(250);

  private KubernetesClients() {}

  /** A client of the cluster fabric8 finds (KUBECONFIG, ~/.kube/config, in-cluster). */
  public static KubernetesClient connect() {
    return connect(Config.autoConfigure(null));
  }

  /** A client of the cluster {@code base} describes, with the bounds above. */
  public static KubernetesClient connect(Config base) {
    return connect(base, REQUEST_TIMEOUT, RETRIES);
  }

  /** A client of the cluster {@code base} describes, with other bounds. */
  public static KubernetesClient connect(Config base, Duration requestTimeout, int retries) {
    return new KubernetesClientBuilder().withConfig(bounded(base, requestTimeout, retries)).build();
  }

  /** {@code base} with the request timeout and retry limit given, and the bounds above. */
  public static Config bounded(Config base, Duration requestTimeout, int retries) {
    return new ConfigBuilder(base)
        .withRequestTimeout((int) requestTimeout.toMillis())
        .withConnectionTimeout((int) CONNECT_TIMEOUT.toMillis())
        .withRequestRetryBackoffLimit(retries)
        .withRequestRetryBackoffInterval((int) RETRY_INTERVAL.toMillis())
        .build();
  }
}
