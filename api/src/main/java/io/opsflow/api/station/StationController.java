package io.opsflow.api.station;

import io.opsflow.api.agent.AgentConnections;
import io.opsflow.api.station.StationDtos.CreateStation;
import io.opsflow.api.station.StationDtos.CreatedStation;
import io.opsflow.api.station.StationDtos.StationView;
import io.opsflow.api.web.ApiException;
import io.opsflow.devices.DeviceProperties;
import io.opsflow.session.SessionProperties;
import io.opsflow.session.StationType;
import io.opsflow.session.db.Station;
import io.opsflow.session.db.StationRepository;
import jakarta.validation.Valid;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Stations: PCs with an agent, consoles with a Shelly plug and/or router control. */
@RestController
@RequestMapping("/api/v1/stations")
public class StationController {

  private final StationRepository stations;
  private final SessionProperties sessions;
  private final DeviceProperties devices;
  private final AgentConnections agents;

  public StationController(
      StationRepository stations,
      SessionProperties sessions,
      DeviceProperties devices,
      AgentConnections agents) {
    this.stations = stations;
    this.sessions = sessions;
    this.devices = devices;
    this.agents = agents;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  public CreatedStation create(@Valid @RequestBody CreateStation body) {
    if (body.type() == StationType.PC
        && (body.plugUrl() != null || body.consoleMac() != null || body.consoleIp() != null)) {
      String field = body.plugUrl() != null ? "plug_url" : "console_mac";
      throw ApiException.badRequest(field, field + ": only consoles have a plug or router control");
    }
    if (body.type() == StationType.CONSOLE) {
      if (body.plugUrl() == null && body.consoleMac() == null) {
        throw ApiException.badRequest(
            "plug_url", "plug_url or console_mac: a console needs a plug or router control");
      }
      if (body.consoleMac() != null
          && (devices.router().url() == null || devices.router().url().isBlank())) {
        throw ApiException.badRequest(
            "console_mac", "console_mac: no router is configured (opsflow.devices.router.url)");
      }
      if (body.consoleIp() != null && body.consoleMac() == null) {
        throw ApiException.badRequest("console_ip", "console_ip: requires console_mac");
      }
    }
    if (stations.existsByName(body.name())) {
      throw new ApiException(
          HttpStatus.CONFLICT, "name: a station named '" + body.name() + "' exists", "name");
    }
    Station station =
        new Station(
            body.name(),
            body.type(),
            body.hourlyRate() != null ? body.hourlyRate() : sessions.defaultHourlyRate());
    station.setPlugUrl(body.plugUrl());
    station.setConsoleMac(body.consoleMac() == null ? null : body.consoleMac().toUpperCase());
    station.setConsoleIp(body.consoleIp());
    String token = null;
    if (body.type() == StationType.PC) {
      token = AgentTokens.newToken();
      station.setAgentTokenHash(AgentTokens.hash(token));
    }
    Station saved = stations.saveAndFlush(station);
    return new CreatedStation(
        StationView.of(stations.findById(saved.getId()).orElseThrow()), token);
  }

  @GetMapping
  public List<StationView> list() {
    return stations.findAllByOrderByIdAsc().stream().map(StationView::of).toList();
  }

  @GetMapping("/{id}")
  public StationView get(@PathVariable long id) {
    return stations
        .findById(id)
        .map(StationView::of)
        .orElseThrow(() -> ApiException.notFound("Station " + id + " not found"));
  }

  /** A station's new agent token, shown this once. */
  public record IssuedAgentToken(long stationId, String agentToken) {}

  /**
   * A new agent token for a PC, shown once: the previous token stops working at once and the agent
   * connected with it is disconnected.
   */
  @PostMapping("/{id}/agent-token")
  @ResponseStatus(HttpStatus.CREATED)
  public IssuedAgentToken rotateAgentToken(@PathVariable long id) {
    Station station = pc(id);
    String token = AgentTokens.newToken();
    station.setAgentTokenHash(AgentTokens.hash(token));
    stations.saveAndFlush(station);
    agents.disconnect(id, "agent token replaced");
    return new IssuedAgentToken(id, token);
  }

  /** Revokes the PC's agent token: no agent connects until a new one is issued. */
  @DeleteMapping("/{id}/agent-token")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  public void revokeAgentToken(@PathVariable long id) {
    Station station = pc(id);
    station.setAgentTokenHash(null);
    stations.saveAndFlush(station);
    agents.disconnect(id, "agent token revoked");
  }

  private Station pc(long id) {
    Station station =
        stations
            .findById(id)
            .orElseThrow(() -> ApiException.notFound("Station " + id + " not found"));
    if (station.getType() != StationType.PC) {
      throw ApiException.badRequest("id", "id: only a PC station has an agent token");
    }
    return station;
  }
}
