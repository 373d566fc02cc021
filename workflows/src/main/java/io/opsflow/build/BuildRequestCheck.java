package io.opsflow.build;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What makes a build request impossible to run, each problem naming its field. The API validates
 * the pipeline before starting a build; this guards the workflow against a caller that did not.
 */
final class BuildRequestCheck {

  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  private BuildRequestCheck() {}

  /** Every problem of {@code request}; empty when it can run. */
  static List<String> problems(BuildRequest request) {
    List<String> problems = new ArrayList<>();
    settingsProblems(request.settings(), problems);
    Dag dag = request.dag();
    if (dag == null) {
      problems.add("dag is required");
      return problems;
    }
    for (JobSpec job : dag.jobs()) {
      if (job.timeoutMinutes() != null && job.timeoutMinutes() < 1) {
        problems.add(
            "jobs."
                + job.id()
                + ".timeout-minutes must be at least 1 (was "
                + job.timeoutMinutes()
                + ")");
      }
      if (job.retries() < 0) {
        problems.add(
            "jobs." + job.id() + ".retries must not be negative (was " + job.retries() + ")");
      }
    }
    for (String reused : request.reused().keySet()) {
      if (dag.jobs().stream().noneMatch(j -> j.id().equals(reused))) {
        problems.add("reused names unknown job '" + reused + "'");
      }
    }
    return problems;
  }

  private static void settingsProblems(BuildSettings settings, List<String> problems) {
    if (settings == null) {
      problems.add("settings is required");
      return;
    }
    if (settings.runnerTaskQueue() == null || settings.runnerTaskQueue().isBlank()) {
      problems.add("settings.runnerTaskQueue is required");
    }
    if (settings.parallelism() < 1) {
      problems.add("settings.parallelism must be at least 1 (was " + settings.parallelism() + ")");
    }
    if (settings.defaultJobTimeout() == null
        || settings.defaultJobTimeout().compareTo(ONE_SECOND) < 0) {
      problems.add("settings.defaultJobTimeout must be at least 1 s");
    }
    if (settings.heartbeatTimeout() == null
        || settings.heartbeatTimeout().compareTo(ONE_SECOND) < 0) {
      problems.add("settings.heartbeatTimeout must be at least 1 s");
    }
  }
}
