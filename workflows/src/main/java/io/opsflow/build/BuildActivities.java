package io.opsflow.build;

import io.temporal.activity.ActivityInterface;
import java.time.Instant;

/**
 * The build's rows and events in PostgreSQL. Called as local activities from the build workflow
 * (cheap, in the orchestration worker); each call is idempotent.
 */
@ActivityInterface(namePrefix = "Build")
public interface BuildActivities {

  /**
   * Sets the build's status (RUNNING with started_at, or a final status with finished_at and
   * message) and emits a {@code build_status} event. A status already recorded is a no-op.
   */
  void buildStatus(BuildStatusChange change);

  /**
   * Sets one job's status, attempt, exit code, message and times, and emits a {@code job_status}
   * event. A change already recorded is a no-op.
   */
  void jobStatus(JobStatusChange change);

  record BuildStatusChange(long buildId, BuildStatus status, Instant at, String message) {}

  record JobStatusChange(
      long buildId,
      String jobId,
      JobStatus status,
      int attempt,
      Integer exitCode,
      String message,
      Instant at,
      Long reusedFromBuild) {}
}
