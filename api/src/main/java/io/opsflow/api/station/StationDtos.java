package io.opsflow.api.station;

import io.opsflow.session.StationType;
import io.opsflow.session.db.Station;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;

/** Station requests and responses (snake_case on the wire). */
public final class StationDtos {

  private StationDtos() {}

  /**
   * @param plugUrl Shelly plug base URL (consoles)
   * @param consoleMac MAC the router blocks (consoles with router control)
   * @param consoleIp console IP for the router's timed allow entry (optional fail-safe)
   */
  public record CreateStation(
      @NotBlank @Size(max = 100) String name,
      @NotNull StationType type,
      @DecimalMin("0.00") @Digits(integer = 8, fraction = 2) BigDecimal hourlyRate,
      @Pattern(regexp = "https?://[^\\s]+", message = "must be an http(s) URL") String plugUrl,
      @Pattern(
              regexp = "([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}",
              message = "must be a MAC address like AA:BB:CC:DD:EE:FF")
          String consoleMac,
      @Pattern(
              regexp = "(\\d{1,3}\\.){3}\\d{1,3}",
              message = "must be an IPv4 address like 192.168.30.21")
          String consoleIp) {}

  public record StationView(
      long id,
      String name,
      StationType type,
      Station.Status status,
      BigDecimal hourlyRate,
      String plugUrl,
      String consoleMac,
      String consoleIp,
      String agentVersion,
      String agentOs,
      String specs,
      Instant lastHeartbeatAt,
      boolean agentConnected,
      Instant createdAt) {

    public static StationView of(Station s) {
      return new StationView(
          s.getId(),
          s.getName(),
          s.getType(),
          s.getStatus(),
          s.getHourlyRate(),
          s.getPlugUrl(),
          s.getConsoleMac(),
          s.getConsoleIp(),
          s.getAgentVersion(),
          s.getAgentOs(),
          s.getSpecs(),
          s.getLastHeartbeatAt(),
          s.getAgentQueue() != null,
          s.getCreatedAt());
    }
  }

  /** Creation answer: the agent token is shown here once and never again. */
  public record CreatedStation(StationView station, String agentToken) {}
}
