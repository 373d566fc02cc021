package io.opsflow.api.pass;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.pass.PassDtos.PassState;
import io.opsflow.api.pass.PassDtos.PassView;
import io.opsflow.pass.ExecutorHandle;
import io.opsflow.pass.NodeState;
import io.opsflow.pass.PassStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A pass's state: its workflow's query while the pass is not over, else the stored row with the
 * report's node states. The database answers too when the workflow does not (no worker, or the pass
 * reserved before workflows ran passes), so the route never hangs and serves ended passes after
 * their executor and workflow are gone.
 */
@Component
public class PassStates {

  private final Passes passes;
  private final PassWorkflows workflows;
  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public PassStates(
      Passes passes, PassWorkflows workflows, JdbcTemplate jdbc, ObjectMapper mapper) {
    this.passes = passes;
    this.workflows = workflows;
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  public PassState of(long id) {
    PassView row = passes.require(id);
    if (!isFinal(row.status())) {
      Optional<io.opsflow.pass.PassView> live = workflows.state(id);
      if (live.isPresent()) {
        return PassState.of(live.get());
      }
    }
    return stored(row);
  }

  static boolean isFinal(String status) {
    PassStatus s = PassStatus.of(status);
    return s == PassStatus.SUCCESS || s == PassStatus.FAILURE || s == PassStatus.CANCELLED;
  }

  private PassState stored(PassView row) {
    ExecutorHandle executor =
        row.executorKind() == null
            ? null
            : new ExecutorHandle(
                row.id(),
                row.executorKind(),
                row.executorId(),
                row.executorName(),
                row.startedAt());
    return new PassState(
        row.id(),
        "database",
        row.status(),
        row.phase(),
        row.aos(),
        row.los(),
        row.leadTimeSeconds(),
        row.version(),
        executor,
        null,
        false,
        row.procedure(),
        reportedNodes(row.id()),
        row.failureReason());
  }

  /** The nodes' final states as the report stored them (snake_case, or camelCase from a peer). */
  private List<NodeState> reportedNodes(long id) {
    List<String> reports =
        jdbc.queryForList(
            "select report::text from pass_reports where pass_id = ?", String.class, id);
    if (reports.isEmpty()) {
      return List.of();
    }
    List<NodeState> nodes = new ArrayList<>();
    try {
      for (JsonNode n : mapper.readTree(reports.get(0)).path("nodes")) {
        nodes.add(
            new NodeState(
                text(n, "node_id", "nodeId"),
                text(n, "status", "status"),
                n.path(has(n, "skip_requested") ? "skip_requested" : "skipRequested").asBoolean(),
                n.path("runs").asInt(),
                text(n, "detail", "detail"),
                time(text(n, "started_at", "startedAt")),
                time(text(n, "ended_at", "endedAt"))));
      }
    } catch (Exception unreadable) {
      // A report this API cannot read still leaves the row's state to answer with.
      return List.of();
    }
    return nodes;
  }

  private static boolean has(JsonNode n, String field) {
    return n.hasNonNull(field);
  }

  private static String text(JsonNode n, String snake, String camel) {
    JsonNode v = n.hasNonNull(snake) ? n.get(snake) : n.get(camel);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Instant time(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      // Jackson may write instants as epoch seconds with a fraction.
      try {
        java.math.BigDecimal seconds = new java.math.BigDecimal(text);
        return Instant.ofEpochSecond(
            seconds.longValue(),
            seconds.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
      } catch (RuntimeException notANumber) {
        return null;
      }
    }
  }
}
