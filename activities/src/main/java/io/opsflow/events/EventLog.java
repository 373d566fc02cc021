package io.opsflow.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.activity.Activity;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The append-only events table, and the live feed of it: each append sends a PostgreSQL NOTIFY on
 * {@link #CHANNEL}, delivered on commit to every API instance listening, so dashboards see the same
 * events whichever process wrote them.
 */
@Component
public class EventLog {

  /** The NOTIFY channel. */
  public static final String CHANNEL = "opsflow_events";

  // NOTIFY payloads are limited to 8000 bytes; bigger events are announced by id only.
  private static final int MAX_NOTIFY_BYTES = 7000;

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public EventLog(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /**
   * Appends an event in the caller's transaction (or its own). Inside an activity the row is keyed
   * by workflow and activity id plus {@code key}, so a retry does not append it twice.
   *
   * @return the event id, or null when this activity already appended it
   */
  @Transactional
  public Long append(String type, Long stationId, Long sessionId, Map<String, Object> data) {
    return append(type, stationId, sessionId, data, activityKey(type));
  }

  @Transactional
  public Long append(
      String type, Long stationId, Long sessionId, Map<String, Object> data, String dedupKey) {
    return insert(type, stationId, sessionId, null, data, dedupKey);
  }

  /** Whether an event with {@code dedupKey} was appended. */
  public boolean exists(String dedupKey) {
    return Boolean.TRUE.equals(
        jdbc.queryForObject(
            "select exists (select 1 from events where dedup_key = ?)", Boolean.class, dedupKey));
  }

  /**
   * Appends a build event ({@code build_status}, {@code job_status}, ...). {@code dedupKey} makes a
   * repeated append a no-op (null: always appended).
   *
   * @return the event id, or null when an event with this key exists
   */
  @Transactional
  public Long appendBuild(String type, long buildId, Map<String, Object> data, String dedupKey) {
    return insert(type, null, null, buildId, data, dedupKey);
  }

  private Long insert(
      String type,
      Long stationId,
      Long sessionId,
      Long buildId,
      Map<String, Object> data,
      String dedupKey) {
    String json = toJson(data == null ? Map.of() : data);
    return jdbc.query(
        "insert into events (type, station_id, session_id, build_id, data, dedup_key)"
            + " values (?, ?, ?, ?, ?, ?) on conflict (dedup_key) do nothing"
            + " returning id, created_at",
        rs ->
            rs.next()
                ? notify(
                    rs.getLong(1),
                    type,
                    stationId,
                    sessionId,
                    buildId,
                    data,
                    rs.getTimestamp(2).toInstant().toString())
                : null,
        type,
        stationId,
        sessionId,
        buildId,
        json,
        dedupKey);
  }

  private Long notify(
      long id,
      String type,
      Long stationId,
      Long sessionId,
      Long buildId,
      Map<String, Object> data,
      String createdAt) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("id", id);
    payload.put("type", type);
    payload.put("station_id", stationId);
    payload.put("session_id", sessionId);
    if (buildId != null) {
      payload.put("build_id", buildId);
    }
    payload.put("data", data == null ? Map.of() : data);
    payload.put("created_at", createdAt);
    String json = toJson(payload);
    if (json.length() > MAX_NOTIFY_BYTES) {
      json = toJson(Map.of("id", id));
    }
    jdbc.query("select pg_notify(?, ?)", rs -> null, CHANNEL, json);
    return id;
  }

  private String toJson(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("event data is not serialisable: " + e.getMessage(), e);
    }
  }

  /** workflowId/activityId/suffix inside an activity, null elsewhere (API-side events). */
  public static String activityKey(String suffix) {
    try {
      var info = Activity.getExecutionContext().getInfo();
      return info.getWorkflowId() + "/" + info.getActivityId() + "/" + suffix;
    } catch (RuntimeException notInActivity) {
      return null;
    }
  }
}
