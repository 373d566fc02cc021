package io.opsflow.api.build;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Wakes the log followers of a job when its runner stored new lines or its status changed
 * (PostgreSQL NOTIFY, whichever process wrote them). Followers re-read from the table, so a missed
 * wake-up costs at most one poll interval, never a line. Only jobs being followed are tracked.
 */
@Component
public class LogHub {

  /** One follower's subscription; close it when the stream ends. */
  public final class Watch implements AutoCloseable {
    private final String key;
    private final Semaphore signal = new Semaphore(0);

    private Watch(String key) {
      this.key = key;
    }

    /** Waits for a change since the last call, at most {@code timeoutMillis}. */
    public void await(long timeoutMillis) throws InterruptedException {
      if (signal.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
        signal.drainPermits();
      }
    }

    @Override
    public void close() {
      watches.computeIfPresent(
          key,
          (k, set) -> {
            set.remove(this);
            return set.isEmpty() ? null : set;
          });
    }
  }

  private final ConcurrentHashMap<String, Set<Watch>> watches = new ConcurrentHashMap<>();

  private static String key(long buildId, String jobId) {
    return buildId + "/" + jobId;
  }

  public Watch watch(long buildId, String jobId) {
    Watch w = new Watch(key(buildId, jobId));
    watches.computeIfAbsent(w.key, k -> ConcurrentHashMap.newKeySet()).add(w);
    return w;
  }

  /** Something changed for this job. */
  public void touch(long buildId, String jobId) {
    Set<Watch> set = watches.get(key(buildId, jobId));
    if (set != null) {
      set.forEach(w -> w.signal.release());
    }
  }

  /** Something changed for every job of this build (its status). */
  public void touchBuild(long buildId) {
    String prefix = buildId + "/";
    watches.forEach(
        (k, set) -> {
          if (k.startsWith(prefix)) {
            set.forEach(w -> w.signal.release());
          }
        });
  }
}
