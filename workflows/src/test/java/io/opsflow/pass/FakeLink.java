package io.opsflow.pass;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The pass executor's ground-station link, behaving as PassLinkActivities says: a telecommand is
 * sent at most once per run key (a retried attempt waits for the verifier of the one already sent),
 * actions heartbeat while they wait. Each node follows a script, one mode per run key in the order
 * the keys arrive (the last mode repeats). Real sleeps are fine here: this is activity code.
 */
final class FakeLink implements PassLinkActivities {

  /** What an action does. */
  enum Mode {
    /** Succeeds at once (a telecommand is acknowledged). */
    SUCCEEDS,
    /** Heartbeats for 400 ms, then succeeds. */
    SLOW,
    /** The verifier fails: a negative acknowledgement. */
    REJECTED,
    /** The link drops and does not come back: LinkDown. */
    LINK_DOWN,
    /** Heartbeats until cancelled. */
    HANGS,
    /** Its executor dies during the first activity attempt; a later attempt succeeds. */
    EXECUTOR_DIES
  }

  record Call(
      String nodeId,
      String runKey,
      String type,
      NodeParameters parameters,
      int activityAttempt,
      long atMillis) {}

  record Window(long startMillis, long endMillis) {
    boolean overlaps(Window other) {
      return startMillis < other.endMillis && other.startMillis < endMillis;
    }
  }

  private static final long TICK_MILLIS = 50;

  private final LongSupplier clock;
  private final Runnable executorDeath;
  private final Map<String, List<Mode>> scripts = new LinkedHashMap<>();
  private final Map<String, List<String>> keys = new LinkedHashMap<>();
  private final List<Call> calls = new ArrayList<>();
  private final Set<String> sent = new LinkedHashSet<>();
  private final Map<String, Integer> sends = new LinkedHashMap<>();
  private final List<String> cancelled = new ArrayList<>();
  private final Map<String, Window> windows = new LinkedHashMap<>();
  private final List<String> opened = new ArrayList<>();
  private final List<String> closed = new ArrayList<>();
  private int refusedOpenings;

  /**
   * @param executorDeath what happens to the executor when an action's executor dies
   */
  FakeLink(LongSupplier clock, Runnable executorDeath) {
    this.clock = clock;
    this.executorDeath = executorDeath;
  }

  /** The node's modes, one per run key. */
  synchronized void script(String nodeId, Mode... modes) {
    scripts.put(nodeId, List.of(modes));
  }

  // ---- assertions ----------------------------------------------------------------------------

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  synchronized List<Call> calls(String nodeId) {
    return calls.stream().filter(c -> c.nodeId().equals(nodeId)).toList();
  }

  /** The distinct run keys the node's actions ran with, in order. */
  synchronized List<String> runKeys(String nodeId) {
    return List.copyOf(keys.getOrDefault(nodeId, List.of()));
  }

  /** How many telecommands the node sent. */
  synchronized int sends(String nodeId) {
    return sends.getOrDefault(nodeId, 0);
  }

  synchronized List<String> cancelled() {
    return List.copyOf(cancelled);
  }

  synchronized Window window(String runKey) {
    return windows.get(runKey);
  }

  synchronized List<String> opened() {
    return List.copyOf(opened);
  }

  synchronized List<String> closed() {
    return List.copyOf(closed);
  }

  /** Waits (bounded, real time) until an action of the node has started with that run key. */
  synchronized void awaitStarted(String runKey) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (calls.stream().noneMatch(c -> c.runKey().equals(runKey))) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError("never started: " + runKey);
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  // ---- PassLinkActivities --------------------------------------------------------------------

  /** The next {@code count} openings are refused: LinkDown, as a station that is not there. */
  synchronized void refuseOpenings(int count) {
    refusedOpenings = count;
  }

  @Override
  public synchronized LinkStatus open(LinkSpec spec) {
    opened.add(spec.host() + ":" + spec.port());
    if (refusedOpenings > 0) {
      refusedOpenings--;
      throw ApplicationFailure.newFailure(
          "ground station link down: connection refused after 3 reconnects", "LinkDown");
    }
    return new LinkStatus(true, 0, 0, 0);
  }

  @Override
  public synchronized LinkStatus close(LinkSpec spec) {
    closed.add(spec.host() + ":" + spec.port());
    return new LinkStatus(false, sent.size(), 10, 0);
  }

  @Override
  public ActionResult sendTelecommand(ActionRun run) {
    return act(run);
  }

  @Override
  public ActionResult waitTelemetry(ActionRun run) {
    return act(run);
  }

  @Override
  public ActionResult checkParameter(ActionRun run) {
    return act(run);
  }

  private ActionResult act(ActionRun run) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    int attempt = ctx.getInfo().getAttempt();
    Mode mode;
    Integer sequence;
    synchronized (this) {
      calls.add(
          new Call(
              run.nodeId(),
              run.runKey(),
              run.type(),
              run.parameters(),
              attempt,
              clock.getAsLong()));
      List<String> nodeKeys = keys.computeIfAbsent(run.nodeId(), k -> new ArrayList<>());
      if (!nodeKeys.contains(run.runKey())) {
        nodeKeys.add(run.runKey());
      }
      List<Mode> modes = scripts.getOrDefault(run.nodeId(), List.of(Mode.SUCCEEDS));
      mode = modes.get(Math.min(nodeKeys.indexOf(run.runKey()), modes.size() - 1));
      sequence = send(run);
      notifyAll();
    }
    long start = clock.getAsLong();
    switch (mode) {
      case SUCCEEDS -> {
        return ended(run, start, new ActionResult(true, "succeeded", "ack", sequence));
      }
      case REJECTED -> {
        return ended(
            run, start, new ActionResult(false, "rejected", "negative ack (error 3)", sequence));
      }
      case LINK_DOWN ->
          throw ApplicationFailure.newNonRetryableFailure(
              "ground station link down: connection refused after 3 reconnects", "LinkDown");
      case EXECUTOR_DIES -> {
        if (attempt == 1) {
          executorDeath.run();
          // A dead process answers nothing, not even heartbeats.
          ctx.doNotCompleteOnReturn();
          return null;
        }
        return ended(run, start, new ActionResult(true, "succeeded", "ack", sequence));
      }
      default -> {
        long until = mode == Mode.SLOW ? System.nanoTime() + 400_000_000L : Long.MAX_VALUE;
        try {
          while (System.nanoTime() < until) {
            ctx.heartbeat(run.runKey());
            Thread.sleep(TICK_MILLIS);
          }
        } catch (ActivityCanceledException e) {
          synchronized (this) {
            cancelled.add(run.runKey());
            notifyAll();
          }
          throw e;
        } catch (ActivityCompletionException e) {
          ctx.doNotCompleteOnReturn();
          return null;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          ctx.doNotCompleteOnReturn();
          return null;
        }
        return ended(run, start, new ActionResult(true, "succeeded", "ack", sequence));
      }
    }
  }

  /** Sends the telecommand once per run key; its sequence count. */
  private Integer send(ActionRun run) {
    if (!ActionType.SEND_TELECOMMAND.wire().equals(run.type())) {
      return null;
    }
    if (sent.add(run.runKey())) {
      sends.merge(run.nodeId(), 1, Integer::sum);
    }
    return List.copyOf(sent).indexOf(run.runKey());
  }

  private synchronized ActionResult ended(ActionRun run, long start, ActionResult result) {
    windows.put(run.runKey(), new Window(start, clock.getAsLong()));
    notifyAll();
    return result;
  }
}
