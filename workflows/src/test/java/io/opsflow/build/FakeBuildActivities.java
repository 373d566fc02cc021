package io.opsflow.build;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The build's rows in memory: every status change the workflow records, in the order it arrived.
 * Finished build statuses can be refused (a database outage at the end of a build).
 */
final class FakeBuildActivities implements BuildActivities {

  private final List<BuildStatusChange> builds = new ArrayList<>();
  private final List<JobStatusChange> jobs = new ArrayList<>();
  private boolean refuseFinished;
  private int refusals;
  private final CompletableFuture<Void> refused = new CompletableFuture<>();

  /** While true every finished build status fails like a database that is down. */
  synchronized void refuseFinishedStatus(boolean refuse) {
    refuseFinished = refuse;
  }

  synchronized int refusals() {
    return refusals;
  }

  @Override
  public void buildStatus(BuildStatusChange change) {
    synchronized (this) {
      if (!refuseFinished || !change.status().finished()) {
        builds.add(change);
        return;
      }
      refusals++;
    }
    refused.complete(null);
    throw new IllegalStateException("database unavailable");
  }

  @Override
  public synchronized void jobStatus(JobStatusChange change) {
    jobs.add(change);
    notifyAll();
  }

  /** Waits (bounded) until the job has been recorded with that status. */
  JobStatusChange awaitJob(String jobId, JobStatus status) {
    return awaitJob(jobId + " " + status, c -> c.jobId().equals(jobId) && c.status() == status);
  }

  /** Waits (bounded) until a change matching {@code wanted} has been recorded. */
  synchronized JobStatusChange awaitJob(String what, Predicate<JobStatusChange> wanted) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      for (JobStatusChange change : jobs) {
        if (wanted.test(change)) {
          return change;
        }
      }
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (left <= 0) {
        throw new AssertionError("never recorded: " + what);
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Waits (bounded) until a finished build status has been refused. */
  void awaitRefusal() {
    try {
      refused.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("no finished build status was refused", e);
    }
  }

  synchronized List<BuildStatusChange> builds() {
    return List.copyOf(builds);
  }

  synchronized List<BuildStatus> buildStatuses() {
    return builds.stream().map(BuildStatusChange::status).toList();
  }

  synchronized List<JobStatusChange> jobChanges() {
    return List.copyOf(jobs);
  }

  /** One job's changes, in order. */
  synchronized List<JobStatusChange> job(String jobId) {
    return jobs.stream().filter(c -> c.jobId().equals(jobId)).toList();
  }

  synchronized List<JobStatus> statuses(String jobId) {
    return job(jobId).stream().map(JobStatusChange::status).toList();
  }

  /** The job's last recorded change: its row as it stands. */
  synchronized JobStatusChange last(String jobId) {
    List<JobStatusChange> changes = job(jobId);
    if (changes.isEmpty()) {
      throw new AssertionError("no status recorded for job " + jobId);
    }
    return changes.get(changes.size() - 1);
  }

  /** When the job's first RUNNING and its final status were recorded, in workflow time. */
  synchronized Window window(String jobId) {
    List<JobStatusChange> changes = new ArrayList<>(job(jobId));
    JobStatusChange start =
        changes.stream()
            .filter(c -> c.status() == JobStatus.RUNNING)
            .findFirst()
            .orElseThrow(() -> new AssertionError("job " + jobId + " never ran"));
    JobStatusChange end = changes.get(changes.size() - 1);
    return new Window(start.at().toEpochMilli(), end.at().toEpochMilli());
  }

  /** A job's RUNNING window. */
  record Window(long startMillis, long endMillis) {
    boolean overlaps(Window other) {
      return startMillis < other.endMillis && other.startMillis < endMillis;
    }
  }
}
