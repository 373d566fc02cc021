package io.opsflow.session.db;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An append-only event (session_started, station_status, build_status, job_status, ...). */
@Entity
@Table(name = "events")
public class EventRow {

  @Id private Long id;

  private String type;

  @Column(name = "station_id")
  private Long stationId;

  @Column(name = "session_id")
  private Long sessionId;

  @Column(name = "build_id")
  private Long buildId;

  /** JSON object. */
  private String data;

  @Column(name = "created_at")
  private Instant createdAt;

  protected EventRow() {}

  public Long getId() {
    return id;
  }

  public String getType() {
    return type;
  }

  public Long getStationId() {
    return stationId;
  }

  public Long getSessionId() {
    return sessionId;
  }

  public Long getBuildId() {
    return buildId;
  }

  public String getData() {
    return data;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }
}
