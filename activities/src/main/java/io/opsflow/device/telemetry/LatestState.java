package io.opsflow.device.telemetry;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What one batch of records says about one device's latest state (newest record wins). */
final class LatestState {

  final long deviceId;
  Instant firstAt;
  Instant lastAt;
  long lastRecordId;
  Instant gpsAt;
  Long gpsRecordId;
  Double latitude;
  Double longitude;
  Double altitude;
  Double relativeAltitude;
  Integer fixType;
  Integer satellites;
  Instant systemAt;
  Long systemRecordId;
  final Map<String, Map<String, String>> system = new LinkedHashMap<>();

  LatestState(long deviceId) {
    this.deviceId = deviceId;
  }

  /** Adds a record; records come in id order. */
  void add(long recordId, Instant receivedAt, SyslogMessage m) {
    if (firstAt == null) {
      firstAt = receivedAt;
    }
    lastAt = receivedAt;
    lastRecordId = recordId;
    Map<String, String> fields = MavlinkConvention.fields(m);
    if (fields == null) {
      return;
    }
    String name = m.msgId();
    if (MavlinkConvention.GLOBAL_POSITION_INT.equals(name)) {
      Double lat = MavlinkConvention.number(fields, "lat");
      Double lon = MavlinkConvention.number(fields, "lon");
      if (lat == null || lon == null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
        return; // no position without both coordinates
      }
      gps(recordId, receivedAt);
      latitude = lat;
      longitude = lon;
      altitude = MavlinkConvention.number(fields, "alt");
      relativeAltitude = MavlinkConvention.number(fields, "relative_alt");
    } else if (MavlinkConvention.GPS_RAW_INT.equals(name)) {
      Integer fix = MavlinkConvention.integer(fields, "fix_type");
      Integer visible = MavlinkConvention.integer(fields, "satellites_visible");
      if (fix == null && visible == null) {
        return;
      }
      gps(recordId, receivedAt);
      if (fix != null) {
        fixType = fix;
      }
      if (visible != null) {
        satellites = visible;
      }
    } else if (MavlinkConvention.SYSTEM.contains(name)) {
      systemAt = receivedAt;
      systemRecordId = recordId;
      Map<String, String> kept = new LinkedHashMap<>(fields);
      kept.put("received_at", receivedAt.toString());
      if (m.timestamp() != null) {
        kept.put("onboard_time", m.timestamp().toString());
      }
      system.put(name, kept);
    }
  }

  private void gps(long recordId, Instant receivedAt) {
    gpsAt = receivedAt;
    gpsRecordId = recordId;
  }
}
