package io.opsflow.build;

import io.opsflow.events.EventLog;
import io.temporal.failure.ApplicationFailure;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@code builds} and {@code build_jobs} rows and their events. Each change and its event are
 * written in one transaction, and an event is keyed by what it reports, so a retried call neither
 * repeats nor loses it. Status only moves forward: a finished build stays finished, a finished job
 * attempt stays finished (a later attempt may start it again).
 */
@Component("buildActivitiesImpl")
public class BuildActivitiesImpl implements BuildActivities {

  private static final String FINISHED_BUILD = "('SUCCEEDED', 'FAILED', 'CANCELLED')";
  private static final String FINISHED_JOB = "('SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED')";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final EventLog events;

  public BuildActivitiesImpl(JdbcTemplate jdbc, TransactionTemplate tx, EventLog events) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.events = events;
  }

  @Override
  public void buildStatus(BuildStatusChange change) {
    if (change == null || change.status() == null) {
      throw invalid("buildStatus: status is required");
    }
    if (change.status() == BuildStatus.QUEUED) {
      throw invalid("buildStatus: status QUEUED is set when the build is created, not changed to");
    }
    tx.executeWithoutResult(
        s -> {
          BuildStatus status = change.status();
          Instant when = instant(change.at());
          Timestamp at = Timestamp.from(when);
          boolean finished = status.finished();
          // The guard makes a repeat a no-op and keeps a finished build finished.
          jdbc.update(
              "update builds set status = ?,"
                  + " started_at = case when cast(? as boolean)"
                  + " then coalesce(started_at, cast(? as timestamptz)) else started_at end,"
                  + " finished_at = case when cast(? as boolean)"
                  + " then cast(? as timestamptz) else finished_at end,"
                  + " message = coalesce(?, message)"
                  + " where id = ? and status <> ? and status not in "
                  + FINISHED_BUILD,
              status.name(),
              status == BuildStatus.RUNNING,
              at,
              finished,
              at,
              change.message(),
              change.buildId(),
              status.name());
          List<String> current =
              jdbc.queryForList(
                  "select status from builds where id = ?", String.class, change.buildId());
          if (current.isEmpty()) {
            throw ApplicationFailure.newNonRetryableFailure(
                "build " + change.buildId() + " does not exist", "BuildNotFound");
          }
          if (!current.get(0).equals(status.name())) {
            return; // finished earlier with another status: nothing to report
          }
          Map<String, Object> data = new LinkedHashMap<>();
          data.put("status", status.name());
          data.put("message", change.message());
          data.put("at", when.toString());
          events.appendBuild(
              "build_status",
              change.buildId(),
              data,
              "build-" + change.buildId() + "/status/" + status.name());
        });
  }

  @Override
  public void jobStatus(JobStatusChange change) {
    if (change == null || change.status() == null) {
      throw invalid("jobStatus: status is required");
    }
    if (change.jobId() == null || change.jobId().isBlank()) {
      throw invalid("jobStatus: jobId is required");
    }
    if (change.attempt() < 0) {
      throw invalid("jobStatus: attempt must be >= 0, was " + change.attempt());
    }
    tx.executeWithoutResult(
        s -> {
          JobStatus status = change.status();
          Instant when = instant(change.at());
          Timestamp at = Timestamp.from(when);
          // A change applies to a later attempt, or to the same attempt while it is unfinished.
          jdbc.update(
              "update build_jobs set status = ?, attempt = ?, exit_code = ?, message = ?,"
                  + " started_at = coalesce(started_at,"
                  + " case when cast(? as boolean) then cast(? as timestamptz) end),"
                  + " finished_at = case when cast(? as boolean) then cast(? as timestamptz) end,"
                  + " reused_from_build = coalesce(?, reused_from_build)"
                  + " where build_id = ? and job_id = ?"
                  + " and (attempt < ? or (attempt = ? and status <> ? and status not in "
                  + FINISHED_JOB
                  + "))",
              status.name(),
              change.attempt(),
              change.exitCode(),
              change.message(),
              status == JobStatus.RUNNING,
              at,
              status.finished(),
              at,
              change.reusedFromBuild(),
              change.buildId(),
              change.jobId(),
              change.attempt(),
              change.attempt(),
              status.name());
          List<Map<String, Object>> current =
              jdbc.queryForList(
                  "select status, attempt from build_jobs where build_id = ? and job_id = ?",
                  change.buildId(),
                  change.jobId());
          if (current.isEmpty()) {
            throw ApplicationFailure.newNonRetryableFailure(
                "job '" + change.jobId() + "' of build " + change.buildId() + " does not exist",
                "BuildNotFound");
          }
          Map<String, Object> row = current.get(0);
          if (!status.name().equals(row.get("status"))
              || ((Number) row.get("attempt")).intValue() != change.attempt()) {
            return; // superseded by a later change
          }
          Map<String, Object> data = new LinkedHashMap<>();
          data.put("job_id", change.jobId());
          data.put("status", status.name());
          data.put("attempt", change.attempt());
          data.put("exit_code", change.exitCode());
          data.put("message", change.message());
          data.put("reused_from_build", change.reusedFromBuild());
          data.put("at", when.toString());
          events.appendBuild(
              "job_status",
              change.buildId(),
              data,
              "build-"
                  + change.buildId()
                  + "/job/"
                  + change.jobId()
                  + "/attempt/"
                  + change.attempt()
                  + "/status/"
                  + status.name());
        });
  }

  private static Instant instant(Instant at) {
    // The workflow passes its own time; a missing one is read here, in the activity.
    return at != null ? at : Instant.now();
  }

  private static ApplicationFailure invalid(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, "InvalidArgument");
  }
}
