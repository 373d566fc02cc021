package io.opsflow.build;

import io.opsflow.Failures;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The messages the build workflow writes on jobs and on the build, as operators read them. */
final class BuildMessages {

  private BuildMessages() {}

  /** Why the scheduler skipped {@code job}, naming the need that decided it. */
  static String skipped(Dag dag, JobSpec job, Map<String, JobStatus> statuses) {
    if (job.ifExpression() != null && PipelineCondition.parse(job.ifExpression()) == null) {
      boolean needsSucceeded =
          job.needs().stream()
              .allMatch(
                  n -> {
                    JobStatus s = statuses.getOrDefault(n, JobStatus.PENDING);
                    return s == JobStatus.SUCCEEDED
                        || (s == JobStatus.FAILED && dag.job(n).continueOnError());
                  });
      if (needsSucceeded) {
        return "skipped: if " + job.ifExpression().strip() + " is false";
      }
    } else if (job.condition() == JobCondition.FAILURE) {
      return "skipped: if failure() and no job it needs failed";
    }
    for (String need : job.needs()) {
      JobStatus status = statuses.getOrDefault(need, JobStatus.PENDING);
      if (status == JobStatus.FAILED && !dag.job(need).continueOnError()) {
        return "skipped: needs '" + need + "' failed";
      }
      if (status == JobStatus.SKIPPED || status == JobStatus.CANCELLED) {
        return "skipped: needs '" + need + "' was " + status.name().toLowerCase(Locale.ROOT);
      }
    }
    return "skipped";
  }

  /** A non-zero exit: {@code exit 2}, or {@code exit 137: OOMKilled} with the runner's reason. */
  static String exit(JobOutcome outcome) {
    String exit = "exit " + outcome.exitCode();
    return outcome.message() == null || outcome.message().isBlank()
        ? exit
        : exit + ": " + outcome.message();
  }

  /** Why a runner activity failed for good (its own failure types, or retries exhausted). */
  static String runnerFailure(ActivityFailure failure, JobRun run) {
    ApplicationFailure app = Failures.applicationCause(failure);
    if (app != null && BuildFailure.TIMED_OUT.type().equals(app.getType())) {
      return "timed out after " + BuildJobRuns.duration(run.timeoutSeconds());
    }
    if (app != null
        && (BuildFailure.IMAGE_NOT_FOUND.type().equals(app.getType())
            || BuildFailure.INVALID_JOB.type().equals(app.getType()))) {
      String message = app.getOriginalMessage();
      return message == null || message.isBlank() ? app.getType() : message;
    }
    // The activity failure's cause is the last attempt's: a runner error or a lost heartbeat.
    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
    return "runner failed: " + describe(cause);
  }

  /** {@code cancelled by alice: wrong branch}; the parts that are missing are left out. */
  static String cancelled(CancelBuild cancel) {
    StringBuilder text = new StringBuilder("cancelled");
    if (cancel != null && cancel.requestedBy() != null && !cancel.requestedBy().isBlank()) {
      text.append(" by ").append(cancel.requestedBy());
    }
    if (cancel != null && cancel.reason() != null && !cancel.reason().isBlank()) {
      text.append(": ").append(cancel.reason());
    }
    return text.toString();
  }

  /**
   * The build's closing message: the first job (in pipeline order) that failed it, e.g. {@code job
   * 'test' failed (exit 2)}; the cancel for a cancelled build; null for a success.
   */
  static String result(BuildStatus result, Collection<BuildJob> jobs, String cancelMessage) {
    return switch (result) {
      case CANCELLED -> cancelMessage;
      case FAILED -> {
        List<BuildJob> failed =
            jobs.stream()
                .filter(j -> j.status() == JobStatus.FAILED && !j.spec.continueOnError())
                .toList();
        if (failed.isEmpty()) {
          yield null;
        }
        BuildJob first = failed.get(0);
        String text = "job '" + first.id() + "' failed (" + first.message() + ")";
        yield failed.size() == 1 ? text : text + " and " + (failed.size() - 1) + " more";
      }
      default -> null;
    };
  }

  private static String describe(Throwable cause) {
    if (cause instanceof ApplicationFailure app) {
      return app.getOriginalMessage();
    }
    if (cause instanceof TimeoutFailure timeout) {
      return timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT
          ? "no heartbeat within the heartbeat timeout"
          : "no answer within the job's timeout";
    }
    return cause.getMessage();
  }
}
