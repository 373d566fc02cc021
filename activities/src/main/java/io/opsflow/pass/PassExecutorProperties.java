package io.opsflow.pass;

import io.opsflow.kubernetes.KubernetesApiGuard;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How pass executors are launched ({@code opsflow.passes.executor.*}).
 *
 * @param backend {@code auto} (Kubernetes when a cluster is configured, as for CI jobs, else local
 *     processes), {@code kubernetes} or {@code local}
 * @param exitGrace an executor runs until the window's end plus this, so postprocessing can still
 *     close its link and store the last TM after LOS
 * @param mainClass the executor's main class in the workers jar
 * @param local the local process backend
 * @param kubernetes the Pod backend
 */
@ConfigurationProperties(prefix = "opsflow.passes.executor")
public record PassExecutorProperties(
    @DefaultValue("auto") String backend,
    @DefaultValue("60s") Duration exitGrace,
    @DefaultValue("io.opsflow.workers.pass.PassExecutorApplication") String mainClass,
    @DefaultValue Local local,
    @DefaultValue Kubernetes kubernetes) {

  static final List<String> BACKENDS = List.of("auto", "kubernetes", "local");

  public PassExecutorProperties {
    if (!BACKENDS.contains(backend)) {
      throw new IllegalArgumentException(
          "opsflow.passes.executor.backend must be one of " + BACKENDS + ", was '" + backend + "'");
    }
    if (exitGrace == null || exitGrace.isNegative()) {
      throw new IllegalArgumentException("opsflow.passes.executor.exit-grace must be >= 0");
    }
  }

  /**
   * Local JVM processes started from this process's own classpath.
   *
   * @param logDir where each executor's output goes ({@code pass-<id>-executor.log}); empty: {@code
   *     pass-executors} in the data directory
   * @param javaOptions JVM options of the executor
   * @param killGrace how long a terminated executor may take to exit before it is killed
   */
  public record Local(
      @DefaultValue("") String logDir,
      @DefaultValue({"-Xmx384m", "-XX:+UseSerialGC"}) List<String> javaOptions,
      @DefaultValue("5s") Duration killGrace) {}

  /**
   * Pods of the workers image.
   *
   * @param namespace where the Pods run
   * @param image the workers image
   * @param imagePullPolicy {@code IfNotPresent}, {@code Always} or {@code Never}
   * @param command the container's command before the executor's arguments: the workers jar run
   *     with the executor's main class
   * @param serviceAccount the Pods' service account; empty: the namespace's default, no token
   *     mounted (an executor needs no cluster access)
   * @param temporalAddress the Temporal frontend as seen from the Pods; empty: this process's
   * @param datasourceUrl the database as seen from the Pods; empty: this process's
   * @param datasourceUsername the database user; empty: this process's
   * @param secretName the Secret holding the database password and the payload key
   * @param datasourcePasswordKey the password's key in that Secret
   * @param payloadKeyKey the payload key's key in that Secret ({@code OPSFLOW_PAYLOAD_KEY})
   * @param cpu CPU request and limit
   * @param memory memory request and limit
   * @param breakerWaitInOpen how long the API server's open circuit breaker ({@code
   *     kubernetes:<host>:<port>}) fails launches and checks at once before it lets one through
   */
  public record Kubernetes(
      @DefaultValue("default") String namespace,
      @DefaultValue("opsflow/workers:latest") String image,
      @DefaultValue("IfNotPresent") String imagePullPolicy,
      @DefaultValue({
            "java",
            "-Xmx384m",
            "-Dloader.main=io.opsflow.workers.pass.PassExecutorApplication",
            "-cp",
            "/app/workers.jar",
            "org.springframework.boot.loader.launch.PropertiesLauncher"
          })
          List<String> command,
      @DefaultValue("") String serviceAccount,
      @DefaultValue("") String temporalAddress,
      @DefaultValue("") String datasourceUrl,
      @DefaultValue("") String datasourceUsername,
      @DefaultValue("opsflow") String secretName,
      @DefaultValue("datasource-password") String datasourcePasswordKey,
      @DefaultValue("payload-key") String payloadKeyKey,
      @DefaultValue("500m") String cpu,
      @DefaultValue("512Mi") String memory,
      @DefaultValue("10s") Duration breakerWaitInOpen) {

    public Kubernetes {
      if (breakerWaitInOpen == null) {
        breakerWaitInOpen = KubernetesApiGuard.DEFAULT_WAIT_IN_OPEN;
      }
      if (breakerWaitInOpen.isNegative() || breakerWaitInOpen.isZero()) {
        throw new IllegalArgumentException(
            "opsflow.passes.executor.kubernetes.breaker-wait-in-open must be positive, was "
                + breakerWaitInOpen);
      }
    }
  }
}
