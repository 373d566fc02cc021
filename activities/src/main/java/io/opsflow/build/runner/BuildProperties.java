package io.opsflow.build.runner;

import io.opsflow.build.BuildSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * CI build configuration ({@code opsflow.builds.*}), validated at start-up; copied into each
 * build's workflow input as {@link BuildSettings}.
 *
 * @param runner where jobs run: {@code auto} (the default: Kubernetes when a kubeconfig or an
 *     in-cluster config is present, else Docker when the engine answers a ping, else local
 *     processes), {@code kubernetes}, {@code docker} or {@code local}
 * @param taskQueue the task queue of the runner's workers; unset means {@code builds-<kind>} (e.g.
 *     {@code builds-docker}). Jobs of a build share a workspace on one host, so with several runner
 *     hosts give each its own queue (and its own API instance, which records the queue per build)
 * @param parallelism the most jobs of one build running at once
 * @param defaultJobTimeout a job's limit when it has no {@code timeout-minutes}
 * @param heartbeatTimeout how long a job's activity may go without heartbeat before Temporal
 *     retries it on another worker; the runners heartbeat several times a second while following
 * @param defaultImage the image of a job without {@code container.image}; the default is the
 *     busybox image {@code .ci/run} builds locally
 * @param local the local runner
 * @param docker the Docker runner
 */
@ConfigurationProperties(prefix = "opsflow.builds")
public record BuildProperties(
    @DefaultValue("auto") String runner,
    String taskQueue,
    @DefaultValue("4") int parallelism,
    @DefaultValue("60m") Duration defaultJobTimeout,
    @DefaultValue("30s") Duration heartbeatTimeout,
    @DefaultValue("opsflow/busybox:local") String defaultImage,
    @DefaultValue Local local,
    @DefaultValue Docker docker) {

  /** The accepted values of {@code opsflow.builds.runner}. */
  public static final List<String> RUNNERS = List.of("auto", "kubernetes", "docker", "local");

  public BuildProperties {
    if (runner == null || !RUNNERS.contains(runner)) {
      throw new IllegalArgumentException(
          "opsflow.builds.runner must be one of " + RUNNERS + ", was '" + runner + "'");
    }
    if (taskQueue != null && taskQueue.isBlank()) {
      taskQueue = null;
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException(
          "opsflow.builds.parallelism must be >= 1, was " + parallelism);
    }
    requirePositive("opsflow.builds.default-job-timeout", defaultJobTimeout);
    requirePositive("opsflow.builds.heartbeat-timeout", heartbeatTimeout);
    if (defaultImage == null || defaultImage.isBlank()) {
      throw new IllegalArgumentException("opsflow.builds.default-image is required");
    }
    local = local == null ? new Local(null, null) : local;
    docker = docker == null ? new Docker(null, null, false, null, null, null) : docker;
  }

  /** The task queue of a runner of {@code kind}: {@link #taskQueue} if set. */
  public String taskQueueFor(String kind) {
    if (taskQueue != null) {
      return taskQueue;
    }
    // The Kubernetes pool holds the cluster credentials: its queue is DESIGN's "kubernetes".
    return kind.equals("kubernetes") ? "kubernetes" : "builds-" + kind;
  }

  /** The settings recorded in a new build's workflow input. */
  public BuildSettings settings(BuildRunnerInfo runnerInfo) {
    return new BuildSettings(
        runnerInfo.kind(),
        runnerInfo.taskQueue(),
        parallelism,
        defaultJobTimeout,
        heartbeatTimeout,
        defaultImage);
  }

  /**
   * The local runner.
   *
   * @param workDir where build workspaces and attempt directories live, shared by installations:
   *     each uses its subdirectory named by its {@link InstallationToken}; default {@code
   *     ${java.io.tmpdir}/opsflow-builds}
   * @param killGrace time a stopped job gets between TERM and KILL
   */
  public record Local(String workDir, @DefaultValue("5s") Duration killGrace) {
    public Local {
      if (workDir == null || workDir.isBlank()) {
        workDir = Path.of(System.getProperty("java.io.tmpdir"), "opsflow-builds").toString();
      }
      killGrace = killGrace == null ? Duration.ofSeconds(5) : killGrace;
      if (killGrace.isNegative()) {
        throw new IllegalArgumentException("opsflow.builds.local.kill-grace must not be negative");
      }
    }
  }

  /**
   * The Docker runner.
   *
   * @param host the engine, e.g. {@code unix:///var/run/docker.sock}; default {@code DOCKER_HOST},
   *     else that socket
   * @param network the job containers' network mode; {@code none} (the default) gives jobs no
   *     network
   * @param pull whether a job's missing image is pulled; off by default (images are built locally
   *     and no registry is assumed), so a missing image fails the job at once
   * @param stopGrace time a stopped container gets between TERM and KILL
   * @param responseTimeout the longest one engine call (create, inspect, stop, remove) waits for
   *     its answer; longer than {@code stopGrace}, since a stop is answered after it. Followed logs
   *     and pulls have none (a job may print nothing for long)
   * @param breakerWaitInOpen how long the engine's open circuit breaker fails calls at once before
   *     it lets one through
   */
  public record Docker(
      String host,
      @DefaultValue("none") String network,
      @DefaultValue("false") boolean pull,
      @DefaultValue("5s") Duration stopGrace,
      @DefaultValue("60s") Duration responseTimeout,
      @DefaultValue("10s") Duration breakerWaitInOpen) {
    public Docker {
      network = network == null || network.isBlank() ? "none" : network;
      stopGrace = stopGrace == null ? Duration.ofSeconds(5) : stopGrace;
      if (stopGrace.isNegative()) {
        throw new IllegalArgumentException("opsflow.builds.docker.stop-grace must not be negative");
      }
      responseTimeout = responseTimeout == null ? Duration.ofSeconds(60) : responseTimeout;
      requirePositive("opsflow.builds.docker.response-timeout", responseTimeout);
      if (responseTimeout.compareTo(stopGrace) <= 0) {
        throw new IllegalArgumentException(
            "opsflow.builds.docker.response-timeout ("
                + responseTimeout
                + ") must be longer than opsflow.builds.docker.stop-grace ("
                + stopGrace
                + ")");
      }
      breakerWaitInOpen = breakerWaitInOpen == null ? Duration.ofSeconds(10) : breakerWaitInOpen;
      requirePositive("opsflow.builds.docker.breaker-wait-in-open", breakerWaitInOpen);
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }
}
