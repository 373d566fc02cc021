package io.opsflow.build;

import java.time.Instant;
import java.util.List;

/** The build workflow's state: the answer of its query and its result. */
public record BuildView(
    long buildId,
    BuildStatus status,
    Instant startedAt,
    Instant finishedAt,
    String message,
    List<JobView> jobs) {
  public BuildView {
    jobs = List.copyOf(jobs);
  }
}
