package io.opsflow.build;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The DAG engine's decision, pure and deterministic so the workflow can call it: given every job's
 * status, which pending jobs run now, which are skipped and which are cancelled. A job is decided
 * only once all its needs have finished; its {@code if:} then decides (GitHub Actions semantics).
 */
public final class DagScheduler {

  /**
   * What to do with the pending jobs whose needs have all finished, each list in pipeline order.
   */
  public record Decision(List<String> run, List<String> skip, List<String> cancel) {
    public boolean isEmpty() {
      return run.isEmpty() && skip.isEmpty() && cancel.isEmpty();
    }
  }

  private final Dag dag;

  public DagScheduler(Dag dag) {
    this.dag = dag;
  }

  /**
   * @param statuses every job's status; a job missing from the map is PENDING
   * @param cancelled whether the build was cancelled
   */
  public Decision next(Map<String, JobStatus> statuses, boolean cancelled) {
    List<String> run = new ArrayList<>();
    List<String> skip = new ArrayList<>();
    List<String> cancel = new ArrayList<>();
    for (JobSpec job : dag.jobs()) {
      if (status(statuses, job.id()) != JobStatus.PENDING) {
        continue;
      }
      boolean needsFinished = job.needs().stream().allMatch(n -> status(statuses, n).finished());
      if (!needsFinished) {
        continue;
      }
      if (cancelled && job.condition() != JobCondition.ALWAYS) {
        cancel.add(job.id());
        continue;
      }
      boolean ok =
          switch (job.condition()) {
            case SUCCESS -> job.needs().stream().allMatch(n -> succeeded(statuses, n));
            case FAILURE -> anyAncestorFailed(job, statuses);
            case ALWAYS, NOT_CANCELLED -> true;
          };
      (ok ? run : skip).add(job.id());
    }
    return new Decision(List.copyOf(run), List.copyOf(skip), List.copyOf(cancel));
  }

  /**
   * The build's result once every job has finished: CANCELLED if it was cancelled, FAILED if a job
   * without continue-on-error failed, else SUCCEEDED.
   */
  public BuildStatus result(Map<String, JobStatus> statuses, boolean cancelled) {
    if (cancelled) {
      return BuildStatus.CANCELLED;
    }
    for (JobSpec job : dag.jobs()) {
      if (status(statuses, job.id()) == JobStatus.FAILED && !job.continueOnError()) {
        return BuildStatus.FAILED;
      }
    }
    return BuildStatus.SUCCEEDED;
  }

  /** True when every job has finished. */
  public boolean finished(Map<String, JobStatus> statuses) {
    return dag.jobs().stream().allMatch(j -> status(statuses, j.id()).finished());
  }

  private boolean succeeded(Map<String, JobStatus> statuses, String id) {
    JobStatus s = status(statuses, id);
    return s == JobStatus.SUCCEEDED || (s == JobStatus.FAILED && dag.job(id).continueOnError());
  }

  private boolean anyAncestorFailed(JobSpec job, Map<String, JobStatus> statuses) {
    Deque<String> todo = new ArrayDeque<>(job.needs());
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      String id = todo.pop();
      if (!seen.add(id)) {
        continue;
      }
      JobSpec ancestor = dag.job(id);
      if (status(statuses, id) == JobStatus.FAILED && !ancestor.continueOnError()) {
        return true;
      }
      todo.addAll(ancestor.needs());
    }
    return false;
  }

  private static JobStatus status(Map<String, JobStatus> statuses, String id) {
    return statuses.getOrDefault(id, JobStatus.PENDING);
  }
}
