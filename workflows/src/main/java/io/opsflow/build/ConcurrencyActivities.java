package io.opsflow.build;

import io.temporal.activity.ActivityInterface;

/** A build asking its concurrency group for its turn (signal-with-start of the group workflow). */
@ActivityInterface(namePrefix = "Concurrency")
public interface ConcurrencyActivities {

  /**
   * Signals {@link ConcurrencyWorkflow#acquire} to the group's workflow, starting it if it is not
   * running. Idempotent for the group: asking twice for the same build changes nothing.
   */
  void acquire(AcquireGroup request);

  /**
   * @param pipelineId the pipeline (groups are per pipeline)
   * @param group the rendered group name
   * @param buildId the build asking
   * @param cancelInProgress {@code cancel-in-progress}
   * @param taskQueue the queue the group workflow runs on (the build's own)
   */
  record AcquireGroup(
      long pipelineId, String group, long buildId, boolean cancelInProgress, String taskQueue) {}
}
