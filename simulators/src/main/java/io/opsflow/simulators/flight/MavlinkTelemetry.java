package io.opsflow.simulators.flight;

import io.dronefleet.mavlink.common.BatteryStatus;
import io.dronefleet.mavlink.common.ExtendedSysState;
import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.GpsRawInt;
import io.dronefleet.mavlink.common.HomePosition;
import io.dronefleet.mavlink.common.ScaledPressure;
import io.dronefleet.mavlink.common.ScaledPressure2;
import io.dronefleet.mavlink.common.ScaledPressure3;
import io.dronefleet.mavlink.common.Statustext;
import io.dronefleet.mavlink.common.SysStatus;
import io.dronefleet.mavlink.common.VfrHud;
import io.dronefleet.mavlink.minimal.Heartbeat;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns decoded MAVLink messages into the agreed telemetry convention: MSGID = message name,
 * structured data {@code mavlink@32473} = the fields in SI/human units. Units, per message:
 *
 * <ul>
 *   <li>every message: {@code sysid}, {@code compid} (MAVLink sender)
 *   <li>HEARTBEAT: {@code type}, {@code autopilot}, {@code base_mode}, {@code custom_mode}, {@code
 *       system_status} (raw MAVLink enum values), {@code armed} (true/false: base_mode bit
 *       MAV_MODE_FLAG_SAFETY_ARMED, 128)
 *   <li>GLOBAL_POSITION_INT: {@code time_boot_ms} (ms), {@code lat}, {@code lon} (degrees), {@code
 *       alt} (m above mean sea level), {@code relative_alt} (m above home), {@code vx}, {@code vy},
 *       {@code vz} (m/s, NED: vz positive down), {@code hdg} (degrees; absent when unknown)
 *   <li>GPS_RAW_INT: {@code fix_type} (GPS_FIX_TYPE: 3 = 3D), {@code lat}, {@code lon} (degrees),
 *       {@code alt} (m MSL), {@code eph}, {@code epv} (HDOP/VDOP, dimensionless), {@code vel}
 *       (m/s), {@code cog} (degrees), {@code satellites_visible}; unknown values absent
 *   <li>SYS_STATUS: {@code voltage_battery} (V), {@code current_battery} (A), {@code
 *       battery_remaining} (%), {@code load} (%), {@code drop_rate_comm} (%), {@code errors_comm},
 *       {@code sensors_present}, {@code sensors_enabled}, {@code sensors_health} (bitmasks);
 *       unknown values absent
 *   <li>BATTERY_STATUS: {@code id}, {@code temperature} (°C), {@code voltage} (V, sum of cells),
 *       {@code current_battery} (A), {@code current_consumed} (mAh), {@code energy_consumed} (J),
 *       {@code battery_remaining} (%); unknown values absent
 *   <li>SCALED_PRESSURE, SCALED_PRESSURE2, SCALED_PRESSURE3: {@code press_abs}, {@code press_diff}
 *       (hPa), {@code temperature} (°C)
 *   <li>VFR_HUD: {@code airspeed}, {@code groundspeed} (m/s), {@code heading} (degrees), {@code
 *       throttle} (%), {@code alt} (m), {@code climb} (m/s, positive up)
 *   <li>EXTENDED_SYS_STATE: {@code vtol_state}, {@code landed_state} (MAVLink enum values)
 *   <li>HOME_POSITION: {@code lat}, {@code lon} (degrees), {@code alt} (m MSL)
 *   <li>STATUSTEXT: {@code severity} (MAV_SEVERITY 0-7, the syslog scale), {@code text}
 * </ul>
 *
 * Integer-scaled fields convert exactly (decimal point shift); float fields print as Java prints
 * the float, without exponent.
 */
public final class MavlinkTelemetry {

  /** The message kinds the forwarder sends; the others in a log are not telemetry the HC keeps. */
  public static final Set<String> FORWARDED =
      Set.of(
          "HEARTBEAT",
          "GLOBAL_POSITION_INT",
          "GPS_RAW_INT",
          "SYS_STATUS",
          "STATUSTEXT",
          "BATTERY_STATUS",
          "SCALED_PRESSURE",
          "SCALED_PRESSURE2",
          "SCALED_PRESSURE3",
          "VFR_HUD",
          "EXTENDED_SYS_STATE",
          "HOME_POSITION");

  private static final int INFO = 6;
  private static final int ARMED = 128;
  private static final int UINT16_MAX = 0xFFFF;
  private static final int INT16_MAX = Short.MAX_VALUE;

  private MavlinkTelemetry() {}

  /** The telemetry message for {@code record}, empty for message kinds not forwarded. */
  public static Optional<TelemetryMessage> of(TlogRecord record) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("sysid", Integer.toString(record.systemId()));
    p.put("compid", Integer.toString(record.componentId()));
    int severity = INFO;
    String summary;
    switch (record.payload()) {
      case Heartbeat h -> {
        int baseMode = h.baseMode().value();
        p.put("type", Integer.toString(h.type().value()));
        p.put("autopilot", Integer.toString(h.autopilot().value()));
        p.put("base_mode", Integer.toString(baseMode));
        p.put("custom_mode", Long.toString(h.customMode()));
        p.put("system_status", Integer.toString(h.systemStatus().value()));
        p.put("armed", Boolean.toString((baseMode & ARMED) != 0));
        summary = ((baseMode & ARMED) != 0 ? "armed" : "disarmed") + " mode " + h.customMode();
      }
      case GlobalPositionInt g -> {
        p.put("time_boot_ms", Long.toString(g.timeBootMs()));
        p.put("lat", scaled(g.lat(), 7));
        p.put("lon", scaled(g.lon(), 7));
        p.put("alt", scaled(g.alt(), 3));
        p.put("relative_alt", scaled(g.relativeAlt(), 3));
        p.put("vx", scaled(g.vx(), 2));
        p.put("vy", scaled(g.vy(), 2));
        p.put("vz", scaled(g.vz(), 2));
        if (g.hdg() != UINT16_MAX) {
          p.put("hdg", scaled(g.hdg(), 2));
        }
        summary = "position " + p.get("lat") + "," + p.get("lon") + " rel " + p.get("relative_alt");
      }
      case GpsRawInt g -> {
        p.put("fix_type", Integer.toString(g.fixType().value()));
        p.put("lat", scaled(g.lat(), 7));
        p.put("lon", scaled(g.lon(), 7));
        p.put("alt", scaled(g.alt(), 3));
        putUnless(p, "eph", g.eph(), UINT16_MAX, 2);
        putUnless(p, "epv", g.epv(), UINT16_MAX, 2);
        putUnless(p, "vel", g.vel(), UINT16_MAX, 2);
        putUnless(p, "cog", g.cog(), UINT16_MAX, 2);
        putUnless(p, "satellites_visible", g.satellitesVisible(), 255, 0);
        summary = "gps fix " + g.fixType().value() + " sats " + g.satellitesVisible();
      }
      case SysStatus s -> {
        putUnless(p, "voltage_battery", s.voltageBattery(), UINT16_MAX, 3);
        putUnless(p, "current_battery", s.currentBattery(), -1, 2);
        putUnless(p, "battery_remaining", s.batteryRemaining(), -1, 0);
        p.put("load", scaled(s.load(), 1));
        putUnless(p, "drop_rate_comm", s.dropRateComm(), UINT16_MAX, 2);
        p.put("errors_comm", Integer.toString(s.errorsComm()));
        p.put("sensors_present", Integer.toString(s.onboardControlSensorsPresent().value()));
        p.put("sensors_enabled", Integer.toString(s.onboardControlSensorsEnabled().value()));
        p.put("sensors_health", Integer.toString(s.onboardControlSensorsHealth().value()));
        summary = "system load " + p.get("load") + "%";
      }
      case BatteryStatus b -> {
        p.put("id", Integer.toString(b.id()));
        putUnless(p, "temperature", b.temperature(), INT16_MAX, 2);
        long millivolts = 0;
        boolean anyCell = false;
        for (Integer cell : b.voltages()) {
          if (cell != null && cell != UINT16_MAX) {
            millivolts += cell;
            anyCell = true;
          }
        }
        if (anyCell) {
          p.put("voltage", scaled(millivolts, 3));
        }
        putUnless(p, "current_battery", b.currentBattery(), -1, 2);
        putUnless(p, "current_consumed", b.currentConsumed(), -1, 0);
        if (b.energyConsumed() != -1) {
          p.put("energy_consumed", Long.toString(b.energyConsumed() * 100L));
        }
        putUnless(p, "battery_remaining", b.batteryRemaining(), -1, 0);
        summary = "battery " + p.getOrDefault("battery_remaining", "?") + "%";
      }
      case ScaledPressure s -> summary = pressure(p, s.pressAbs(), s.pressDiff(), s.temperature());
      case ScaledPressure2 s -> summary = pressure(p, s.pressAbs(), s.pressDiff(), s.temperature());
      case ScaledPressure3 s -> summary = pressure(p, s.pressAbs(), s.pressDiff(), s.temperature());
      case VfrHud v -> {
        p.put("airspeed", decimal(v.airspeed()));
        p.put("groundspeed", decimal(v.groundspeed()));
        p.put("heading", Integer.toString(v.heading()));
        p.put("throttle", Integer.toString(v.throttle()));
        p.put("alt", decimal(v.alt()));
        p.put("climb", decimal(v.climb()));
        summary = "groundspeed " + v.groundspeed() + " climb " + v.climb();
      }
      case ExtendedSysState e -> {
        p.put("vtol_state", Integer.toString(e.vtolState().value()));
        p.put("landed_state", Integer.toString(e.landedState().value()));
        summary = "landed state " + e.landedState().value();
      }
      case HomePosition h -> {
        p.put("lat", scaled(h.latitude(), 7));
        p.put("lon", scaled(h.longitude(), 7));
        p.put("alt", scaled(h.altitude(), 3));
        summary = "home " + p.get("lat") + "," + p.get("lon");
      }
      case Statustext s -> {
        severity = Math.max(0, Math.min(7, s.severity().value()));
        p.put("severity", Integer.toString(severity));
        p.put("text", s.text());
        summary = s.text();
      }
      default -> {
        return Optional.empty();
      }
    }
    return Optional.of(new TelemetryMessage(record.time(), record.name(), severity, p, summary));
  }

  private static String pressure(Map<String, String> p, float abs, float diff, int centiDeg) {
    p.put("press_abs", decimal(abs));
    p.put("press_diff", decimal(diff));
    p.put("temperature", scaled(centiDeg, 2));
    return "temperature " + p.get("temperature") + " C";
  }

  private static void putUnless(
      Map<String, String> p, String name, long raw, long unknown, int decimals) {
    if (raw != unknown) {
      p.put(name, scaled(raw, decimals));
    }
  }

  /** A float as Java prints it, but without exponent: 2.4414062E-6 is 0.0000024414062. */
  static String decimal(float value) {
    if (!Float.isFinite(value)) {
      return Float.toString(value);
    }
    return new BigDecimal(Float.toString(value)).stripTrailingZeros().toPlainString();
  }

  /** {@code raw / 10^decimals}, exact, without exponent or trailing zeros. */
  static String scaled(long raw, int decimals) {
    BigDecimal value = BigDecimal.valueOf(raw).movePointLeft(decimals).stripTrailingZeros();
    return value.scale() < 0 ? value.setScale(0).toPlainString() : value.toPlainString();
  }
}
