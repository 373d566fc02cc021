package io.opsflow.benchmarks;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import io.opsflow.workload.ContainerActivitiesImpl;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The seed's workload monitor (seed 002): every period it lists the containers labelled {@code
 * workloadId} and only then marks those it finds running as Running. Here it records the instant
 * each workload id is first listed running, over the very containers the Temporal side started, so
 * both sides share the Docker start and differ only in how the status is learned.
 */
final class WorkloadSeedMonitor implements AutoCloseable {

  private final DockerClient docker;
  private final Phases phases;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "seed-workload-monitor");
            t.setDaemon(true);
            return t;
          });
  // Every labelled container seen running, ours or not: ids are filtered by the caller, so a
  // container that starts before its schedule reply arrives is not missed.
  private final Map<String, Instant> firstSeenRunning = new ConcurrentHashMap<>();
  private final AtomicInteger polls = new AtomicInteger();

  WorkloadSeedMonitor(DockerClient docker, Phases phases) {
    this.docker = docker;
    this.phases = phases;
  }

  /** Lists every {@code period}, the first time after {@code phase}. */
  void start(Duration phase, Duration period) {
    timer.scheduleAtFixedRate(
        this::poll, phase.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    try {
      List<Container> listed =
          docker
              .listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(List.of(ContainerActivitiesImpl.LABEL_WORKLOAD))
              .exec();
      Instant now = Instant.now();
      for (Container c : listed) {
        String id =
            c.getLabels() == null
                ? null
                : c.getLabels().get(ContainerActivitiesImpl.LABEL_WORKLOAD);
        if (id != null && "running".equals(c.getState())) {
          firstSeenRunning.putIfAbsent(id, now);
        }
      }
    } catch (RuntimeException e) {
      // as the seed's monitor would: log and look again at the next tick
      phases.log("seed workload monitor: listing failed: " + e);
    }
    polls.incrementAndGet();
  }

  /** When the monitor first listed the workload running; null when not yet. */
  Instant seenRunning(String workloadId) {
    return firstSeenRunning.get(workloadId);
  }

  int polls() {
    return polls.get();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
