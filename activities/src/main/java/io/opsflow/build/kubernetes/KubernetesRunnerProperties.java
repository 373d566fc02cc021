package io.opsflow.build.kubernetes;

import io.opsflow.kubernetes.KubernetesApiGuard;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How CI jobs run as Kubernetes Jobs ({@code opsflow.builds.kubernetes.*}). Validated when bound,
 * so a bad value stops the worker at start-up instead of failing every build.
 *
 * @param namespace the namespace the Jobs and their pods live in
 * @param ttlSecondsAfterFinished how long a finished Job and its pods are kept before the cluster's
 *     TTL controller deletes them; it must outlive a worker restart, because a re-attaching runner
 *     reads the exit code and the rest of the log from them
 * @param pollInterval how often a running job's pod status and log are read; also the heartbeat
 *     rhythm of the runner activity while it waits
 * @param serviceAccount the service account the job pods run as; null runs them as the namespace's
 *     default account without mounting its token (CI scripts get no cluster access unless one is
 *     configured)
 * @param imagePullPolicy {@code IfNotPresent}, {@code Always} or {@code Never}
 * @param breakerWaitInOpen how long the API server's open circuit breaker ({@code
 *     kubernetes:<host>:<port>}) fails calls at once before it lets one through
 */
@ConfigurationProperties(prefix = "opsflow.builds.kubernetes")
public record KubernetesRunnerProperties(
    @DefaultValue("default") String namespace,
    @DefaultValue("3600") int ttlSecondsAfterFinished,
    @DefaultValue("1s") Duration pollInterval,
    String serviceAccount,
    @DefaultValue("IfNotPresent") String imagePullPolicy,
    @DefaultValue("10s") Duration breakerWaitInOpen) {

  private static final List<String> PULL_POLICIES = List.of("IfNotPresent", "Always", "Never");

  public KubernetesRunnerProperties {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("opsflow.builds.kubernetes.namespace must not be blank");
    }
    if (ttlSecondsAfterFinished < 0) {
      throw new IllegalArgumentException(
          "opsflow.builds.kubernetes.ttl-seconds-after-finished must be >= 0, was "
              + ttlSecondsAfterFinished);
    }
    if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException(
          "opsflow.builds.kubernetes.poll-interval must be positive, was " + pollInterval);
    }
    if (serviceAccount != null && serviceAccount.isBlank()) {
      serviceAccount = null;
    }
    if (breakerWaitInOpen == null) {
      breakerWaitInOpen = KubernetesApiGuard.DEFAULT_WAIT_IN_OPEN;
    }
    if (breakerWaitInOpen.isNegative() || breakerWaitInOpen.isZero()) {
      throw new IllegalArgumentException(
          "opsflow.builds.kubernetes.breaker-wait-in-open must be positive, was "
              + breakerWaitInOpen);
    }
    if (!PULL_POLICIES.contains(imagePullPolicy)) {
      throw new IllegalArgumentException(
          "opsflow.builds.kubernetes.image-pull-policy must be one of "
              + PULL_POLICIES
              + ", was "
              + imagePullPolicy);
    }
  }
}
