package io.opsflow.api.agent;

import io.opsflow.api.station.AgentTokens;
import io.opsflow.session.db.Station;
import io.opsflow.session.db.StationRepository;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * Checks {@code /ws/agent/{station_id}} before the upgrade: 404 for an unknown station, 401 for a
 * missing or wrong bearer token (diagram 5).
 */
@Component
public class AgentHandshake implements HandshakeInterceptor {

  static final String STATION_ID = "stationId";

  private final StationRepository stations;

  public AgentHandshake(StationRepository stations) {
    this.stations = stations;
  }

  @Override
  public boolean beforeHandshake(
      ServerHttpRequest request,
      ServerHttpResponse response,
      WebSocketHandler handler,
      Map<String, Object> attributes) {
    String path = request.getURI().getPath();
    long stationId;
    try {
      stationId = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
    } catch (NumberFormatException e) {
      response.setStatusCode(HttpStatus.NOT_FOUND);
      return false;
    }
    Optional<Station> station = stations.findById(stationId);
    if (station.isEmpty()) {
      response.setStatusCode(HttpStatus.NOT_FOUND);
      return false;
    }
    List<String> auth = request.getHeaders().getOrEmpty("Authorization");
    String token =
        auth.isEmpty() || !auth.get(0).startsWith("Bearer ") ? null : auth.get(0).substring(7);
    if (!AgentTokens.matches(token, station.get().getAgentTokenHash())) {
      response.setStatusCode(HttpStatus.UNAUTHORIZED);
      return false;
    }
    attributes.put(STATION_ID, stationId);
    return true;
  }

  @Override
  public void afterHandshake(
      ServerHttpRequest request,
      ServerHttpResponse response,
      WebSocketHandler handler,
      Exception exception) {}
}
