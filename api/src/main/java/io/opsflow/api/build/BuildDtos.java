package io.opsflow.api.build;

import java.time.Instant;
import java.util.List;

/** Response bodies of the build routes (snake_case on the wire). */
public final class BuildDtos {

  private BuildDtos() {}

  public record BuildView(
      long id,
      long pipelineId,
      int number,
      String status,
      String runner,
      String triggeredBy,
      Long rerunOf,
      int pipelineVersion,
      String message,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      List<JobRowView> jobs) {}

  public record JobRowView(
      String id,
      String name,
      List<String> needs,
      String status,
      int attempt,
      Integer exitCode,
      String message,
      Instant startedAt,
      Instant finishedAt,
      Long reusedFromBuild) {}

  /**
   * @param reason shown on the build; optional
   */
  public record CancelRequest(String reason) {}

  /**
   * What starts a build (every field optional; no body at all is a manual run that {@code on:}
   * filters do not restrict).
   *
   * @param event the event name, default {@code push} when a ref or sha is given
   * @param ref {@code refs/heads/main}, {@code refs/tags/v1}, or a branch name
   * @param sha the commit, 7 to 40 hex digits
   * @param inputs {@code workflow_dispatch} inputs by name
   */
  public record StartBuild(
      String event, String ref, String sha, java.util.Map<String, Object> inputs) {
    public boolean isEmpty() {
      return event == null && ref == null && sha == null && (inputs == null || inputs.isEmpty());
    }
  }

  public record LogLine(long n, String text) {}

  /**
   * A page of one job attempt's log.
   *
   * @param next pass as {@code after} to read on
   * @param finished whether the job has finished (no more lines will come for this attempt)
   */
  public record LogPage(
      long buildId,
      String jobId,
      int attempt,
      List<LogLine> lines,
      long next,
      boolean finished,
      String status) {}
}
