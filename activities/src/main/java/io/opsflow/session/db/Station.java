package io.opsflow.session.db;

import io.opsflow.session.StationType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;

/** A PC (with an agent) or a console (with a plug and/or router control) at the venue. */
@Entity
@Table(name = "stations")
public class Station {

  /** Presence of a station as operators see it. */
  public enum Status {
    ONLINE,
    OFFLINE,
    MAINTENANCE
  }

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  private String name;

  @Enumerated(EnumType.STRING)
  private StationType type;

  @Enumerated(EnumType.STRING)
  private Status status = Status.OFFLINE;

  @Column(name = "hourly_rate")
  private BigDecimal hourlyRate;

  @Column(name = "agent_token_hash")
  private String agentTokenHash;

  @Column(name = "agent_queue")
  private String agentQueue;

  @Column(name = "agent_version")
  private String agentVersion;

  @Column(name = "agent_os")
  private String agentOs;

  private String specs;

  @Column(name = "last_heartbeat_at")
  private Instant lastHeartbeatAt;

  @Column(name = "plug_url")
  private String plugUrl;

  @Column(name = "console_mac")
  private String consoleMac;

  @Column(name = "console_ip")
  private String consoleIp;

  @Column(name = "created_at", insertable = false, updatable = false)
  private Instant createdAt;

  protected Station() {}

  public Station(String name, StationType type, BigDecimal hourlyRate) {
    this.name = name;
    this.type = type;
    this.hourlyRate = hourlyRate;
  }

  public Long getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public StationType getType() {
    return type;
  }

  public Status getStatus() {
    return status;
  }

  public BigDecimal getHourlyRate() {
    return hourlyRate;
  }

  public String getAgentTokenHash() {
    return agentTokenHash;
  }

  public void setAgentTokenHash(String agentTokenHash) {
    this.agentTokenHash = agentTokenHash;
  }

  public String getAgentQueue() {
    return agentQueue;
  }

  public String getAgentVersion() {
    return agentVersion;
  }

  public String getAgentOs() {
    return agentOs;
  }

  public String getSpecs() {
    return specs;
  }

  public Instant getLastHeartbeatAt() {
    return lastHeartbeatAt;
  }

  public String getPlugUrl() {
    return plugUrl;
  }

  public void setPlugUrl(String plugUrl) {
    this.plugUrl = plugUrl;
  }

  public String getConsoleMac() {
    return consoleMac;
  }

  public void setConsoleMac(String consoleMac) {
    this.consoleMac = consoleMac;
  }

  public String getConsoleIp() {
    return consoleIp;
  }

  public void setConsoleIp(String consoleIp) {
    this.consoleIp = consoleIp;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }
}
