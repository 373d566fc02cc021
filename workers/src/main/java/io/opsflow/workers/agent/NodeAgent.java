package io.opsflow.workers.agent;

import com.github.dockerjava.api.DockerClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.docker.DockerConnections;
import io.opsflow.docker.EngineGuard;
import io.opsflow.resilience.ServiceGuard;
import io.opsflow.workload.ContainerActivitiesImpl;
import io.opsflow.workload.ContainerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node agent (the seed's persys-agent), as a Temporal worker: it polls {@code node-<nodeId>},
 * where the Docker activities of the workloads placed on this node run against its local engine,
 * registers the node with the API ({@code POST /api/v1/nodes/register}) and then heartbeats every
 * interval with the capacity it offers ({@code POST /api/v1/nodes/heartbeat}), both with {@code
 * Authorization: Bearer <AGENT_SECRET>}.
 *
 * <p>The worker polls from the start; registration is retried with backoff (1 s doubling, capped at
 * the heartbeat interval) while the API is not up, and repeated when a heartbeat is answered 404
 * (the API does not know the node). {@link #close()} stops the heartbeats and the worker without
 * deregistering: to the cluster, a closed agent is a dead one, and its node goes Inactive after the
 * threshold. Plain Java, so tests run several in one JVM; the workers app runs one in agent mode
 * ({@link AgentConfiguration}).
 */
public final class NodeAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

  private final Options options;
  private final DockerClient docker;
  private final boolean ownsDocker;
  private final AgentApi api;
  private final OfferedCapacity offer;
  private final WorkerFactory workers;
  private final ScheduledExecutorService scheduler;
  private volatile boolean registered;
  private final java.util.concurrent.atomic.AtomicInteger registrationAttempts =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean closed;
  private Duration backoff;

  private NodeAgent(Options options, DockerClient docker, boolean ownsDocker) {
    this.options = options;
    this.docker = docker;
    this.ownsDocker = ownsDocker;
    this.api = new AgentApi(options.apiBaseUrl(), options.agentSecret(), options.client());
    this.offer =
        OfferedCapacity.of(
            options.offeredCpu(),
            options.offeredMemoryMb(),
            options.reservedCpu(),
            options.reservedMemoryMb());
    this.workers = WorkerFactory.newInstance(options.workflowClient());
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "node-agent-" + options.nodeId());
              t.setDaemon(true);
              return t;
            });
    this.backoff = options.registerInitialBackoff();
  }

  /** Starts an agent with its own Docker client for {@link Options#dockerHost()}. */
  public static NodeAgent start(Options options) {
    return start(
        options,
        DockerConnections.connect(options.dockerHost(), options.engineResponseTimeout()),
        true);
  }

  /** Starts an agent on a Docker client owned by the caller (closed by the caller). */
  public static NodeAgent start(Options options, DockerClient docker) {
    return start(options, docker, false);
  }

  private static NodeAgent start(Options options, DockerClient docker, boolean ownsDocker) {
    NodeAgent agent = new NodeAgent(options, docker, ownsDocker);
    try {
      // Fails when Temporal cannot be reached: an agent that polls nothing must not register.
      agent.startWorker();
    } catch (RuntimeException e) {
      agent.close();
      throw e;
    }
    agent.scheduler.execute(agent::register);
    return agent;
  }

  private void startWorker() {
    Worker worker = workers.newWorker(nodeQueue());
    // One breaker for the node's engine: a dead or failing engine fails the node's actions at
    // once (retried by the workflow's policy) instead of holding each for the response timeout.
    ServiceGuard engine =
        EngineGuard.of(
            DockerConnections.resolveHost(options.dockerHost()),
            options.engineBreakerWait(),
            options.meters());
    worker.registerActivitiesImplementations(
        new ContainerActivitiesImpl(docker, options.containers(), engine));
    workers.start();
    log.info("Node agent {} polls {}", options.nodeId(), nodeQueue());
  }

  /** The task queue this agent's worker polls: prefix + node id. */
  public String nodeQueue() {
    return options.nodeQueuePrefix() + options.nodeId();
  }

  public String nodeId() {
    return options.nodeId();
  }

  /** The capacity sent in every heartbeat. */
  public double offeredCpu() {
    return offer.cpu();
  }

  /** The memory (MiB) sent in every heartbeat. */
  public long offeredMemoryMb() {
    return offer.memoryMb();
  }

  /** Whether the API accepted the registration. */
  public boolean isRegistered() {
    return registered;
  }

  /** Registration calls made so far, answered or not. */
  int registrationAttempts() {
    return registrationAttempts.get();
  }

  private void register() {
    if (closed) {
      return;
    }
    int status;
    registrationAttempts.incrementAndGet();
    try {
      status = api.register(options.nodeId(), options.ipAddress(), options.hostname());
    } catch (IOException e) {
      status = -1;
      log.debug("Registration of {} failed: {}", options.nodeId(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (status >= 200 && status < 300) {
      registered = true;
      backoff = options.registerInitialBackoff();
      log.info("Node {} registered at {}", options.nodeId(), options.apiBaseUrl());
      // The first heartbeat at once: the scheduler learns the node's capacity without waiting.
      heartbeat();
      scheduleHeartbeats();
      return;
    }
    log.warn(
        "Registration of node {} at {} failed ({}); retrying in {}",
        options.nodeId(),
        options.apiBaseUrl(),
        status < 0 ? "API unreachable" : "HTTP " + status,
        backoff);
    scheduleQuietly(this::register, backoff);
    Duration doubled = backoff.multipliedBy(2);
    backoff =
        doubled.compareTo(options.heartbeatInterval()) > 0 ? options.heartbeatInterval() : doubled;
  }

  private void scheduleHeartbeats() {
    if (closed) {
      return;
    }
    long period = options.heartbeatInterval().toNanos();
    try {
      scheduler.scheduleAtFixedRate(this::heartbeat, period, period, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // close() raced us: nothing to schedule
    }
  }

  private void heartbeat() {
    if (closed || !registered) {
      return;
    }
    try {
      int status = api.heartbeat(options.nodeId(), offer.cpu(), offer.memoryMb());
      if (status == 404) {
        // The API lost the node (e.g. restarted without it): register again, then carry on.
        log.warn("API does not know node {}: registering again", options.nodeId());
        int again = api.register(options.nodeId(), options.ipAddress(), options.hostname());
        if (again >= 200 && again < 300) {
          api.heartbeat(options.nodeId(), offer.cpu(), offer.memoryMb());
        }
      } else if (status < 200 || status >= 300) {
        log.warn("Heartbeat of node {} answered HTTP {}", options.nodeId(), status);
      }
    } catch (IOException e) {
      // The next tick tries again; missing heartbeats are exactly what the node monitor judges.
      log.warn("Heartbeat of node {} failed: {}", options.nodeId(), e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void scheduleQuietly(Runnable task, Duration delay) {
    try {
      scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // close() raced us
    }
  }

  /**
   * Stops heartbeating and polling, without deregistering. Activities in flight are interrupted:
   * their workflows see them time out and retry them once an agent polls this queue again.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.shutdownNow();
    workers.shutdownNow();
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
      workers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsDocker) {
      try {
        docker.close();
      } catch (IOException e) {
        log.debug("Closing the Docker client of node {}: {}", options.nodeId(), e.toString());
      }
    }
    log.info("Node agent {} stopped", options.nodeId());
  }

  /**
   * How an agent runs; {@link #builder} fills in the defaults.
   *
   * @param nodeId the node's id; its queue is {@code nodeQueuePrefix + nodeId}
   * @param apiBaseUrl the API, e.g. {@code http://127.0.0.1:8080}
   * @param agentSecret the shared secret ({@code AGENT_SECRET}), sent as a bearer token; blank:
   *     none
   * @param heartbeatInterval time between heartbeats (seed: 30 s)
   * @param offeredCpu cores offered; 0 or less: measured (processors minus {@code reservedCpu})
   * @param offeredMemoryMb MiB offered; 0 or less: measured (physical memory minus {@code
   *     reservedMemoryMb})
   * @param reservedCpu cores kept back from a measured offer
   * @param reservedMemoryMb MiB kept back from a measured offer
   * @param dockerHost the engine for {@link #start(Options)}; blank: DOCKER_HOST or the local
   *     socket
   * @param workflowClient the Temporal client the worker polls with
   * @param nodeQueuePrefix {@code node-}
   * @param ipAddress sent on registration
   * @param hostname sent on registration
   * @param containers how containers are run on this node
   * @param registerInitialBackoff first wait before registering again after a failure
   * @param client the agent's own OAuth2 client (a token with the node_agent role); null: the
   *     shared secret
   * @param engineResponseTimeout the longest one engine call may wait for its answer, for the
   *     client {@link #start(Options)} creates (default {@link
   *     ContainerActivitiesImpl#ENGINE_RESPONSE_TIMEOUT})
   * @param engineBreakerWait how long the engine's open circuit breaker fails calls at once
   * @param meters where the engine's breaker is published; null: nowhere
   */
  public record Options(
      String nodeId,
      URI apiBaseUrl,
      String agentSecret,
      Duration heartbeatInterval,
      double offeredCpu,
      long offeredMemoryMb,
      double reservedCpu,
      long reservedMemoryMb,
      String dockerHost,
      WorkflowClient workflowClient,
      String nodeQueuePrefix,
      String ipAddress,
      String hostname,
      ContainerSettings containers,
      Duration registerInitialBackoff,
      AgentCredentials.Options.ClientCredentials client,
      Duration engineResponseTimeout,
      Duration engineBreakerWait,
      MeterRegistry meters) {

    public Options {
      engineResponseTimeout =
          engineResponseTimeout == null
              ? ContainerActivitiesImpl.ENGINE_RESPONSE_TIMEOUT
              : engineResponseTimeout;
      engineBreakerWait =
          engineBreakerWait == null ? EngineGuard.DEFAULT_WAIT_IN_OPEN : engineBreakerWait;
      if (nodeId == null || nodeId.isBlank()) {
        throw new IllegalArgumentException("nodeId is required");
      }
      Objects.requireNonNull(apiBaseUrl, "apiBaseUrl");
      Objects.requireNonNull(workflowClient, "workflowClient");
      if (heartbeatInterval == null
          || heartbeatInterval.isZero()
          || heartbeatInterval.isNegative()) {
        throw new IllegalArgumentException("heartbeatInterval must be positive");
      }
      if (registerInitialBackoff == null
          || registerInitialBackoff.isZero()
          || registerInitialBackoff.isNegative()) {
        throw new IllegalArgumentException("registerInitialBackoff must be positive");
      }
      nodeQueuePrefix = nodeQueuePrefix == null ? "node-" : nodeQueuePrefix;
      ipAddress = ipAddress == null || ipAddress.isBlank() ? "127.0.0.1" : ipAddress;
      hostname = hostname == null || hostname.isBlank() ? localHostName() : hostname;
      containers = containers == null ? ContainerSettings.defaults(nodeId) : containers;
      if (engineResponseTimeout.compareTo(containers.stopGrace()) <= 0) {
        // A stop is answered once the container stopped: up to the grace period.
        throw new IllegalArgumentException(
            "engineResponseTimeout ("
                + engineResponseTimeout
                + ") must be longer than the containers' stop grace ("
                + containers.stopGrace()
                + ")");
      }
      if (!containers.nodeId().equals(nodeId)) {
        // The containers' node label must name the node that runs them.
        throw new IllegalArgumentException(
            "containers are for node " + containers.nodeId() + ", not " + nodeId);
      }
    }

    /** Options with the defaults: 30 s heartbeats, measured capacity, network none. */
    public static Builder builder(String nodeId, URI apiBaseUrl, WorkflowClient workflowClient) {
      return new Builder(nodeId, apiBaseUrl, workflowClient);
    }

    private static String localHostName() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "localhost";
      }
    }
  }

  /** Builds {@link Options}; every setter is optional. */
  public static final class Builder {
    private final String nodeId;
    private final URI apiBaseUrl;
    private final WorkflowClient workflowClient;
    private String agentSecret = "";
    private Duration heartbeatInterval = Duration.ofSeconds(30);
    private double offeredCpu;
    private long offeredMemoryMb;
    private double reservedCpu = 0.5;
    private long reservedMemoryMb = 512;
    private String dockerHost;
    private String nodeQueuePrefix = "node-";
    private String ipAddress;
    private String hostname;
    private ContainerSettings containers;
    private Duration registerInitialBackoff = Duration.ofSeconds(1);
    private AgentCredentials.Options.ClientCredentials client;
    private Duration engineResponseTimeout;
    private Duration engineBreakerWait;
    private MeterRegistry meters;

    private Builder(String nodeId, URI apiBaseUrl, WorkflowClient workflowClient) {
      this.nodeId = nodeId;
      this.apiBaseUrl = apiBaseUrl;
      this.workflowClient = workflowClient;
    }

    public Builder agentSecret(String value) {
      agentSecret = value;
      return this;
    }

    /** The agent's own OAuth2 client; its tokens replace the shared secret. */
    public Builder clientCredentials(URI tokenUrl, String clientId, String clientSecret) {
      client = new AgentCredentials.Options.ClientCredentials(tokenUrl, clientId, clientSecret);
      return this;
    }

    public Builder heartbeatInterval(Duration value) {
      heartbeatInterval = value;
      return this;
    }

    /** Offered capacity; 0 means measure it. */
    public Builder offered(double cpu, long memoryMb) {
      offeredCpu = cpu;
      offeredMemoryMb = memoryMb;
      return this;
    }

    /** What a measured offer keeps back. */
    public Builder reserved(double cpu, long memoryMb) {
      reservedCpu = cpu;
      reservedMemoryMb = memoryMb;
      return this;
    }

    public Builder dockerHost(String value) {
      dockerHost = value;
      return this;
    }

    public Builder nodeQueuePrefix(String value) {
      nodeQueuePrefix = value;
      return this;
    }

    public Builder address(String ip, String host) {
      ipAddress = ip;
      hostname = host;
      return this;
    }

    public Builder containers(ContainerSettings value) {
      containers = value;
      return this;
    }

    public Builder registerInitialBackoff(Duration value) {
      registerInitialBackoff = value;
      return this;
    }

    /** The engine client's response timeout and its breaker's open wait (null: defaults). */
    public Builder engine(Duration responseTimeout, Duration breakerWait) {
      engineResponseTimeout = responseTimeout;
      engineBreakerWait = breakerWait;
      return this;
    }

    /** Where the engine's circuit breaker is published. */
    public Builder meters(MeterRegistry value) {
      meters = value;
      return this;
    }

    public Options build() {
      return new Options(
          nodeId,
          apiBaseUrl,
          agentSecret,
          heartbeatInterval,
          offeredCpu,
          offeredMemoryMb,
          reservedCpu,
          reservedMemoryMb,
          dockerHost,
          workflowClient,
          nodeQueuePrefix,
          ipAddress,
          hostname,
          containers,
          registerInitialBackoff,
          client,
          engineResponseTimeout,
          engineBreakerWait,
          meters);
    }
  }
}
