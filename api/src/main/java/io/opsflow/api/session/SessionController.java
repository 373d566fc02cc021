package io.opsflow.api.session;

import io.opsflow.api.session.SessionDtos.ExtendSession;
import io.opsflow.api.session.SessionDtos.SessionResponse;
import io.opsflow.api.session.SessionDtos.StartSession;
import io.opsflow.session.SessionStatus;
import io.opsflow.session.db.SessionRepository;
import jakarta.validation.Valid;
import java.util.List;
import org.springframework.data.domain.PageRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The seed's session routes, plus get and list. */
@RestController
@RequestMapping("/api/v1")
public class SessionController {

  private final SessionService service;
  private final SessionRepository sessions;
  private final JdbcTemplate jdbc;

  public SessionController(SessionService service, SessionRepository sessions, JdbcTemplate jdbc) {
    this.service = service;
    this.sessions = sessions;
    this.jdbc = jdbc;
  }

  /** 201 with the ACTIVE session; 202 with payment_id and client_secret for a card payment. */
  @PostMapping("/sessions/start")
  public ResponseEntity<SessionResponse> start(@Valid @RequestBody StartSession body) {
    SessionResponse session = service.start(body);
    HttpStatus status =
        session.status() == SessionStatus.AWAITING_PAYMENT
            ? HttpStatus.ACCEPTED
            : HttpStatus.CREATED;
    return ResponseEntity.status(status).body(session);
  }

  @PutMapping("/sessions/{id}/extend")
  public SessionResponse extend(@PathVariable long id, @Valid @RequestBody ExtendSession body) {
    return service.extend(id, body);
  }

  @DeleteMapping("/sessions/{id}")
  public SessionResponse stop(@PathVariable long id) {
    return service.stop(id);
  }

  @PostMapping("/payments/{id}/confirm")
  public ResponseEntity<SessionResponse> confirm(@PathVariable long id) {
    return ResponseEntity.status(HttpStatus.CREATED).body(service.confirmPayment(id));
  }

  @GetMapping("/sessions/{id}")
  public SessionResponse get(@PathVariable long id) {
    return service.get(id);
  }

  /** The console's power readings during the session (seed diagram 7: every 60 s). */
  @GetMapping("/sessions/{id}/power")
  public List<PowerReading> power(@PathVariable long id) {
    service.get(id); // 404 for an unknown session
    return jdbc.query(
        "select watts, relay_on, read_at from power_readings where session_id = ? order by read_at",
        (rs, row) ->
            new PowerReading(
                rs.getObject("watts") == null ? null : rs.getDouble("watts"),
                rs.getObject("relay_on") == null ? null : rs.getBoolean("relay_on"),
                rs.getTimestamp("read_at").toInstant()),
        id);
  }

  /** One reading of the console's plug. */
  public record PowerReading(Double watts, Boolean relayOn, java.time.Instant readAt) {}

  @GetMapping("/sessions")
  public List<SessionResponse> list(
      @RequestParam(required = false) SessionStatus status,
      @RequestParam(name = "station_id", required = false) Long stationId,
      @RequestParam(defaultValue = "100") int limit) {
    PageRequest page = PageRequest.of(0, Math.max(1, Math.min(limit, 1000)));
    var rows =
        status != null
            ? sessions.findByStatusInOrderByIdDesc(List.of(status), page)
            : stationId != null
                ? sessions.findByStationIdOrderByIdDesc(stationId, page)
                : sessions.findAllByOrderByIdDesc(page);
    return rows.stream().map(r -> SessionResponse.of(r, null, service.now())).toList();
  }
}
