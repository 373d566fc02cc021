package io.opsflow.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Appends to {@code workload_events}, the append-only history of a workload. A row is written once
 * however often the caller retries: the workflow's rows are keyed by (workload, revision,
 * sequence), its sequences starting at 1; rows of decisions made outside the workflow (a node's
 * loss) carry no sequence and are keyed by (workload, dedup key) instead, so the two never collide.
 */
final class WorkloadEventLog {

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  WorkloadEventLog(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /**
   * @return true when a row was appended, false when this (workload, revision, sequence) exists
   */
  boolean append(
      UUID workloadId,
      int revision,
      int sequence,
      String type,
      WorkloadStatus status,
      String nodeId,
      String message,
      Map<String, Object> data,
      Instant at) {
    return insert(workloadId, revision, sequence, null, type, status, nodeId, message, data, at);
  }

  /**
   * Appends an event of a decision made outside the workflow, keyed by {@code dedupKey}.
   *
   * @return true when a row was appended, false when this (workload, dedup key) exists
   */
  boolean appendKeyed(
      UUID workloadId,
      int revision,
      String dedupKey,
      String type,
      WorkloadStatus status,
      String nodeId,
      String message,
      Map<String, Object> data,
      Instant at) {
    return insert(workloadId, revision, null, dedupKey, type, status, nodeId, message, data, at);
  }

  private boolean insert(
      UUID workloadId,
      int revision,
      Integer sequence,
      String dedupKey,
      String type,
      WorkloadStatus status,
      String nodeId,
      String message,
      Map<String, Object> data,
      Instant at) {
    return jdbc.update(
            "insert into workload_events (workload_id, revision, sequence, dedup_key, type,"
                + " status, node_id, message, data, created_at)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, coalesce(?, clock_timestamp()))"
                // Either key (sequence or dedup key) already there: a retry, nothing to add.
                + " on conflict do nothing",
            workloadId,
            revision,
            sequence,
            dedupKey,
            type,
            status == null ? null : status.name(),
            nodeId,
            message,
            json(data),
            at == null ? null : Timestamp.from(at))
        == 1;
  }

  String json(Object value) {
    try {
      return mapper.writeValueAsString(value == null ? Map.of() : value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serialisable as JSON: " + e.getMessage(), e);
    }
  }
}
