package io.opsflow.build.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Job output in the {@code build_logs} table, one row per line keyed by build, job, attempt and
 * line number. Every append is announced by a PostgreSQL NOTIFY on {@link #CHANNEL} so the API can
 * push new lines to live log views whichever worker stored them.
 */
@Component
public class BuildLogStore implements BuildLogs {

  /**
   * The NOTIFY channel; the payload is {@code {"build_id":..,"job_id":..,"attempt":..,
   * "last_line":..}}.
   */
  public static final String CHANNEL = "opsflow_build_logs";

  /** The most characters of one line stored; longer lines are cut and marked. */
  public static final int MAX_LINE_CHARS = 64 * 1024;

  /** The most lines one {@link #read} returns. */
  public static final int MAX_READ = 10_000;

  // 5 parameters a row: well under PostgreSQL's 65535 bind parameters per statement.
  private static final int ROWS_PER_INSERT = 1000;

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public BuildLogStore(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  @Override
  public long count(long buildId, String jobId, int attempt) {
    // max + 1 reads one index entry; count(*) would scan every line of a long log.
    Long next =
        jdbc.queryForObject(
            "select coalesce(max(line_no) + 1, 0) from build_logs"
                + " where build_id = ? and job_id = ? and attempt = ?",
            Long.class,
            buildId,
            requireJob(jobId),
            attempt);
    return next == null ? 0 : next;
  }

  @Override
  public void append(
      long buildId, String jobId, int attempt, long firstLineNo, List<String> lines) {
    requireJob(jobId);
    if (firstLineNo < 0) {
      throw new IllegalArgumentException("firstLineNo must be >= 0, was " + firstLineNo);
    }
    if (lines.isEmpty()) {
      return;
    }
    for (int from = 0; from < lines.size(); from += ROWS_PER_INSERT) {
      int to = Math.min(lines.size(), from + ROWS_PER_INSERT);
      StringBuilder sql =
          new StringBuilder(
              "insert into build_logs (build_id, job_id, attempt, line_no, line) values ");
      List<Object> args = new ArrayList<>((to - from) * 5);
      for (int i = from; i < to; i++) {
        sql.append(i == from ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)");
        args.add(buildId);
        args.add(jobId);
        args.add(attempt);
        args.add(firstLineNo + i);
        args.add(storable(lines.get(i)));
      }
      sql.append(" on conflict do nothing");
      jdbc.update(sql.toString(), args.toArray());
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("build_id", buildId);
    payload.put("job_id", jobId);
    payload.put("attempt", attempt);
    payload.put("last_line", firstLineNo + lines.size() - 1);
    jdbc.query("select pg_notify(?, ?)", rs -> null, CHANNEL, toJson(payload));
  }

  /**
   * Lines of one attempt after {@code afterLineNo}, in order.
   *
   * @param attempt the attempt, or null for the latest attempt that has output
   * @param afterLineNo return lines numbered above this; -1 reads from the start
   * @param limit the most lines returned, 1 to {@value #MAX_READ}
   */
  public List<LogLine> read(
      long buildId, String jobId, Integer attempt, long afterLineNo, int limit) {
    requireJob(jobId);
    if (limit < 1 || limit > MAX_READ) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_READ + ", was " + limit);
    }
    return jdbc.query(
        "select attempt, line_no, line, logged_at from build_logs"
            + " where build_id = ? and job_id = ? and line_no > ? and attempt = coalesce("
            + "cast(? as int), (select max(attempt) from build_logs where build_id = ? and job_id = ?))"
            + " order by line_no limit ?",
        (rs, i) ->
            new LogLine(
                rs.getInt(1), rs.getLong(2), rs.getString(3), rs.getTimestamp(4).toInstant()),
        buildId,
        jobId,
        afterLineNo,
        attempt,
        buildId,
        jobId,
        limit);
  }

  /** A line as PostgreSQL text can hold it: no NUL characters, at most MAX_LINE_CHARS. */
  static String storable(String line) {
    String text = line.indexOf('\0') < 0 ? line : line.replace('\0', '\uFFFD');
    if (text.length() <= MAX_LINE_CHARS) {
      return text;
    }
    // Never split a surrogate pair: half of one is not valid UTF-8.
    int cut =
        Character.isHighSurrogate(text.charAt(MAX_LINE_CHARS - 1))
            ? MAX_LINE_CHARS - 1
            : MAX_LINE_CHARS;
    return text.substring(0, cut)
        + " [line truncated: "
        + (text.length() - cut)
        + " more characters]";
  }

  private static String requireJob(String jobId) {
    if (jobId == null || jobId.isBlank()) {
      throw new IllegalArgumentException("jobId is required");
    }
    return jobId;
  }

  private String toJson(Map<String, Object> payload) {
    try {
      return mapper.writeValueAsString(payload);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("log notification is not serialisable", e);
    }
  }
}
