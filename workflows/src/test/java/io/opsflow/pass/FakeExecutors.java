package io.opsflow.pass;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The process that launches executors: one executor per pass at a time, re-attached to while it
 * lives; {@link #kill} makes it die (alive answers false until a launch replaces it).
 */
final class FakeExecutors implements PassExecutorActivities {

  record Launch(ExecutorSpec spec, ExecutorHandle handle, long atMillis) {}

  private final LongSupplier clock;
  private final List<Launch> launches = new ArrayList<>();
  private final List<Long> aliveChecks = new ArrayList<>();
  private final List<Long> terminations = new ArrayList<>();
  private ExecutorHandle current;
  private boolean dead;

  FakeExecutors(LongSupplier clock) {
    this.clock = clock;
  }

  /** The running executor dies: its process is gone. */
  synchronized void kill() {
    dead = true;
  }

  synchronized List<Launch> launches() {
    return List.copyOf(launches);
  }

  synchronized List<Long> aliveChecks() {
    return List.copyOf(aliveChecks);
  }

  synchronized List<Long> terminations() {
    return List.copyOf(terminations);
  }

  @Override
  public synchronized ExecutorHandle launch(ExecutorSpec spec) {
    if (current == null || dead) {
      int n = launches.size() + 1;
      current =
          new ExecutorHandle(
              spec.passId(),
              ExecutorHandle.PROCESS,
              "pid-" + n,
              "executor-" + n,
              Instant.ofEpochMilli(clock.getAsLong()));
      dead = false;
    }
    launches.add(new Launch(spec, current, clock.getAsLong()));
    return current;
  }

  @Override
  public synchronized boolean alive(ExecutorHandle executor) {
    aliveChecks.add(clock.getAsLong());
    return !dead && current != null && current.id().equals(executor.id());
  }

  @Override
  public synchronized void terminate(long passId) {
    terminations.add(clock.getAsLong());
    current = null;
  }
}
