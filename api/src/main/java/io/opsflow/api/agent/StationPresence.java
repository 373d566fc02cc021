package io.opsflow.api.agent;

import io.opsflow.events.EventLog;
import io.opsflow.session.db.Station;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Station presence as its agent reports it (diagrams 5 and 9): ONLINE on connect, OFFLINE when the
 * socket closes or heartbeats stop, MAINTENANCE on request; each change is an event on the admin
 * stream. Presence is not workflow state, so the API process writes it directly.
 */
@Component
public class StationPresence {

  private final JdbcTemplate jdbc;
  private final EventLog events;

  public StationPresence(JdbcTemplate jdbc, EventLog events) {
    this.jdbc = jdbc;
    this.events = events;
  }

  @Transactional
  public void connected(long stationId, String agentQueue) {
    jdbc.update(
        "update stations set agent_queue = ?, last_heartbeat_at = now(),"
            + " status = case when status = 'MAINTENANCE' then status else 'ONLINE' end"
            + " where id = ?",
        agentQueue,
        stationId);
    statusEvent(stationId, currentStatus(stationId), "agent connected");
  }

  @Transactional
  public void disconnected(long stationId, String reason) {
    jdbc.update(
        "update stations set agent_queue = null, status = 'OFFLINE' where id = ?", stationId);
    statusEvent(stationId, Station.Status.OFFLINE.name(), reason);
  }

  public void hello(long stationId, String version, String os, String specsJson) {
    jdbc.update(
        "update stations set agent_version = ?, agent_os = ?, specs = ?, last_heartbeat_at = now()"
            + " where id = ?",
        version,
        os,
        specsJson,
        stationId);
  }

  public void heartbeat(long stationId) {
    jdbc.update("update stations set last_heartbeat_at = now() where id = ?", stationId);
  }

  @Transactional
  public void statusChange(long stationId, Station.Status status) {
    jdbc.update("update stations set status = ? where id = ?", status.name(), stationId);
    statusEvent(stationId, status.name(), "agent status_change");
  }

  private String currentStatus(long stationId) {
    return jdbc.queryForObject("select status from stations where id = ?", String.class, stationId);
  }

  private void statusEvent(long stationId, String status, String reason) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("status", status);
    data.put("reason", reason);
    events.append("station_status", stationId, null, data, null);
  }
}
