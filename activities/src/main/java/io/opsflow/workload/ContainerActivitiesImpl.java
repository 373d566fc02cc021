package io.opsflow.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link ContainerActivities} on this node's Docker engine. The container is named by the workload
 * id and labelled {@code workloadId}, {@code displayName}, {@value #LABEL_REVISION} and {@value
 * #LABEL_NODE}; images are never pulled (they must be on the node). Every action looks at the
 * container first, so a retry after a lost answer or a worker restart never creates or starts it a
 * second time. Built by the node agent, one per engine; not a Spring bean, since only agents have
 * an engine.
 */
public class ContainerActivitiesImpl implements ContainerActivities {

  /** The workload id (also the container name), as the seed labels it. */
  public static final String LABEL_WORKLOAD = "workloadId";

  /**
   * The response timeout of the agent's engine client: longer than any single call made here (a
   * stop waits up to its grace period); an idle events stream that hits it is re-subscribed by
   * follow.
   */
  public static final java.time.Duration ENGINE_RESPONSE_TIMEOUT = java.time.Duration.ofMinutes(2);

  /** The workload's display name, as the seed labels it. */
  public static final String LABEL_DISPLAY_NAME = "displayName";

  /** The revision the container was created for. */
  public static final String LABEL_REVISION = "opsflow.revision";

  /** The node whose agent created the container. */
  public static final String LABEL_NODE = "opsflow.node";

  private static final long SUBSCRIBE_TIMEOUT_MILLIS = 5_000;
  private static final long RESUBSCRIBE_PAUSE_MILLIS = 1_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DockerClient docker;
  private final ContainerSettings settings;
  private final ServiceGuard engine;

  /** Activities without a circuit breaker (engine faults reach Temporal as they are). */
  public ContainerActivitiesImpl(DockerClient docker, ContainerSettings settings) {
    this(docker, settings, null);
  }

  /**
   * @param engine the engine's circuit breaker: every action passes it, and an engine fault ends
   *     the attempt with a retryable failure naming the engine; null: none
   */
  public ContainerActivitiesImpl(
      DockerClient docker, ContainerSettings settings, ServiceGuard engine) {
    this.docker = docker;
    this.settings = settings;
    this.engine = engine;
  }

  private <T> T guarded(Supplier<T> call) {
    return engine == null ? call.get() : engine.call(call);
  }

  @Override
  public ContainerState start(ContainerSpec spec) {
    return guarded(() -> startUnguarded(spec));
  }

  private ContainerState startUnguarded(ContainerSpec spec) {
    String name = spec.workloadId();
    InspectContainerResponse container = inspect(name);
    if (container != null && revisionOf(container) < spec.revision()) {
      // Left by an earlier revision (POST /workloads/{id}/retry): this revision replaces it.
      removeForced(container.getId());
      container = null;
    } else if (container != null && revisionOf(container) > spec.revision()) {
      throw failure(
          WorkloadFailure.START_FAILED,
          "container " + name + " belongs to revision " + revisionOf(container),
          null);
    }
    if (container == null) {
      container = create(spec);
    }
    InspectContainerResponse.ContainerState state = container.getState();
    if (ContainerStates.isLive(state.getStatus())
        || ContainerStates.hasStarted(state.getStartedAt())) {
      // Started by an earlier attempt (maybe already ended): never run it twice. follow reports
      // how it ends.
      return ContainerStates.running(container.getId());
    }
    if (hasText(state.getError())) {
      // An earlier attempt's start failed and its answer was lost: the same failure again.
      throw startFailed(container, state.getError());
    }
    return launch(container);
  }

  @Override
  public ContainerState follow(ContainerRef ref) {
    return guarded(() -> followUnguarded(ref));
  }

  private ContainerState followUnguarded(ContainerRef ref) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    long intervalMillis = interval(context.getInfo()).toMillis();
    Semaphore wake = new Semaphore(0);
    ContainerEventWatch watch = null;
    try {
      while (true) {
        if (watch == null || watch.ended()) {
          if (watch != null) {
            watch.close();
          }
          // Subscribed before each inspect, so an event that comes after the inspect wakes us.
          watch =
              ContainerEventWatch.subscribe(
                  docker, ref.workloadId(), wake, SUBSCRIBE_TIMEOUT_MILLIS);
        }
        InspectContainerResponse container = inspect(ref.workloadId());
        if (container == null || revisionOf(container) != ref.revision()) {
          return ContainerStates.missing(ref.workloadId(), settings.nodeId());
        }
        InspectContainerResponse.ContainerState state = container.getState();
        if (!ContainerStates.isLive(state.getStatus())) {
          return ended(container);
        }
        // Throws when the workflow cancelled this activity (remove, node lost).
        context.heartbeat(container.getId());
        if (watch.ended()) {
          // The stream broke: subscribe again, but not in a hot loop if it keeps breaking.
          Thread.sleep(Math.min(intervalMillis, RESUBSCRIBE_PAUSE_MILLIS));
        } else if (wake.tryAcquire(intervalMillis, TimeUnit.MILLISECONDS)) {
          wake.drainPermits();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    } finally {
      if (watch != null) {
        watch.close();
      }
    }
  }

  @Override
  public ContainerState restart(ContainerRef ref) {
    return guarded(() -> restartUnguarded(ref));
  }

  private ContainerState restartUnguarded(ContainerRef ref) {
    InspectContainerResponse container = inspect(ref.workloadId());
    if (container == null || revisionOf(container) != ref.revision()) {
      return ContainerStates.missing(ref.workloadId(), settings.nodeId());
    }
    InspectContainerResponse.ContainerState state = container.getState();
    if (ContainerStates.isLive(state.getStatus())) {
      return ContainerStates.running(container.getId());
    }
    ActivityInfo info = Activity.getExecutionContext().getInfo();
    if (info.getAttempt() > 1 && startedSince(state, info.getScheduledTimestamp())) {
      // An earlier attempt of this restart started it already (and it may have ended again).
      return ContainerStates.running(container.getId());
    }
    return launch(container);
  }

  @Override
  public void remove(ContainerRef ref) {
    guarded(
        () -> {
          InspectContainerResponse container = inspect(ref.workloadId());
          if (container != null) {
            stopAndRemove(container.getId());
          }
          return null;
        });
  }

  private void stopAndRemove(String containerId) {
    try {
      docker
          .stopContainerCmd(containerId)
          .withTimeout((int) Math.max(0, settings.stopGrace().toSeconds()))
          .exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped, or already gone
    }
    removeForced(containerId);
  }

  /** The label's value, "" when absent (never in a keep list). */
  private static String labelOf(Container container, String label) {
    Map<String, String> labels = container.getLabels();
    String value = labels == null ? null : labels.get(label);
    return value == null ? "" : value;
  }

  /**
   * Docker reports creation in whole seconds: a container created in the bound's own second is
   * treated as created after it (kept), the safe side.
   */
  private static boolean createdBefore(Container container, Instant bound) {
    if (bound == null) {
      return true;
    }
    Long created = container.getCreated();
    return created != null && created < bound.getEpochSecond();
  }

  @Override
  public PruneResult prune(PruneRequest request) {
    return guarded(() -> pruneUnguarded(request));
  }

  private PruneResult pruneUnguarded(PruneRequest request) {
    if (!settings.nodeId().equals(request.nodeId())) {
      // Only reachable through a wrong task queue: retrying on it cannot help.
      throw ApplicationFailure.newNonRetryableFailure(
          "prune for node " + request.nodeId() + " reached the agent of " + settings.nodeId(),
          "WrongNode");
    }
    Set<String> keep = request.keep() == null ? Set.of() : Set.copyOf(request.keep());
    List<Container> listed =
        docker
            .listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(Map.of(LABEL_NODE, settings.nodeId()))
            .exec();
    List<Container> abandoned =
        listed.stream()
            .filter(c -> !keep.contains(labelOf(c, LABEL_WORKLOAD)))
            .filter(c -> createdBefore(c, request.createdBefore()))
            .sorted(
                Comparator.comparing((Container c) -> labelOf(c, LABEL_WORKLOAD))
                    .thenComparing(Container::getId))
            .toList();
    List<String> removed = new ArrayList<>();
    for (Container container : abandoned) {
      stopAndRemove(container.getId());
      removed.add(container.getId());
      // Stops take up to the grace period each: show progress (and notice cancellation).
      Activity.getExecutionContext().heartbeat(removed.size());
    }
    return new PruneResult(List.copyOf(removed));
  }

  private InspectContainerResponse create(ContainerSpec spec) {
    String name = spec.workloadId();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(LABEL_WORKLOAD, name);
    labels.put(LABEL_DISPLAY_NAME, spec.displayName() == null ? name : spec.displayName());
    labels.put(LABEL_REVISION, Integer.toString(spec.revision()));
    labels.put(LABEL_NODE, settings.nodeId());
    HostConfig host = HostConfig.newHostConfig().withNetworkMode(settings.networkMode());
    if (spec.memoryMb() > 0) {
      host.withMemory(spec.memoryMb() * 1024L * 1024L);
    }
    if (spec.cpu() > 0) {
      host.withNanoCPUs(Math.round(spec.cpu() * 1_000_000_000d));
    }
    CreateContainerCmd create =
        docker
            .createContainerCmd(spec.image())
            .withName(name)
            .withLabels(labels)
            .withEnv(env(spec.env()))
            .withHostConfig(host);
    List<String> command = spec.command() == null ? List.of() : spec.command();
    if (!command.isEmpty()) {
      create.withCmd(command);
    }
    try {
      create.exec();
    } catch (NotFoundException e) {
      String engine = engineMessage(e);
      if (engine.contains("No such image")) {
        throw failure(
            WorkloadFailure.IMAGE_NOT_FOUND,
            "image '" + spec.image() + "' not found on node " + settings.nodeId(),
            null);
      }
      throw failure(WorkloadFailure.START_FAILED, engine, null);
    } catch (ConflictException e) {
      // Created by an earlier attempt whose answer was lost: use that one.
    }
    InspectContainerResponse created = inspect(name);
    if (created == null) {
      // Removed between create and inspect: a retry creates it again.
      throw new IllegalStateException("container " + name + " disappeared right after create");
    }
    return created;
  }

  /** Starts an existing, stopped container. */
  private ContainerState launch(InspectContainerResponse container) {
    try {
      docker.startContainerCmd(container.getId()).exec();
    } catch (NotModifiedException e) {
      // already running
    } catch (NotFoundException e) {
      return ContainerStates.missing(name(container), settings.nodeId());
    } catch (DockerException e) {
      InspectContainerResponse after = inspect(container.getId());
      String error = after == null ? null : after.getState().getError();
      if (hasText(error)) {
        throw startFailed(after, error);
      }
      throw e;
    }
    return ContainerStates.running(container.getId());
  }

  private ContainerState ended(InspectContainerResponse container) throws InterruptedException {
    InspectContainerResponse.ContainerState state = container.getState();
    String logs = ContainerLogs.tail(docker, container.getId(), settings.logLines());
    return ContainerStates.ended(
        container.getId(),
        state.getStatus(),
        state.getExitCodeLong() == null ? null : state.getExitCodeLong().intValue(),
        state.getError(),
        Boolean.TRUE.equals(state.getOOMKilled()),
        logs);
  }

  private ApplicationFailure startFailed(InspectContainerResponse container, String error) {
    Long exit = container.getState().getExitCodeLong();
    ContainerState failed =
        new ContainerState(
            WorkloadStatus.FAILED,
            container.getId(),
            exit == null ? null : exit.intValue(),
            error,
            null);
    return failure(WorkloadFailure.START_FAILED, error, failed);
  }

  private static ApplicationFailure failure(
      WorkloadFailure type, String message, ContainerState state) {
    // Non-retryable: the same image or command fails the same way on every attempt.
    return state == null
        ? ApplicationFailure.newNonRetryableFailure(message, type.type())
        : ApplicationFailure.newNonRetryableFailure(message, type.type(), state);
  }

  private void removeForced(String containerId) {
    try {
      docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // already gone
    } catch (ConflictException e) {
      // "removal already in progress": the engine finishes it
    }
  }

  private InspectContainerResponse inspect(String nameOrId) {
    try {
      return docker.inspectContainerCmd(nameOrId).exec();
    } catch (NotFoundException e) {
      return null;
    }
  }

  private Duration interval(ActivityInfo info) {
    Duration interval = settings.inspectInterval();
    Duration heartbeatTimeout = info.getHeartbeatTimeout();
    if (heartbeatTimeout != null && !heartbeatTimeout.isZero()) {
      // Heartbeat well within the timeout, so a live follow is never timed out.
      Duration third = heartbeatTimeout.dividedBy(3);
      if (third.compareTo(interval) < 0) {
        interval = third.isZero() ? Duration.ofMillis(100) : third;
      }
    }
    return interval;
  }

  private static int revisionOf(InspectContainerResponse container) {
    Map<String, String> labels = container.getConfig().getLabels();
    String value = labels == null ? null : labels.get(LABEL_REVISION);
    try {
      return value == null ? 0 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean startedSince(
      InspectContainerResponse.ContainerState state, long epochMillis) {
    if (!ContainerStates.hasStarted(state.getStartedAt())) {
      return false;
    }
    try {
      return Instant.parse(state.getStartedAt()).toEpochMilli() >= epochMillis;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** {@code KEY=value}, sorted by key so the container's config does not depend on map order. */
  private static List<String> env(Map<String, String> env) {
    if (env == null) {
      return List.of();
    }
    return new TreeMap<>(env)
        .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  /** The engine's own message: docker-java's exception message carries the JSON error body. */
  static String engineMessage(DockerException e) {
    String text = e.getMessage() == null ? "" : e.getMessage();
    int json = text.indexOf('{');
    if (json >= 0) {
      try {
        JsonNode message = JSON.readTree(text.substring(json)).get("message");
        if (message != null && message.isTextual()) {
          return message.asText();
        }
      } catch (JsonProcessingException notJson) {
        // fall back to the whole text
      }
    }
    return text.trim();
  }

  private static String name(InspectContainerResponse container) {
    String name = container.getName();
    // Docker reports names with a leading slash.
    return name != null && name.startsWith("/") ? name.substring(1) : name;
  }

  private static boolean hasText(String value) {
    return value != null && !value.isBlank();
  }
}
