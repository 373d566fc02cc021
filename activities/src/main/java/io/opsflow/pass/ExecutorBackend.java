package io.opsflow.pass;

import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;

/** Where pass executors run: Kubernetes Pods or local JVM processes. */
public interface ExecutorBackend {

  /** {@link ExecutorHandle#POD} or {@link ExecutorHandle#PROCESS}. */
  String kind();

  /** The pass's live executor, launched when there is none (never two per pass). */
  ExecutorHandle launch(ExecutorSpec spec);

  /** Whether this executor still runs. */
  boolean alive(ExecutorHandle executor);

  /** Stops every executor of the pass; none is fine. */
  void terminate(long passId);
}
