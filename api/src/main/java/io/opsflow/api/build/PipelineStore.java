package io.opsflow.api.build;

import io.opsflow.api.build.PipelineDtos.PipelineView;
import io.opsflow.api.web.ApiException;
import io.opsflow.build.Dag;
import io.opsflow.build.PipelineException;
import io.opsflow.build.PipelineParser;
import io.opsflow.build.PipelineProblem;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Pipelines and their members in PostgreSQL. */
@Component
public class PipelineStore {

  /** A pipeline row. */
  public record Pipeline(
      long id,
      String name,
      String yaml,
      int version,
      String createdBy,
      List<String> members,
      java.time.Instant createdAt,
      java.time.Instant updatedAt) {

    /** The creator and the members may start builds. */
    public boolean mayStart(String user) {
      return createdBy.equals(user) || members.contains(user);
    }
  }

  private final JdbcTemplate jdbc;

  public PipelineStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Parses and validates; a 400 naming every problem with its line and column. */
  public static Dag parse(String yaml) {
    try {
      return PipelineParser.parse(yaml);
    } catch (PipelineException e) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put(
          "problems",
          e.problems().stream()
              .map(
                  (PipelineProblem p) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("line", p.line());
                    m.put("column", p.column());
                    m.put("path", p.path());
                    m.put("message", p.message());
                    return m;
                  })
              .toList());
      throw new ApiException(HttpStatus.BAD_REQUEST, "yaml: " + e.getMessage(), "yaml", extra);
    }
  }

  @Transactional
  public Pipeline create(String name, String yaml, String createdBy, List<String> members) {
    long id;
    try {
      id =
          jdbc.queryForObject(
              "insert into pipelines (name, yaml, created_by) values (?, ?, ?) returning id",
              Long.class,
              name,
              yaml,
              createdBy);
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          HttpStatus.CONFLICT, "name: a pipeline named '" + name + "' exists", "name");
    }
    replaceMembers(id, members);
    return find(id).orElseThrow();
  }

  @Transactional
  public Pipeline update(long id, String name, String yaml, List<String> members) {
    try {
      jdbc.update(
          "update pipelines set name = coalesce(?, name), yaml = coalesce(?, yaml),"
              + " version = version + case when ? is null then 0 else 1 end, updated_at = now()"
              + " where id = ?",
          name,
          yaml,
          yaml,
          id);
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          HttpStatus.CONFLICT, "name: a pipeline named '" + name + "' exists", "name");
    }
    if (members != null) {
      replaceMembers(id, members);
    }
    return find(id).orElseThrow();
  }

  private void replaceMembers(long id, List<String> members) {
    jdbc.update("delete from pipeline_members where pipeline_id = ?", id);
    if (members == null) {
      return;
    }
    for (String member : new LinkedHashSet<>(members)) {
      jdbc.update(
          "insert into pipeline_members (pipeline_id, member) values (?, ?)", id, member.strip());
    }
  }

  public Optional<Pipeline> find(long id) {
    return jdbc.query("select * from pipelines where id = ?", this::row, id).stream().findFirst();
  }

  /** The pipeline, or 404. */
  public Pipeline require(long id) {
    return find(id).orElseThrow(() -> ApiException.notFound("pipeline " + id + " not found"));
  }

  public List<Pipeline> list() {
    return jdbc.query("select * from pipelines order by id", this::row);
  }

  private Pipeline row(ResultSet rs, int n) throws SQLException {
    long id = rs.getLong("id");
    List<String> members =
        jdbc.queryForList(
            "select member from pipeline_members where pipeline_id = ? order by member",
            String.class,
            id);
    return new Pipeline(
        id,
        rs.getString("name"),
        rs.getString("yaml"),
        rs.getInt("version"),
        rs.getString("created_by"),
        members,
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }

  static PipelineView view(Pipeline p) {
    PipelineDtos.DagView dag;
    try {
      dag = PipelineDtos.DagView.of(PipelineParser.parse(p.yaml()));
    } catch (PipelineException e) {
      // Stored pipelines were valid when saved; a parser that became stricter must not hide them.
      dag = null;
    }
    return new PipelineView(
        p.id(),
        p.name(),
        p.yaml(),
        p.version(),
        p.createdBy(),
        p.members(),
        p.createdAt(),
        p.updatedAt(),
        dag);
  }
}
