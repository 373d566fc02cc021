package io.opsflow.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opsflow.session.db.EventRepository;
import io.opsflow.session.db.EventRow;
import java.util.List;
import org.springframework.data.domain.PageRequest;
import org.springframework.stereotype.Component;

/** Events rows as the same JSON the live feed carries. */
@Component
public class EventQueries {

  private final EventRepository events;
  private final ObjectMapper mapper;

  public EventQueries(EventRepository events, ObjectMapper mapper) {
    this.events = events;
    this.mapper = mapper;
  }

  public JsonNode byId(long id) {
    return events.findById(id).map(this::json).orElse(null);
  }

  public List<JsonNode> after(long afterId, int limit) {
    return events.findByIdGreaterThanOrderByIdAsc(afterId, PageRequest.of(0, limit)).stream()
        .map(this::json)
        .toList();
  }

  public List<JsonNode> latest(int limit) {
    return events.findAllByOrderByIdDesc(PageRequest.of(0, limit)).stream()
        .map(this::json)
        .toList();
  }

  public List<JsonNode> ofSession(long sessionId) {
    return events.findBySessionIdOrderByIdAsc(sessionId).stream().map(this::json).toList();
  }

  public List<JsonNode> ofBuild(long buildId) {
    return events.findByBuildIdOrderByIdAsc(buildId).stream().map(this::json).toList();
  }

  JsonNode json(EventRow row) {
    ObjectNode node = mapper.createObjectNode();
    node.put("id", row.getId());
    node.put("type", row.getType());
    if (row.getStationId() == null) {
      node.putNull("station_id");
    } else {
      node.put("station_id", row.getStationId());
    }
    if (row.getSessionId() == null) {
      node.putNull("session_id");
    } else {
      node.put("session_id", row.getSessionId());
    }
    if (row.getBuildId() != null) {
      node.put("build_id", row.getBuildId());
    }
    try {
      node.set("data", mapper.readTree(row.getData()));
    } catch (Exception e) {
      node.put("data", row.getData());
    }
    node.put("created_at", row.getCreatedAt().toString());
    return node;
  }
}
