package io.opsflow.pass;

import io.temporal.activity.ActivityInterface;
import java.time.Instant;

/**
 * Launches and tears down a pass's executor, on the {@code pass-executors} queue (the process that
 * can start Pods or JVMs). Idempotent: {@link #launch} re-attaches to the pass's executor when one
 * is alive (never two per pass) and {@link #terminate} of a gone executor succeeds.
 */
@ActivityInterface(namePrefix = "PassExecutor_")
public interface PassExecutorActivities {

  /**
   * @param passId the pass
   * @param taskQueue the queue the executor polls, {@code pass-<id>}
   * @param deadline the window's end: a Pod's {@code activeDeadlineSeconds} counts to it, a process
   *     exits by it
   */
  record ExecutorSpec(long passId, String taskQueue, Instant deadline) {}

  /** The pass's running executor, launched now when none is alive. */
  ExecutorHandle launch(ExecutorSpec spec);

  /** Whether the executor is still running (a Pod not terminated, a process alive). */
  boolean alive(ExecutorHandle executor);

  /** Stops the pass's executor, whichever it is (by pass id: labels or command line). */
  void terminate(long passId);
}
