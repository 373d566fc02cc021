package io.opsflow.api.pass;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.pass.PassDtos.ActionPage;
import io.opsflow.api.pass.PassDtos.PassAction;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code scheduled_pass_actions} log: accepted actions are written by the pass workflow, keyed
 * by the update's id; a rejected update never reaches the workflow's history, so the API writes it
 * here, under the same key, with the reason.
 */
@Component
public class PassActions {

  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  public PassActions(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /** Records a refused action once per key, however often it is retried. */
  void rejected(
      long passId,
      String operator,
      String kind,
      String nodeId,
      Object payload,
      String reason,
      String actionKey) {
    jdbc.update(
        "insert into scheduled_pass_actions"
            + " (pass_id, operator, kind, node_id, payload, outcome, rejection_reason, action_key)"
            + " values (?, ?, ?, ?, ?::jsonb, 'rejected', ?, ?)"
            + " on conflict (pass_id, action_key) do nothing",
        passId,
        operator,
        kind,
        nodeId,
        json(payload),
        reason == null || reason.isBlank() ? "refused" : reason,
        actionKey);
  }

  /** The pass's actions with ids above {@code after}, oldest first. */
  ActionPage page(long passId, long after, int limit) {
    List<PassAction> rows =
        jdbc.query(
            "select * from scheduled_pass_actions where pass_id = ? and id > ? order by id limit ?",
            this::row,
            passId,
            after,
            limit + 1);
    boolean more = rows.size() > limit;
    List<PassAction> items = more ? rows.subList(0, limit) : rows;
    return new ActionPage(
        List.copyOf(items), items.isEmpty() ? after : items.get(items.size() - 1).id(), more);
  }

  private String json(Object value) {
    try {
      return mapper.writeValueAsString(value == null ? Map.of() : value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value, e);
    }
  }

  private PassAction row(ResultSet rs, int n) throws SQLException {
    Map<String, Object> payload;
    try {
      payload = mapper.readValue(rs.getString("payload"), OBJECT);
    } catch (JsonProcessingException e) {
      payload = Map.of("unreadable", rs.getString("payload"));
    }
    return new PassAction(
        rs.getLong("id"),
        rs.getLong("pass_id"),
        rs.getString("operator"),
        rs.getTimestamp("at").toInstant(),
        rs.getString("kind"),
        rs.getString("node_id"),
        payload,
        rs.getString("outcome"),
        rs.getString("rejection_reason"));
  }
}
