package io.opsflow.pass;

/**
 * Launches and tears down pass executors on the {@code pass-executors} queue, through the backend
 * chosen at start-up ({@link PassExecutorConfiguration}): Kubernetes Pods or local processes.
 */
public class PassExecutorActivitiesImpl implements PassExecutorActivities {

  private final ExecutorBackend backend;

  public PassExecutorActivitiesImpl(ExecutorBackend backend) {
    this.backend = backend;
  }

  /** The backend's kind: {@link ExecutorHandle#POD} or {@link ExecutorHandle#PROCESS}. */
  public String kind() {
    return backend.kind();
  }

  @Override
  public ExecutorHandle launch(ExecutorSpec spec) {
    return backend.launch(spec);
  }

  /** False for an executor of the other kind (launched before a configuration change). */
  @Override
  public boolean alive(ExecutorHandle executor) {
    return executor != null && backend.kind().equals(executor.kind()) && backend.alive(executor);
  }

  @Override
  public void terminate(long passId) {
    backend.terminate(passId);
  }
}
