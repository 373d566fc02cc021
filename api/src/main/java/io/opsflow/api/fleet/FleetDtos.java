package io.opsflow.api.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the fleet dashboard reads (seed 003 flow 2, vpn-dashboard's queries to HC). */
public final class FleetDtos {

  private FleetDtos() {}

  /**
   * The health check's view of one endpoint; all null but {@code status} before its first probe.
   *
   * @param status unknown, online, degraded or offline
   * @param probe icmp or tcp:&lt;port&gt; when set for this endpoint; null: the deployment default
   * @param recentProbes the last probes, oldest first ('1' answered, '0' did not)
   * @param monitoring a monitor is watching it
   * @param stopReason why monitoring ended (released, stopped by an operator)
   */
  public record Connectivity(
      String status,
      Instant lastPingSuccess,
      Double rttMs,
      Instant lastChecked,
      String lastError,
      int consecutiveFailures,
      String recentProbes,
      String probe,
      boolean monitoring,
      String stopReason) {}

  /**
   * @param ipAddress overlay address
   * @param role primary or fts
   * @param releasedAt set when released (no longer monitored)
   */
  public record Endpoint(
      long id, String ipAddress, String role, Instant releasedAt, Connectivity connectivity) {}

  /** Position and quality of the last GPS fix (GLOBAL_POSITION_INT, GPS_RAW_INT). */
  public record GpsFix(
      Instant at,
      Double latitude,
      Double longitude,
      Double altitudeM,
      Double relativeAltitudeM,
      Integer fixType,
      Integer satellitesVisible) {}

  /**
   * @param at when the newest system message arrived
   * @param messages each MAVLink system message name to its newest fields
   */
  public record SystemStatus(Instant at, Map<String, Map<String, String>> messages) {}

  /** The latest telemetry of a device; null parts were never reported. */
  public record TelemetrySnapshot(
      Instant firstTelemetryAt,
      Instant lastTelemetryAt,
      long lastRecordId,
      GpsFix gps,
      SystemStatus system) {}

  /**
   * @param at first contact time
   * @param via telemetry or ping
   */
  public record FirstContact(Instant at, String via) {}

  /**
   * One device with everything the dashboard shows of it.
   *
   * @param deviceType drone, pilot_laptop or fts
   * @param role primary or fts
   * @param status onboarding status of the device
   * @param connectivity the best status among its live endpoints (online &gt; degraded &gt; offline
   *     &gt; unknown), unknown without any
   * @param telemetry latest telemetry, null before any
   */
  public record Device(
      long id,
      long tenantId,
      String tenant,
      String name,
      String deviceType,
      String role,
      String status,
      String connectivity,
      List<Endpoint> endpoints,
      TelemetrySnapshot telemetry,
      FirstContact firstContact) {}

  /**
   * A tenant's fleet.
   *
   * @param connectivity number of devices per connectivity status
   */
  public record Fleet(
      long tenantId,
      String tenant,
      String meshCidr,
      Map<String, Long> connectivity,
      List<Device> devices) {}

  /** One stored syslog message. */
  public record TelemetryRecord(
      long id,
      Instant receivedAt,
      String sourceIp,
      Long deviceId,
      String transport,
      String format,
      Integer facility,
      Integer severity,
      String hostname,
      String appName,
      String procId,
      String msgId,
      Instant onboardTime,
      JsonNode structuredData,
      String message,
      String raw) {}

  /**
   * @param nextAfter pass as {@code after} for the next page (or to poll for newer records)
   * @param hasMore whether more records follow this page
   */
  public record TelemetryPage(List<TelemetryRecord> items, long nextAfter, boolean hasMore) {}

  /** A source address that sent telemetry but is no live endpoint of exactly one device. */
  public record UnknownSource(
      String sourceIp, long records, Instant firstSeen, Instant lastSeen, long lastRecordId) {}

  /** A status change of an endpoint. */
  public record Transition(
      long id, Instant at, String fromStatus, String toStatus, Double rttMs, String reason) {}

  /** Transitions newest first, before an id cursor. */
  public record TransitionPage(List<Transition> items, long nextBefore, boolean hasMore) {}

  /**
   * @param workflowId connectivity-&lt;endpoint id&gt;
   * @param started false when it was running already
   */
  public record MonitoringStarted(String workflowId, boolean started) {}

  /** Why an operator stops a monitor. */
  public record StopMonitoringBody(String reason) {}
}
