package io.opsflow.flight;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds telemetry points the way the forwarder's fields look, with ids in order. */
final class Telemetry {

  static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  static final double LAT0 = 47.0;
  static final double LON0 = 8.0;

  private final List<TelemetryPoint> points = new ArrayList<>();
  private long nextId = 1;
  private Duration latency = Duration.ofMillis(40);

  static Instant at(double seconds) {
    return T0.plusNanos(Math.round(seconds * 1e9));
  }

  List<TelemetryPoint> points() {
    return List.copyOf(points);
  }

  Telemetry latency(Duration latency) {
    this.latency = latency;
    return this;
  }

  Telemetry add(double seconds, String msgId, Map<String, String> fields) {
    Instant time = at(seconds);
    points.add(new TelemetryPoint(nextId++, time, time.plus(latency), msgId, fields));
    return this;
  }

  Telemetry heartbeat(double seconds, boolean armed) {
    return add(
        seconds,
        "HEARTBEAT",
        fields(
            "type", "1", "autopilot", "3", "base_mode", armed ? "217" : "89", "custom_mode", "10"));
  }

  Telemetry gcsHeartbeat(double seconds, boolean armedBit) {
    return add(
        seconds,
        "HEARTBEAT",
        fields("type", "6", "autopilot", "8", "base_mode", armedBit ? "128" : "0"));
  }

  /** A position {@code north} metres north of the start point. */
  Telemetry position(double seconds, double relAlt, double north, double vx, double vz) {
    double lat = LAT0 + north / 111_194.9;
    return add(
        seconds,
        "GLOBAL_POSITION_INT",
        fields(
            "lat", Double.toString(lat),
            "lon", Double.toString(LON0),
            "alt", Double.toString(400 + relAlt),
            "relative_alt", Double.toString(relAlt),
            "vx", Double.toString(vx),
            "vy", "0",
            "vz", Double.toString(vz)));
  }

  /** Ground samples every second from {@code from} to {@code to} inclusive. */
  Telemetry ground(double from, double to) {
    return ground(from, to, 0);
  }

  /** Ground samples every second, {@code north} metres north of the start point. */
  Telemetry ground(double from, double to, double north) {
    for (double s = from; s <= to; s += 1) {
      position(s, 0, north, 0, 0);
    }
    return this;
  }

  Telemetry gps(double seconds, int fix, int satellites) {
    return add(
        seconds,
        "GPS_RAW_INT",
        fields(
            "fix_type", Integer.toString(fix), "satellites_visible", Integer.toString(satellites)));
  }

  Telemetry text(double seconds, int severity, String text) {
    return add(seconds, "STATUSTEXT", fields("severity", Integer.toString(severity), "text", text));
  }

  Telemetry temperature(double seconds, double celsius) {
    return add(seconds, "SCALED_PRESSURE", fields("temperature", Double.toString(celsius)));
  }

  Telemetry battery(double seconds, double remaining, double amps) {
    return add(
        seconds,
        "SYS_STATUS",
        fields(
            "battery_remaining",
            Double.toString(remaining),
            "current_battery",
            Double.toString(amps),
            "voltage_battery",
            "12.1"));
  }

  static Map<String, String> fields(String... keyValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.put(keyValues[i], keyValues[i + 1]);
    }
    return map;
  }

  static FlightHistory classify(List<TelemetryPoint> points) {
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    classifier.accept(points);
    return classifier.history();
  }
}
