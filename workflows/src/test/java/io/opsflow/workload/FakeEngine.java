package io.opsflow.workload;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One node's Docker engine in memory, keyed by container name (the workload id), with containers
 * that behave as scripted per image. Records every create, start, restart and remove with the test
 * server's time. Images that were not added do not exist on the node (nothing is pulled).
 */
final class FakeEngine implements ContainerActivities {

  /** The engine's words for a command that does not exist, as dockerd reports them. */
  static final String COMMAND_NOT_FOUND =
      "failed to create task for container: failed to create shim task: OCI runtime create failed:"
          + " runc create failed: unable to start container process: exec: \"nosuchcmd\":"
          + " executable file not found in $PATH: unknown";

  /** What a started container of an image does. */
  record Behaviour(Integer exitCode, boolean disappears, String logs) {
    /** Exits with the code right after it started. */
    static Behaviour exits(int code, String logs) {
      return new Behaviour(code, false, logs);
    }

    /** Runs until the test stops it ({@link #exit}, {@link #vanish}) or it is removed. */
    static Behaviour runs(String logs) {
      return new Behaviour(null, false, logs);
    }

    /** Disappears from the engine right after it started (e.g. removed by hand). */
    static Behaviour vanishes() {
      return new Behaviour(null, true, null);
    }
  }

  /** One thing the engine did: create, start, restart, remove, vanish. */
  record Action(String kind, String workloadId, int revision, long atMillis) {}

  /** A gate a test closes on one call: the call waits inside until the test opens it. */
  static final class Gate {
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);

    void awaitEntered() throws InterruptedException {
      if (!entered.await(20, TimeUnit.SECONDS)) {
        throw new AssertionError("the call never reached the gate");
      }
    }

    void open() {
      opened.countDown();
    }

    /** Waits like a hung process: an interrupt (worker shut down) does not end the wait. */
    private void pass() {
      entered.countDown();
      boolean interrupted = false;
      while (true) {
        try {
          opened.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static final class Container {
    final String id;
    final ContainerSpec spec;
    final long createdAtMillis;
    String state = "created";
    Integer exitCode;

    Container(String id, ContainerSpec spec, long createdAtMillis) {
      this.id = id;
      this.spec = spec;
      this.createdAtMillis = createdAtMillis;
    }
  }

  private final String nodeId;
  private final LongSupplier clock;
  private final Map<String, Behaviour> images = new HashMap<>();
  private final Map<String, Container> containers = new LinkedHashMap<>();
  private final List<Action> actions = new ArrayList<>();
  private final List<PruneRequest> pruneCalls = new ArrayList<>();
  private Gate beforeCreate;
  private Gate afterCreate;
  private Gate beforeRemove;
  private int startCalls;
  private int nextId;
  private volatile boolean closed;

  FakeEngine(String nodeId, LongSupplier clock) {
    this.nodeId = nodeId;
    this.clock = clock;
  }

  synchronized void image(String name, Behaviour behaviour) {
    images.put(name, behaviour);
  }

  /** The next start waits before it creates anything. */
  synchronized Gate holdNextStartBeforeCreate() {
    beforeCreate = new Gate();
    return beforeCreate;
  }

  /** The next start creates the container, then waits before starting it. */
  synchronized Gate holdNextStartAfterCreate() {
    afterCreate = new Gate();
    return afterCreate;
  }

  synchronized Gate holdNextRemove() {
    beforeRemove = new Gate();
    return beforeRemove;
  }

  /** The running container exits with this code (a follower sees it). */
  synchronized void exit(String workloadId, int code) {
    Container c = containers.get(workloadId);
    c.state = "exited";
    c.exitCode = code;
  }

  /** The container disappears behind the agent's back. */
  synchronized void vanish(String workloadId) {
    containers.remove(workloadId);
    actions.add(new Action("vanish", workloadId, 0, clock.getAsLong()));
  }

  synchronized List<Action> actions(String workloadId) {
    return actions.stream().filter(a -> a.workloadId().equals(workloadId)).toList();
  }

  synchronized List<Action> actions(String workloadId, String kind) {
    return actions(workloadId).stream().filter(a -> a.kind().equals(kind)).toList();
  }

  synchronized String state(String workloadId) {
    Container c = containers.get(workloadId);
    return c == null ? null : c.state;
  }

  synchronized ContainerSpec spec(String workloadId) {
    return containers.get(workloadId).spec;
  }

  synchronized List<PruneRequest> pruneCalls() {
    return List.copyOf(pruneCalls);
  }

  synchronized int startCalls() {
    return startCalls;
  }

  /** Ends every wait, so the workers can shut down. */
  void close() {
    closed = true;
    Gate[] gates;
    synchronized (this) {
      gates = new Gate[] {beforeCreate, afterCreate, beforeRemove};
    }
    for (Gate gate : gates) {
      if (gate != null) {
        gate.open();
      }
    }
  }

  @Override
  public ContainerState start(ContainerSpec spec) {
    Gate gate;
    synchronized (this) {
      startCalls++;
      gate = beforeCreate;
      beforeCreate = null;
    }
    if (gate != null) {
      gate.pass();
    }
    Container container;
    synchronized (this) {
      if (!images.containsKey(spec.image())) {
        throw ApplicationFailure.newNonRetryableFailure(
            "image '" + spec.image() + "' not found on node " + nodeId,
            WorkloadFailure.IMAGE_NOT_FOUND.type());
      }
      container = containers.get(spec.workloadId());
      if (container != null && container.spec.revision() < spec.revision()) {
        // As the real engine's activity: a newer revision (retry) replaces the old container.
        containers.remove(spec.workloadId());
        record("replace", spec.workloadId(), container.spec.revision());
        container = null;
      }
      if (container == null) {
        container = new Container(nodeId + "-c" + ++nextId, spec, clock.getAsLong());
        containers.put(spec.workloadId(), container);
        record("create", spec.workloadId(), spec.revision());
      }
      gate = afterCreate;
      afterCreate = null;
    }
    if (gate != null) {
      gate.pass();
    }
    synchronized (this) {
      if (!spec.command().isEmpty() && spec.command().get(0).equals("nosuchcmd")) {
        container.exitCode = 127;
        throw ApplicationFailure.newNonRetryableFailure(
            COMMAND_NOT_FOUND, WorkloadFailure.START_FAILED.type());
      }
      if (!container.state.equals("running")) {
        container.state = "running";
        container.exitCode = null;
        record("start", spec.workloadId(), spec.revision());
      }
      return new ContainerState(WorkloadStatus.RUNNING, container.id, null, null, null);
    }
  }

  @Override
  public ContainerState follow(ContainerRef ref) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    while (true) {
      synchronized (this) {
        Container c = containers.get(ref.workloadId());
        if (c == null) {
          return new ContainerState(WorkloadStatus.MISSING, null, null, null, null);
        }
        Behaviour behaviour = images.get(c.spec.image());
        if (c.state.equals("running") && behaviour.disappears()) {
          containers.remove(ref.workloadId());
          record("vanish", ref.workloadId(), ref.revision());
          return new ContainerState(WorkloadStatus.MISSING, null, null, null, null);
        }
        if (c.state.equals("running") && behaviour.exitCode() != null) {
          c.state = "exited";
          c.exitCode = behaviour.exitCode();
        }
        if (c.state.equals("exited")) {
          return ContainerStatusMapping.state(c.id, c.state, c.exitCode, null, behaviour.logs());
        }
      }
      if (closed) {
        throw new IllegalStateException("engine closed");
      }
      // Throws once the workflow cancelled the follow (node lost, remove).
      context.heartbeat(null);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("agent stopped", e);
      }
    }
  }

  @Override
  public synchronized ContainerState restart(ContainerRef ref) {
    Container c = containers.get(ref.workloadId());
    if (c == null) {
      return new ContainerState(WorkloadStatus.MISSING, null, null, null, null);
    }
    c.state = "running";
    c.exitCode = null;
    record("restart", ref.workloadId(), ref.revision());
    return new ContainerState(WorkloadStatus.RUNNING, c.id, null, null, null);
  }

  @Override
  public void remove(ContainerRef ref) {
    Gate gate;
    synchronized (this) {
      gate = beforeRemove;
      beforeRemove = null;
    }
    if (gate != null) {
      gate.pass();
    }
    synchronized (this) {
      if (containers.remove(ref.workloadId()) != null) {
        record("remove", ref.workloadId(), ref.revision());
      }
    }
  }

  @Override
  public synchronized PruneResult prune(PruneRequest request) {
    pruneCalls.add(request);
    List<String> removed = new ArrayList<>();
    var it = containers.values().iterator();
    while (it.hasNext()) {
      Container c = it.next();
      boolean before =
          request.createdBefore() == null
              || c.createdAtMillis < request.createdBefore().toEpochMilli();
      if (before && !request.keep().contains(c.spec.workloadId())) {
        it.remove();
        removed.add(c.id);
        record("prune", c.spec.workloadId(), c.spec.revision());
      }
    }
    return new PruneResult(removed);
  }

  private void record(String kind, String workloadId, int revision) {
    actions.add(new Action(kind, workloadId, revision, clock.getAsLong()));
  }
}
