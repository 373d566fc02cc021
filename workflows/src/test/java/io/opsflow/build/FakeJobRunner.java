package io.opsflow.build;

import io.opsflow.build.FakeCluster.Resource;
import io.opsflow.build.FakeCluster.Script;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;

/**
 * A runner worker over the {@link FakeCluster}, behaving as the JobRunnerActivities contract says:
 * creates the attempt's resource only when absent, heartbeats while following it, deletes it when
 * cancelled; records each build cleanup in the cluster. Real threads and real sleeps are fine here:
 * this is activity code.
 */
final class FakeJobRunner implements JobRunnerActivities {

  private static final long TICK_MILLIS = 20;

  private final FakeCluster cluster;
  private final String worker;

  /**
   * @param worker this runner worker's name, recorded on every attach and heartbeat
   */
  FakeJobRunner(FakeCluster cluster, String worker) {
    this.cluster = cluster;
    this.worker = worker;
  }

  @Override
  public JobOutcome runJob(JobRun run) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    String previous = ctx.getHeartbeatDetails(String.class).orElse(null);
    cluster.attached(run, worker, ctx.getInfo().getAttempt(), previous);
    Script script = cluster.scriptOf(run.jobId());
    switch (script.mode()) {
      case RUNNER_FAILS -> throw ApplicationFailure.newFailure("node lost", "NODE_LOST");
      case IMAGE_MISSING ->
          throw ApplicationFailure.newNonRetryableFailure(
              "image '" + run.image() + "' not found", BuildFailure.IMAGE_NOT_FOUND.type());
      default -> {}
    }
    Resource resource = cluster.ensureStarted(run);
    try {
      while (!resource.done()) {
        ctx.heartbeat(worker);
        if (script.mode() == FakeCluster.Mode.HANGS) {
          return deadlineExceeded(resource);
        }
        Thread.sleep(TICK_MILLIS);
      }
    } catch (ActivityCanceledException e) {
      cluster.delete(resource.name);
      throw e;
    } catch (ActivityCompletionException e) {
      // This worker is shutting down (or the server gave the attempt up): gone like a killed pod.
      return vanish(ctx);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return vanish(ctx);
    }
    cluster.ended(resource);
    return new JobOutcome(resource.exitCode(), null, 3);
  }

  @Override
  public void cleanupBuild(BuildCleanup cleanup) {
    cluster.cleanup(cleanup.buildId(), worker);
  }

  /** The runner stops a resource at its deadline and reports it (activeDeadlineSeconds). */
  private JobOutcome deadlineExceeded(Resource resource) {
    cluster.delete(resource.name);
    throw ApplicationFailure.newNonRetryableFailure(
        resource.name + " exceeded its deadline of " + resource.run.timeoutSeconds() + " s",
        BuildFailure.TIMED_OUT.type());
  }

  /**
   * A dead worker answers nothing: no completion, no failure. Only the heartbeat timeout can tell
   * the server, which then retries the activity on a live worker.
   */
  private static JobOutcome vanish(ActivityExecutionContext ctx) {
    ctx.doNotCompleteOnReturn();
    return null;
  }
}
