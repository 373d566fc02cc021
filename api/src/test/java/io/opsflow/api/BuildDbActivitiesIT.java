package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.BuildActivities.BuildStatusChange;
import io.opsflow.build.BuildActivities.JobStatusChange;
import io.opsflow.build.BuildActivitiesImpl;
import io.opsflow.build.BuildStatus;
import io.opsflow.build.JobOutcome;
import io.opsflow.build.JobRun;
import io.opsflow.build.JobRunnerActivities;
import io.opsflow.build.JobStatus;
import io.opsflow.build.StepSpec;
import io.opsflow.build.runner.BuildLogStore;
import io.opsflow.build.runner.BuildProperties;
import io.opsflow.build.runner.BuildRunnerInfo;
import io.opsflow.build.runner.JobRunnerActivitiesImpl;
import io.opsflow.build.runner.LogLine;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The build flow's database activities against the embedded PostgreSQL: status changes move forward
 * only and report each change once; log lines are stored once, read back in order and announced by
 * NOTIFY; the runner activity as the application wires it stores a real job's output.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.NONE,
    properties = {
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=build-db-it"
    })
class BuildDbActivitiesIT {

  @Autowired BuildActivitiesImpl builds;
  @Autowired BuildLogStore logs;
  @Autowired JobRunnerActivitiesImpl jobRunnerActivities;
  @Autowired BuildRunnerInfo runnerInfo;
  @Autowired BuildProperties buildProperties;
  @Autowired JdbcTemplate jdbc;
  @Autowired DataSource dataSource;

  @Test
  void buildStatusMovesForwardOnlyAndReportsEachStatusOnce() {
    long build = build("status", "compile");
    Instant started = Instant.parse("2026-01-01T10:00:00Z");
    Instant ended = Instant.parse("2026-01-01T10:05:00Z");

    builds.buildStatus(new BuildStatusChange(build, BuildStatus.RUNNING, started, null));
    builds.buildStatus(new BuildStatusChange(build, BuildStatus.RUNNING, started, null));
    builds.buildStatus(
        new BuildStatusChange(build, BuildStatus.FAILED, ended, "job compile failed"));
    builds.buildStatus(new BuildStatusChange(build, BuildStatus.RUNNING, ended, null));
    builds.buildStatus(new BuildStatusChange(build, BuildStatus.SUCCEEDED, ended, null));

    Map<String, Object> row =
        jdbc.queryForMap(
            "select status, started_at, finished_at, message from builds where id = ?", build);
    assertThat(row.get("status")).isEqualTo("FAILED");
    assertThat(((java.sql.Timestamp) row.get("started_at")).toInstant()).isEqualTo(started);
    assertThat(((java.sql.Timestamp) row.get("finished_at")).toInstant()).isEqualTo(ended);
    assertThat(row.get("message")).isEqualTo("job compile failed");
    assertThat(eventStatuses(build, "build_status")).containsExactly("RUNNING", "FAILED");
  }

  @Test
  void jobStatusFollowsAttemptsAndIgnoresRepeatsAndStaleChanges() {
    long build = build("jobs", "test");
    Instant t1 = Instant.parse("2026-01-01T10:00:00Z");
    Instant t2 = Instant.parse("2026-01-01T10:01:00Z");
    Instant t3 = Instant.parse("2026-01-01T10:02:00Z");

    builds.jobStatus(job(build, JobStatus.RUNNING, 1, null, t1));
    builds.jobStatus(job(build, JobStatus.FAILED, 1, 3, t2));
    builds.jobStatus(job(build, JobStatus.FAILED, 1, 3, t2));
    builds.jobStatus(job(build, JobStatus.RUNNING, 2, null, t2));
    builds.jobStatus(job(build, JobStatus.RUNNING, 1, null, t1)); // stale: attempt 1 is over
    builds.jobStatus(job(build, JobStatus.SUCCEEDED, 2, 0, t3));

    Map<String, Object> row =
        jdbc.queryForMap(
            "select status, attempt, exit_code, started_at, finished_at from build_jobs"
                + " where build_id = ? and job_id = 'test'",
            build);
    assertThat(row.get("status")).isEqualTo("SUCCEEDED");
    assertThat(row.get("attempt")).isEqualTo(2);
    assertThat(row.get("exit_code")).isEqualTo(0);
    assertThat(((java.sql.Timestamp) row.get("started_at")).toInstant()).isEqualTo(t1);
    assertThat(((java.sql.Timestamp) row.get("finished_at")).toInstant()).isEqualTo(t3);
    assertThat(eventStatuses(build, "job_status"))
        .containsExactly("RUNNING", "FAILED", "RUNNING", "SUCCEEDED");
  }

  @Test
  void logLinesAreStoredOnceReadInOrderAndAnnounced() throws Exception {
    long build = build("logs", "lint");
    try (Connection listener = dataSource.getConnection();
        Statement listen = listener.createStatement()) {
      listen.execute("listen " + BuildLogStore.CHANNEL);

      logs.append(build, "lint", 1, 0, List.of("zero", "one", "two"));
      logs.append(build, "lint", 1, 1, List.of("one (re-read)", "two (re-read)", "three"));
      logs.append(build, "lint", 2, 0, List.of("second attempt", "with\0nul"));

      PGNotification[] notes = listener.unwrap(PGConnection.class).getNotifications(10_000);
      assertThat(notes).isNotEmpty();
      assertThat(notes[0].getParameter())
          .isEqualTo(
              "{\"build_id\":" + build + ",\"job_id\":\"lint\",\"attempt\":1,\"last_line\":2}");
    }

    assertThat(logs.count(build, "lint", 1)).isEqualTo(4);
    assertThat(logs.read(build, "lint", 1, -1, 100).stream().map(LogLine::line))
        .containsExactly("zero", "one", "two", "three");
    assertThat(logs.read(build, "lint", 1, 1, 1).stream().map(LogLine::line))
        .containsExactly("two");
    assertThat(logs.read(build, "lint", null, -1, 100))
        .extracting(LogLine::attempt, LogLine::line)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(2, "second attempt"),
            org.assertj.core.groups.Tuple.tuple(2, "with\uFFFDnul"));
  }

  @Test
  void theWiredRunnerStoresAJobsOutput() {
    long build = build("runner", "hello");
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try {
      env.registerActivitiesImplementations(jobRunnerActivities);
      JobRunnerActivities runner =
          env.newActivityStub(
              JobRunnerActivities.class,
              ActivityOptions.newBuilder()
                  .setStartToCloseTimeout(Duration.ofMinutes(2))
                  .setHeartbeatTimeout(Duration.ofSeconds(5))
                  .build());
      JobRun run =
          new JobRun(
              build,
              "hello",
              1,
              buildProperties.defaultImage(),
              Map.of("WHO", "opsflow"),
              List.of(new StepSpec("say", "echo hello $WHO", Map.of())),
              60);

      JobOutcome outcome = runner.runJob(run);

      assertThat(outcome).isEqualTo(new JobOutcome(0, null, 2));
      assertThat(logs.read(build, "hello", 1, -1, 10).stream().map(LogLine::line))
          .containsExactly("##[step 1/1] say", "hello opsflow");
      assertThat(runnerInfo.taskQueue()).isEqualTo("builds-" + runnerInfo.kind());
    } finally {
      env.close();
      jobRunnerActivities.backend().deleteWorkspace(build);
    }
  }

  private JobStatusChange job(long build, JobStatus status, int attempt, Integer exit, Instant at) {
    return new JobStatusChange(build, "test", status, attempt, exit, null, at, null);
  }

  private List<String> eventStatuses(long build, String type) {
    return jdbc.queryForList(
        "select data::json ->> 'status' from events where build_id = ? and type = ? order by id",
        String.class,
        build,
        type);
  }

  /** A pipeline with one build in QUEUED and one PENDING job. */
  private long build(String name, String jobId) {
    String pipeline = name + "-" + System.nanoTime();
    long pipelineId =
        jdbc.queryForObject(
            "insert into pipelines (name, yaml, created_by) values (?, 'jobs: {}', 'it')"
                + " returning id",
            Long.class,
            pipeline);
    long buildId =
        jdbc.queryForObject(
            "insert into builds (pipeline_id, number, status, yaml_snapshot, pipeline_version,"
                + " runner, triggered_by) values (?, 1, 'QUEUED', 'jobs: {}', 1, 'local', 'it')"
                + " returning id",
            Long.class,
            pipelineId);
    jdbc.update(
        "insert into build_jobs (build_id, job_id, name, ordinal, status)"
            + " values (?, ?, ?, 0, 'PENDING')",
        buildId,
        jobId,
        jobId);
    return buildId;
  }
}
