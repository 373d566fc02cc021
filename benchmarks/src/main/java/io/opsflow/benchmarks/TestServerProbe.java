package io.opsflow.benchmarks;

import io.opsflow.workers.embedded.EmbeddedTemporal;
import java.lang.reflect.Field;
import java.util.Collection;

/**
 * Diagnostic look into the in-memory Temporal test server's timer service ({@code
 * SelfAdvancingTimerImpl}): how many lock events it retains and how many timer tasks are queued.
 * Every workflow state update in the test server takes and releases a time-skipping lock; the
 * release by handle is a {@code LinkedList.remove(Object)} over the retained lock events, under the
 * server's one timer lock, and lock/unlock events recorded by count are never removed. The list
 * length is therefore the per-operation cost of the server. Reflection on private fields: best
 * effort, -1 when the layout differs.
 */
final class TestServerProbe {

  private final Object timer;

  /**
   * @param server the application's {@link EmbeddedTemporal}, or the {@code TestServicesStarter} of
   *     a server started by the benchmark, or null
   */
  TestServerProbe(Object server) {
    Object found = null;
    if (server != null) {
      try {
        Object services = server instanceof EmbeddedTemporal ? read(server, "services") : server;
        found = read(services, "selfAdvancingTimer");
      } catch (ReflectiveOperationException | RuntimeException e) {
        found = null;
      }
    }
    this.timer = found;
  }

  /** Lock events retained by the timer service, or -1. */
  int lockEvents() {
    return size("lockEvents");
  }

  /** Timer tasks queued (including cancelled ones not yet reached), or -1. */
  int timerTasks() {
    return size("tasks");
  }

  String describe() {
    return timer == null
        ? "test server internals not readable"
        : String.format(
            "test server retains %,d time-lock events, %,d timer tasks queued",
            lockEvents(), timerTasks());
  }

  private int size(String field) {
    if (timer == null) {
      return -1;
    }
    try {
      // An unsynchronised read of an int: good enough for a diagnostic.
      return ((Collection<?>) read(timer, field)).size();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
  }

  private static Object read(Object target, String name) throws ReflectiveOperationException {
    Field f = target.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(target);
  }
}
