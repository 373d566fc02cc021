package io.opsflow.session;

import io.temporal.activity.ActivityInterface;
import java.util.Map;

/**
 * Messages to a PC agent. Runs on {@code agents-<instance>}, the queue of the API process that
 * holds the agent's WebSocket, so the message goes out on that very socket.
 */
@ActivityInterface(namePrefix = "Agent")
public interface AgentActivities {

  /** Sends the message; false when the agent is not connected to this process. */
  boolean deliver(AgentMessage message);

  /**
   * @param type protocol message type, e.g. session_start
   * @param fields the message's other top-level fields
   */
  record AgentMessage(long stationId, String type, Map<String, Object> fields) {}
}
