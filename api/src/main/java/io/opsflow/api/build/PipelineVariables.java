package io.opsflow.api.build;

import io.opsflow.api.web.ApiException;
import io.swagger.v3.oas.annotations.media.Schema;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * A pipeline's configuration variables (GitHub's repository variables): the {@code vars} context of
 * its builds. Names follow GitHub's rules and are stored upper-cased, so they are unique and looked
 * up case-insensitively; values are plain text, not secrets. Every change locks the pipeline row,
 * as starting a build does: a build snapshots the variables either before or after a change, never
 * half of one.
 */
@Component
public class PipelineVariables {

  /** GitHub's limit on one value: 48 KB. */
  public static final int MAX_VALUE_BYTES = 48 * 1024;

  /** GitHub's limit on a repository's variables. */
  public static final int MAX_COUNT = 500;

  /** GitHub's limit on the variables a run sees together: 256 KB of values. */
  public static final int MAX_TOTAL_BYTES = 256 * 1024;

  /** opsflow's own limit on a name (GitHub names none). */
  public static final int MAX_NAME_LENGTH = 100;

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** One variable as the API shows it. */
  public record Variable(
      @Schema(
              requiredMode = Schema.RequiredMode.REQUIRED,
              description = "upper-cased; vars.<name> in expressions, case-insensitive",
              example = "DEPLOY_ENV")
          String name,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "in full: not a secret")
          String value,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String updatedBy,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) Instant updatedAt) {}

  private final JdbcTemplate jdbc;

  public PipelineVariables(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * The stored form of a name: upper-cased; 400 naming {@code name} when GitHub would refuse it.
   */
  public static String name(String name) {
    if (name == null || name.isEmpty()) {
      throw ApiException.badRequest("name", "name must not be empty");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw ApiException.badRequest(
          "name", "name must be at most " + MAX_NAME_LENGTH + " characters");
    }
    if (!NAME.matcher(name).matches()) {
      throw ApiException.badRequest(
          "name",
          "name must contain only letters, digits and underscores and not start with a digit, got '"
              + name
              + "'");
    }
    String upper = name.toUpperCase(Locale.ROOT);
    if (upper.startsWith("GITHUB_")) {
      throw ApiException.badRequest(
          "name", "name must not start with GITHUB_ (reserved), got '" + name + "'");
    }
    return upper;
  }

  /** 400 naming {@code value} for a missing, empty, NUL-holding or too large value. */
  static void checkValue(String value) {
    if (value == null) {
      throw ApiException.badRequest("value", "value must not be null");
    }
    if (value.isEmpty()) {
      throw ApiException.badRequest(
          "value", "value must not be empty (delete the variable to unset it)");
    }
    if (value.indexOf('\0') >= 0) {
      throw ApiException.badRequest("value", "value must not contain NUL characters");
    }
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_VALUE_BYTES) {
      throw ApiException.badRequest(
          "value",
          "value must be at most " + MAX_VALUE_BYTES + " bytes (48 KB), got " + bytes + " bytes");
    }
  }

  public List<Variable> list(long pipelineId) {
    return jdbc.query(
        "select name, value, updated_by, updated_at from pipeline_variables"
            + " where pipeline_id = ? order by name",
        PipelineVariables::row,
        pipelineId);
  }

  /** The variables as a build's {@code vars} context: name to value. */
  public Map<String, String> snapshot(long pipelineId) {
    Map<String, String> vars = new LinkedHashMap<>();
    for (Variable v : list(pipelineId)) {
      vars.put(v.name(), v.value());
    }
    return vars;
  }

  /** The variable, or 404. */
  public Variable get(long pipelineId, String name) {
    String stored = name(name);
    return jdbc
        .query(
            "select name, value, updated_by, updated_at from pipeline_variables"
                + " where pipeline_id = ? and name = ?",
            PipelineVariables::row,
            pipelineId,
            stored)
        .stream()
        .findFirst()
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "variable " + stored + " not found in pipeline " + pipelineId));
  }

  /** The result of a {@link #put}: the variable and whether it is new. */
  public record Put(Variable variable, boolean created) {}

  /**
   * Creates or replaces a variable. 400 for a bad name or value, 409 when a new variable would pass
   * the count limit or the values together the size limit.
   */
  @Transactional
  public Put put(long pipelineId, String name, String value, String user) {
    String stored = name(name);
    checkValue(value);
    lock(pipelineId);
    Map<String, Object> usage =
        jdbc.queryForMap(
            "select count(*) as n, coalesce(sum(octet_length(value)), 0) as bytes,"
                + " coalesce(sum(octet_length(value)) filter (where name = ?), 0) as mine,"
                + " count(*) filter (where name = ?) as present"
                + " from pipeline_variables where pipeline_id = ?",
            stored,
            stored,
            pipelineId);
    long count = ((Number) usage.get("n")).longValue();
    long bytes = ((Number) usage.get("bytes")).longValue();
    long mine = ((Number) usage.get("mine")).longValue();
    boolean exists = ((Number) usage.get("present")).longValue() > 0;
    if (!exists && count >= MAX_COUNT) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "name: pipeline "
              + pipelineId
              + " has "
              + count
              + " variables, the most it may have is "
              + MAX_COUNT,
          "name");
    }
    long total = bytes - mine + value.getBytes(StandardCharsets.UTF_8).length;
    if (total > MAX_TOTAL_BYTES) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "value: the pipeline's variables would hold "
              + total
              + " bytes together, the most a build may see is "
              + MAX_TOTAL_BYTES
              + " (256 KB)",
          "value");
    }
    jdbc.update(
        "insert into pipeline_variables (pipeline_id, name, value, updated_by, updated_at)"
            + " values (?, ?, ?, ?, now())"
            + " on conflict (pipeline_id, name) do update"
            + " set value = excluded.value, updated_by = excluded.updated_by,"
            + " updated_at = excluded.updated_at",
        pipelineId,
        stored,
        value,
        user);
    return new Put(get(pipelineId, stored), !exists);
  }

  /** Deletes a variable; 404 when the pipeline has none of that name. */
  @Transactional
  public void delete(long pipelineId, String name) {
    String stored = name(name);
    lock(pipelineId);
    int deleted =
        jdbc.update(
            "delete from pipeline_variables where pipeline_id = ? and name = ?",
            pipelineId,
            stored);
    if (deleted == 0) {
      throw ApiException.notFound("variable " + stored + " not found in pipeline " + pipelineId);
    }
  }

  private void lock(long pipelineId) {
    if (jdbc.queryForList(
            "select id from pipelines where id = ? for update", Long.class, pipelineId)
        .isEmpty()) {
      throw ApiException.notFound("pipeline " + pipelineId + " not found");
    }
  }

  private static Variable row(ResultSet rs, int n) throws SQLException {
    return new Variable(
        rs.getString("name"),
        rs.getString("value"),
        rs.getString("updated_by"),
        rs.getTimestamp("updated_at").toInstant());
  }
}
