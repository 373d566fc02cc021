package io.opsflow.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Appends to {@code workload_events}, the append-only history of a workload. Rows keyed by
 * (workload, revision, sequence) are written once however often the caller retries; rows without a
 * sequence are written by the store itself under the workload's row lock.
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
      Integer sequence,
      String type,
      WorkloadStatus status,
      String nodeId,
      String message,
      Map<String, Object> data,
      Instant at) {
    return jdbc.update(
            "insert into workload_events (workload_id, revision, sequence, type, status, node_id,"
                + " message, data, created_at)"
                + " values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, coalesce(?, clock_timestamp()))"
                + " on conflict (workload_id, revision, sequence) do nothing",
            workloadId,
            revision,
            sequence,
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
