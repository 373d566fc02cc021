package io.opsflow.api.agent;

import io.opsflow.session.AgentActivities;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Runs on this process's agents queue, so the message leaves on the socket held here. */
@Component("agentActivitiesImpl")
public class AgentActivitiesImpl implements AgentActivities {

  private final AgentConnections connections;

  public AgentActivitiesImpl(AgentConnections connections) {
    this.connections = connections;
  }

  @Override
  public boolean deliver(AgentMessage message) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", message.type());
    json.putAll(message.fields());
    return connections.send(message.stationId(), json);
  }
}
