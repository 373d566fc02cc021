package io.opsflow.api.build;

import io.opsflow.api.build.BuildDtos.BuildView;
import io.opsflow.api.build.BuildDtos.JobRowView;
import io.opsflow.build.Dag;
import io.opsflow.build.JobSpec;
import io.opsflow.build.ReusedJob;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Builds, their jobs and logs as the API reads and creates them. */
@Component
public class BuildRows {

  /** What a new build needs to be inserted. */
  public record NewBuild(
      long pipelineId,
      String yaml,
      int pipelineVersion,
      String runner,
      String triggeredBy,
      Long rerunOf,
      Dag dag,
      Map<String, String> vars) {

    /** A build that snapshots the pipeline's variables as they are when its row is inserted. */
    public NewBuild(
        long pipelineId,
        String yaml,
        int pipelineVersion,
        String runner,
        String triggeredBy,
        Long rerunOf,
        Dag dag) {
      this(pipelineId, yaml, pipelineVersion, runner, triggeredBy, rerunOf, dag, null);
    }
  }

  /** A build row's workflow-relevant fields. */
  public record BuildHead(
      long id, long pipelineId, String status, String yaml, int pipelineVersion, String runner) {}

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /**
   * The variables build {@code id} started with; empty for a build from before variables existed
   * (it ran with an empty {@code vars} context).
   */
  public Map<String, String> varsSnapshot(long id) {
    String json =
        jdbc
            .query(
                "select vars_snapshot::text from builds where id = ?",
                (rs, n) -> rs.getString(1),
                id)
            .stream()
            .findFirst()
            .orElse(null);
    if (json == null) {
      return Map.of();
    }
    try {
      return JSON.readValue(
          json,
          new com.fasterxml.jackson.core.type.TypeReference<
              java.util.TreeMap<String, String>>() {});
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("build " + id + ": vars_snapshot is not a JSON object", e);
    }
  }

  private final JdbcTemplate jdbc;

  public BuildRows(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Inserts the build (QUEUED, numbered after the pipeline's last build) and its jobs (PENDING).
   * The pipeline row is locked so concurrent starts get distinct numbers.
   */
  @Transactional
  public long insert(NewBuild b) {
    return insert(b, (id, number, vars) -> b.dag()).id();
  }

  /** The jobs of a build once its id and number are known (matrix expansion needs them). */
  @FunctionalInterface
  public interface JobsOf {
    Dag dag(long buildId, int number, Map<String, String> vars);
  }

  /** An inserted build with the DAG its job rows were written from and its variables. */
  public record Inserted(long id, int number, Dag dag, Map<String, String> vars) {}

  /**
   * Like {@link #insert(NewBuild)}, with the jobs computed by {@code jobsOf} from the new build's
   * id, number and variables; whatever {@code jobsOf} throws rolls the insert back. Without
   * variables of its own ({@link NewBuild#vars()} null) the build snapshots the pipeline's, read
   * under the pipeline row's lock: a concurrent variable change lands wholly before or after.
   */
  @Transactional
  public Inserted insert(NewBuild b, JobsOf jobsOf) {
    jdbc.queryForObject(
        "select id from pipelines where id = ? for update", Long.class, b.pipelineId());
    Map<String, String> vars = new java.util.TreeMap<>();
    if (b.vars() != null) {
      vars.putAll(b.vars());
    } else {
      jdbc.query(
          "select name, value from pipeline_variables where pipeline_id = ?",
          (org.springframework.jdbc.core.RowCallbackHandler)
              rs -> vars.put(rs.getString(1), rs.getString(2)),
          b.pipelineId());
    }
    String snapshot;
    try {
      snapshot = JSON.writeValueAsString(vars);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("variables not writable as JSON", e);
    }
    Map<String, Object> inserted =
        jdbc.queryForMap(
            "insert into builds (pipeline_id, number, status, yaml_snapshot, pipeline_version,"
                + " runner, triggered_by, rerun_of, vars_snapshot)"
                + " select ?, coalesce(max(number), 0) + 1, 'QUEUED', ?, ?, ?, ?, ?, ?::jsonb"
                + " from builds where pipeline_id = ? returning id, number",
            b.pipelineId(),
            b.yaml(),
            b.pipelineVersion(),
            b.runner(),
            b.triggeredBy(),
            b.rerunOf(),
            snapshot,
            b.pipelineId());
    long id = ((Number) inserted.get("id")).longValue();
    int number = ((Number) inserted.get("number")).intValue();
    Dag dag = jobsOf.dag(id, number, vars);
    int ordinal = 0;
    for (JobSpec job : dag.jobs()) {
      int position = ordinal++;
      jdbc.update(
          "insert into build_jobs (build_id, job_id, name, needs, ordinal, status)"
              + " values (?, ?, ?, ?, ?, 'PENDING')",
          ps -> {
            ps.setLong(1, id);
            ps.setString(2, job.id());
            ps.setString(3, job.name());
            ps.setArray(4, ps.getConnection().createArrayOf("text", job.needs().toArray()));
            ps.setInt(5, position);
          });
    }
    return new Inserted(id, number, dag, vars);
  }

  /** Marks a build that could not be started at all (its workflow never began). */
  public void failUnstarted(long id, String message) {
    jdbc.update(
        "update builds set status = 'FAILED', message = ?, finished_at = clock_timestamp()"
            + " where id = ? and status = 'QUEUED'",
        message,
        id);
    jdbc.update(
        "update build_jobs set status = 'CANCELLED', message = 'build could not start'"
            + " where build_id = ? and status = 'PENDING'",
        id);
  }

  public Optional<BuildHead> head(long id) {
    return jdbc
        .query(
            "select id, pipeline_id, status, yaml_snapshot, pipeline_version, runner from builds"
                + " where id = ?",
            (rs, n) ->
                new BuildHead(
                    rs.getLong(1),
                    rs.getLong(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getInt(5),
                    rs.getString(6)),
            id)
        .stream()
        .findFirst();
  }

  /**
   * The jobs of a build that succeeded, as a re-run reuses them: each points at the build that
   * actually ran it (a job reused twice still points at the original).
   */
  public Map<String, ReusedJob> succeededJobs(long buildId) {
    Map<String, ReusedJob> reused = new LinkedHashMap<>();
    jdbc.query(
        "select job_id, coalesce(reused_from_build, build_id), attempt from build_jobs"
            + " where build_id = ? and status = 'SUCCEEDED' order by ordinal",
        rs -> {
          reused.put(rs.getString(1), new ReusedJob(rs.getLong(2), rs.getInt(3)));
        },
        buildId);
    return reused;
  }

  public Optional<BuildView> find(long id) {
    return jdbc.query("select * from builds where id = ?", this::build, id).stream().findFirst();
  }

  public List<BuildView> ofPipeline(long pipelineId, int limit) {
    return jdbc.query(
        "select * from builds where pipeline_id = ? order by id desc limit ?",
        this::build,
        pipelineId,
        limit);
  }

  /** A job's status, attempt and (for a reused job) the build whose logs it shows. */
  public record JobHead(String status, int attempt, Long reusedFromBuild) {
    public boolean finished() {
      return !status.equals("PENDING") && !status.equals("RUNNING");
    }
  }

  public Optional<JobHead> job(long buildId, String jobId) {
    return jdbc
        .query(
            "select status, attempt, reused_from_build from build_jobs"
                + " where build_id = ? and job_id = ?",
            (rs, n) -> new JobHead(rs.getString(1), rs.getInt(2), rs.getObject(3, Long.class)),
            buildId,
            jobId)
        .stream()
        .findFirst();
  }

  private BuildView build(ResultSet rs, int n) throws SQLException {
    long id = rs.getLong("id");
    List<JobRowView> jobs =
        jdbc.query(
            "select * from build_jobs where build_id = ? order by ordinal", this::jobRow, id);
    return new BuildView(
        id,
        rs.getLong("pipeline_id"),
        rs.getInt("number"),
        rs.getString("status"),
        rs.getString("runner"),
        rs.getString("triggered_by"),
        rs.getObject("rerun_of", Long.class),
        rs.getInt("pipeline_version"),
        rs.getString("message"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("finished_at")),
        jobs);
  }

  private JobRowView jobRow(ResultSet rs, int n) throws SQLException {
    Array needs = rs.getArray("needs");
    return new JobRowView(
        rs.getString("job_id"),
        rs.getString("name"),
        List.of((String[]) needs.getArray()),
        rs.getString("status"),
        rs.getInt("attempt"),
        rs.getObject("exit_code", Integer.class),
        rs.getString("message"),
        instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("finished_at")),
        rs.getObject("reused_from_build", Long.class));
  }

  private static Instant instant(Timestamp ts) {
    return ts == null ? null : ts.toInstant();
  }
}
