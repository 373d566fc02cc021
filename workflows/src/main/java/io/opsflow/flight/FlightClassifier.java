package io.opsflow.flight;

import io.opsflow.flight.FlightClassifierState.Bucket;
import io.opsflow.flight.FlightClassifierState.Condition;
import io.opsflow.flight.FlightClassifierState.FlightAcc;
import io.opsflow.flight.FlightClassifierState.IncidentAcc;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Classifies a device's telemetry into flights, incidents and 5-minute metric buckets,
 * incrementally: feed points in id order, in chunks of any size, and {@link #history()} is the same
 * as after feeding them all at once; a point whose id is not above the last one is a duplicate and
 * is skipped. All it remembers is its {@link FlightClassifierState}, which survives serialisation,
 * so a workflow keeps it across continue-as-new. Pure and deterministic: no clock, no I/O.
 *
 * <p>Flights: the vehicle must be armed (autopilot HEARTBEAT base_mode MAV_MODE_FLAG_SAFETY_ARMED);
 * it takes off when, on GLOBAL_POSITION_INT, relative altitude, climb rate or ground speed stays
 * above the takeoff thresholds for the takeoff time, and lands when altitude, vertical and ground
 * speed all stay below the (lower) landing thresholds for the landing time, or at once on disarm.
 * Incidents: see {@link IncidentKind}. Onboard times order and measure everything; a point older
 * than one already classified counts in its metric bucket but not in the state machines.
 */
public final class FlightClassifier {

  private static final long MICROS_PER_SECOND = 1_000_000L;
  private static final int ARMED_FLAG = 128;
  private static final int MAV_TYPE_GCS = 6;
  private static final int MAV_AUTOPILOT_INVALID = 8;
  private static final int GPS_FIX_3D = 3;
  private static final double EARTH_RADIUS_METRES = 6_371_008.8;

  private final FlightClassifierConfig config;
  private final FlightClassifierState state;
  private final List<CompiledRule> rules;
  private final long bucketMicros;
  private final long metricGapMicros;
  private final long linkDropMicros;
  // the window the last point fell in: most points fall in the same one (a cache, not state)
  private long cachedBucketStart = Long.MIN_VALUE;
  private Bucket cachedBucket;

  private record CompiledRule(Pattern pattern, FlightClassifierConfig.TextRule rule) {}

  /** A classifier that has seen nothing. */
  public FlightClassifier(FlightClassifierConfig config) {
    this(config, new FlightClassifierState());
  }

  /** A classifier that goes on from {@code state} (as returned by {@link #state()}). */
  public FlightClassifier(FlightClassifierConfig config, FlightClassifierState state) {
    this.config = config;
    this.state = state;
    this.rules =
        config.textRules().stream()
            .map(r -> new CompiledRule(Pattern.compile(r.pattern()), r))
            .toList();
    this.bucketMicros = config.bucket().toNanos() / 1000;
    this.metricGapMicros = config.metricGap().toNanos() / 1000;
    this.linkDropMicros = config.linkDrop().toNanos() / 1000;
  }

  /** The state to keep; feeding a classifier resumed from it continues exactly here. */
  public FlightClassifierState state() {
    return state;
  }

  /** Classifies {@code points} in order. */
  public void accept(Iterable<TelemetryPoint> points) {
    for (TelemetryPoint point : points) {
      accept(point);
    }
  }

  /** Classifies one point. */
  public void accept(TelemetryPoint point) {
    if (point.id() <= state.lastId) {
      state.duplicates++;
      return;
    }
    state.lastId = point.id();
    state.points++;
    Instant time = point.time();
    if (time == null) {
      return;
    }
    long t = micros(time);
    // null: a window already handed out by drainSettled (a very late point counts as reordered)
    Bucket bucket = bucket(t);
    if (bucket != null) {
      bucket.messages++;
      markSecond(bucket, t);
      if (point.onboardTime() != null && point.receivedAt() != null) {
        latency(bucket, (micros(point.receivedAt()) - t) / 1000.0);
      }
    }
    if (state.lastTime != null && t < state.lastTime) {
      state.reordered++;
      return;
    }
    if (state.lastTime != null) {
      long gap = t - state.lastTime;
      if (gap > metricGapMicros && bucket != null) {
        bucket.gaps++;
        bucket.maxGapMicros = Math.max(bucket.maxGapMicros, gap);
      }
      if (state.airborne && gap >= linkDropMicros) {
        linkDrop(state.lastTime, t, point.msgId());
      }
    }
    state.lastTime = t;
    state.lastMsgId = point.msgId();
    Map<String, String> f = point.fields();
    switch (point.msgId() == null ? "" : point.msgId()) {
      case "HEARTBEAT" -> heartbeat(f, t);
      case "GLOBAL_POSITION_INT" -> position(f, t);
      case "GPS_RAW_INT" -> gps(f, t);
      case "SYS_STATUS", "BATTERY_STATUS" -> battery(point.msgId(), f, t);
      case "SCALED_PRESSURE", "SCALED_PRESSURE2", "SCALED_PRESSURE3" ->
          temperature(point.msgId(), f, t);
      case "STATUSTEXT" -> statusText(f, t);
      case "HOME_POSITION" -> home(f);
      default -> {
        // other kinds only count in the metric buckets
      }
    }
    if (state.current != null) {
      state.current.last = t;
    }
  }

  /**
   * Takes out of the state what can no longer change, and returns it for the caller to store:
   * closed flights, ended incidents (except those of a takeoff still being debounced, which may yet
   * get its flight number) and every metric window but the newest two (a point for an older window
   * then only counts as reordered). Keeps a long-running workflow's state small; {@link #history()}
   * afterwards holds only what is still open.
   */
  public FlightHistory drainSettled() {
    List<Flight> flights = List.copyOf(state.flights);
    state.flights.clear();

    List<Incident> incidents = new ArrayList<>();
    List<IncidentAcc> kept = new ArrayList<>();
    Map<Integer, Integer> moved = new java.util.HashMap<>();
    for (int i = 0; i < state.incidents.size(); i++) {
      IncidentAcc incident = state.incidents.get(i);
      boolean pendingTakeoff =
          state.takeoffPendingSince != null && incident.start >= state.takeoffPendingSince;
      if (incident.end != null && !pendingTakeoff) {
        incidents.add(view(incident));
      } else {
        moved.put(i, kept.size());
        kept.add(incident);
      }
    }
    state.incidents = kept;
    state.gpsLoss.open = remap(state.gpsLoss.open, moved);
    state.gpsDegraded.open = remap(state.gpsDegraded.open, moved);
    state.batteryLow.open = remap(state.batteryLow.open, moved);
    state.overheat.values().forEach(c -> c.open = remap(c.open, moved));
    state.openFailsafe = remap(state.openFailsafe, moved);

    List<MetricBucket> buckets = new ArrayList<>();
    while (state.buckets.size() > 2) {
      Map.Entry<Long, Bucket> oldest = state.buckets.pollFirstEntry();
      buckets.add(metric(oldest.getKey(), oldest.getValue()));
      state.settledBefore = oldest.getKey() + bucketMicros;
    }
    cachedBucket = null;
    cachedBucketStart = Long.MIN_VALUE;
    return new FlightHistory(
        flights,
        List.copyOf(incidents),
        List.copyOf(buckets),
        state.lastId,
        state.points,
        state.duplicates,
        state.reordered);
  }

  private static Integer remap(Integer index, Map<Integer, Integer> moved) {
    return index == null ? null : moved.get(index);
  }

  private static Incident view(IncidentAcc i) {
    return new Incident(
        i.kind,
        i.severity,
        instant(i.start),
        i.end == null ? null : instant(i.end),
        i.flightNumber,
        i.summary,
        Map.copyOf(i.evidence));
  }

  /** The flights, incidents and buckets so far (a copy: later points do not change it). */
  public FlightHistory history() {
    List<Flight> flights = new ArrayList<>(state.flights);
    if (state.airborne && state.current != null) {
      flights.add(flight(state.current, null));
    }
    List<Incident> incidents = new ArrayList<>();
    for (IncidentAcc i : state.incidents) {
      incidents.add(view(i));
    }
    List<MetricBucket> buckets = new ArrayList<>();
    state.buckets.forEach((start, b) -> buckets.add(metric(start, b)));
    return new FlightHistory(
        List.copyOf(flights),
        List.copyOf(incidents),
        List.copyOf(buckets),
        state.lastId,
        state.points,
        state.duplicates,
        state.reordered);
  }

  // --- vehicle state ------------------------------------------------------------------------

  private void heartbeat(Map<String, String> f, long t) {
    Integer baseMode = integer(f, "base_mode");
    Integer type = integer(f, "type");
    Integer autopilot = integer(f, "autopilot");
    // Only the autopilot's heartbeat tells the vehicle's state; a GCS, gimbal or camera has none.
    if (baseMode == null
        || (type != null && type == MAV_TYPE_GCS)
        || (autopilot != null && autopilot == MAV_AUTOPILOT_INVALID)) {
      return;
    }
    boolean armed = (baseMode & ARMED_FLAG) != 0;
    if (armed && !Boolean.TRUE.equals(state.armed)) {
      // an arming we saw (not the first heartbeat of a stream that began armed): on the ground
      state.armedSince = state.armed == null ? null : t;
      state.groundSeen = state.armed != null;
    } else if (!armed && Boolean.TRUE.equals(state.armed)) {
      if (state.airborne) {
        land(t);
      }
      state.current = null;
      state.takeoffPendingSince = null;
      state.armedSince = null;
      closeFailsafe(t, "disarmed");
    }
    state.armed = armed;
  }

  private void position(Map<String, String> f, long t) {
    Double relAlt = number(f, "relative_alt");
    if (relAlt == null) {
      return;
    }
    double vx = orZero(number(f, "vx"));
    double vy = orZero(number(f, "vy"));
    double climb = -orZero(number(f, "vz"));
    double groundSpeed = Math.hypot(vx, vy);
    Double lat = number(f, "lat");
    Double lon = number(f, "lon");
    if (lat != null && lon != null && lat == 0 && lon == 0) {
      lat = null; // no fix yet
      lon = null;
    }
    if (!Boolean.TRUE.equals(state.armed)) {
      return;
    }
    if (!state.airborne) {
      boolean inAir =
          relAlt >= config.takeoffAltitudeMetres()
              || climb >= config.takeoffClimbRateMetresPerSecond()
              || groundSpeed >= config.takeoffGroundSpeedMetresPerSecond();
      if (!inAir) {
        state.takeoffPendingSince = null;
        state.current = null;
        state.groundSeen = true;
        return;
      }
      if (state.takeoffPendingSince == null) {
        state.takeoffPendingSince = t;
        FlightAcc flight = new FlightAcc();
        flight.armedAt = state.armedSince;
        flight.takeoff = t;
        flight.takeoffObserved = state.groundSeen;
        state.current = flight;
      }
      track(state.current, relAlt, groundSpeed, lat, lon);
      if (t - state.takeoffPendingSince >= config.takeoffTime().toNanos() / 1000) {
        state.airborne = true;
        state.flightCount++;
        state.current.number = state.flightCount;
        state.takeoffPendingSince = null;
        // incidents opened during the debounce belong to this flight
        for (IncidentAcc incident : state.incidents) {
          if (incident.flightNumber == null
              && (incident.end == null || incident.end >= state.current.takeoff)
              && incident.start >= state.current.takeoff) {
            incident.flightNumber = state.flightCount;
          }
        }
      }
      return;
    }
    track(state.current, relAlt, groundSpeed, lat, lon);
    boolean onGround =
        relAlt <= config.landAltitudeMetres()
            && Math.abs(climb) <= config.landClimbRateMetresPerSecond()
            && groundSpeed <= config.landGroundSpeedMetresPerSecond();
    if (!onGround) {
      state.landPendingSince = null;
      return;
    }
    if (state.landPendingSince == null) {
      state.landPendingSince = t;
    }
    if (t - state.landPendingSince >= config.landTime().toNanos() / 1000) {
      land(state.landPendingSince);
    }
  }

  private void track(FlightAcc flight, double relAlt, double groundSpeed, Double lat, Double lon) {
    flight.maxRelativeAlt = Math.max(flight.maxRelativeAlt, relAlt);
    flight.maxGroundSpeed = Math.max(flight.maxGroundSpeed, groundSpeed);
    if (lat == null || lon == null) {
      return;
    }
    if (flight.firstLat == null) {
      flight.firstLat = lat;
      flight.firstLon = lon;
    }
    if (flight.lastLat != null) {
      flight.distance += haversine(flight.lastLat, flight.lastLon, lat, lon);
    }
    flight.lastLat = lat;
    flight.lastLon = lon;
    double homeLat = state.homeLat != null ? state.homeLat : flight.firstLat;
    double homeLon = state.homeLon != null ? state.homeLon : flight.firstLon;
    flight.maxFromHome = Math.max(flight.maxFromHome, haversine(homeLat, homeLon, lat, lon));
  }

  private void land(long at) {
    FlightAcc flight = state.current;
    if (flight != null) {
      state.flights.add(flight(flight, at));
    }
    state.airborne = false;
    state.current = null;
    state.landPendingSince = null;
    state.takeoffPendingSince = null;
    state.groundSeen = true;
  }

  private void home(Map<String, String> f) {
    Double lat = number(f, "lat");
    Double lon = number(f, "lon");
    if (lat != null && lon != null && !(lat == 0 && lon == 0)) {
      state.homeLat = lat;
      state.homeLon = lon;
    }
  }

  // --- incidents ----------------------------------------------------------------------------

  private void linkDrop(long from, long to, String firstAfter) {
    double seconds = (to - from) / (double) MICROS_PER_SECOND;
    IncidentAcc incident =
        open(
            IncidentKind.LINK_DROP,
            to - from >= config.linkDropCritical().toNanos() / 1000
                ? IncidentSeverity.CRITICAL
                : IncidentSeverity.WARNING,
            from,
            String.format("no telemetry for %.1f s in flight", seconds));
    incident.end = to;
    incident.evidence.put("gap_seconds", decimal(seconds));
    incident.evidence.put("last_before", String.valueOf(state.lastMsgId));
    incident.evidence.put("first_after", String.valueOf(firstAfter));
  }

  private void gps(Map<String, String> f, long t) {
    Integer fix = integer(f, "fix_type");
    if (fix == null) {
      return;
    }
    Integer satellites = integer(f, "satellites_visible");
    boolean lost = state.hadGpsFix && fix < GPS_FIX_3D;
    IncidentAcc loss =
        debounce(
            state.gpsLoss,
            lost,
            fix >= GPS_FIX_3D,
            t,
            config.gpsLossTime().toNanos() / 1000,
            IncidentKind.GPS_LOSS,
            state.airborne ? IncidentSeverity.CRITICAL : IncidentSeverity.WARNING,
            "GPS fix below 3D");
    if (loss != null) {
      worst(loss, "min_fix_type", fix);
      if (satellites != null) {
        worst(loss, "min_satellites", satellites);
      }
      if (state.airborne) {
        loss.severity = loss.severity.atLeast(IncidentSeverity.CRITICAL);
      }
    }
    if (satellites != null) {
      boolean weak = fix >= GPS_FIX_3D && satellites < config.minSatellites();
      IncidentAcc degraded =
          debounce(
              state.gpsDegraded,
              weak,
              fix < GPS_FIX_3D || satellites >= config.minSatellites(),
              t,
              config.gpsDegradedTime().toNanos() / 1000,
              IncidentKind.GPS_DEGRADED,
              IncidentSeverity.WARNING,
              "fewer than " + config.minSatellites() + " satellites");
      if (degraded != null) {
        worst(degraded, "min_satellites", satellites);
      }
    }
    if (fix >= GPS_FIX_3D) {
      state.hadGpsFix = true;
    }
  }

  private void battery(String msgId, Map<String, String> f, long t) {
    Double remaining = number(f, "battery_remaining");
    Double volts = number(f, "BATTERY_STATUS".equals(msgId) ? "voltage" : "voltage_battery");
    if (volts != null && volts <= 0) {
      volts = null; // 0 V: no battery monitor
    }
    FlightAcc flight = state.current;
    if (flight != null) {
      if (remaining != null) {
        if (flight.firstRemaining == null) {
          flight.firstRemaining = remaining;
        }
        flight.lastRemaining = remaining;
      }
      Double consumed = number(f, "current_consumed");
      if (consumed != null) {
        if (flight.firstConsumedMah == null) {
          flight.firstConsumedMah = consumed;
        }
        flight.lastConsumedMah = consumed;
      }
      Double amps = number(f, "current_battery");
      if ("SYS_STATUS".equals(msgId) && amps != null) {
        if (flight.lastCurrentAmps != null && flight.lastCurrentTime != null) {
          double hours = (t - flight.lastCurrentTime) / (3600.0 * MICROS_PER_SECOND);
          flight.integratedMah += (flight.lastCurrentAmps + amps) / 2 * hours * 1000;
        }
        flight.currentSeen = true;
        flight.lastCurrentAmps = amps;
        flight.lastCurrentTime = t;
      }
    }
    if ("BATTERY_STATUS".equals(msgId)) {
      temperature(msgId, f, t);
    }
    if (remaining == null && volts == null) {
      return;
    }
    Double lowVolts = config.batteryLowVolts();
    boolean low =
        (remaining != null && remaining <= config.batteryLowPercent())
            || (lowVolts != null && volts != null && volts <= lowVolts);
    boolean recovered =
        (remaining == null
                || remaining > config.batteryLowPercent() + config.batteryHysteresisPercent())
            && (lowVolts == null || volts == null || volts > lowVolts);
    IncidentAcc incident =
        debounce(
            state.batteryLow,
            low,
            recovered,
            t,
            config.batteryLowTime().toNanos() / 1000,
            IncidentKind.BATTERY_LOW,
            IncidentSeverity.WARNING,
            "battery low");
    if (incident != null) {
      if (remaining != null) {
        worst(incident, "min_remaining_percent", remaining);
        if (remaining <= config.batteryCriticalPercent()) {
          incident.severity = incident.severity.atLeast(IncidentSeverity.CRITICAL);
        }
      }
      if (volts != null) {
        worst(incident, "min_volts", volts);
      }
    }
  }

  private void temperature(String msgId, Map<String, String> f, long t) {
    Double celsius = number(f, "temperature");
    if (celsius == null) {
      return;
    }
    if (state.current != null) {
      Double max = state.current.maxTemperature;
      state.current.maxTemperature = max == null ? celsius : Math.max(max, celsius);
    }
    Condition condition = state.overheat.computeIfAbsent(msgId, k -> new Condition());
    IncidentAcc incident =
        debounce(
            condition,
            celsius >= config.overheatCelsius(),
            celsius <= config.overheatCelsius() - config.overheatHysteresisCelsius(),
            t,
            config.overheatTime().toNanos() / 1000,
            IncidentKind.OVERHEAT,
            IncidentSeverity.WARNING,
            msgId + " temperature high");
    if (incident != null) {
      incident.evidence.put("source", msgId);
      Double max = number(incident.evidence, "max_celsius");
      if (max == null || celsius > max) {
        incident.evidence.put("max_celsius", decimal(celsius));
      }
      if (celsius >= config.overheatCriticalCelsius()) {
        incident.severity = incident.severity.atLeast(IncidentSeverity.CRITICAL);
      }
    }
  }

  private void statusText(Map<String, String> f, long t) {
    String text = f.getOrDefault("text", "");
    Integer mavSeverity = integer(f, "severity");
    IncidentSeverity own =
        mavSeverity == null ? IncidentSeverity.INFO : IncidentSeverity.ofMavSeverity(mavSeverity);
    for (CompiledRule rule : rules) {
      if (!rule.pattern().matcher(text).find()) {
        continue;
      }
      if (rule.rule().kind() == null) {
        closeFailsafe(t, text);
        return;
      }
      IncidentSeverity minimum =
          rule.rule().minimumSeverity() == null
              ? IncidentSeverity.INFO
              : rule.rule().minimumSeverity();
      if (rule.rule().kind() == IncidentKind.FAILSAFE && state.openFailsafe != null) {
        IncidentAcc open = state.incidents.get(state.openFailsafe);
        open.severity = open.severity.atLeast(own.atLeast(minimum));
        open.evidence.put("last_text", text);
        return;
      }
      IncidentAcc incident = open(rule.rule().kind(), own.atLeast(minimum), t, text);
      incident.evidence.put("text", text);
      if (mavSeverity != null) {
        incident.evidence.put("mav_severity", mavSeverity.toString());
      }
      if (rule.rule().kind() == IncidentKind.FAILSAFE) {
        state.openFailsafe = state.incidents.size() - 1;
      } else {
        incident.end = t;
      }
      return;
    }
    if (mavSeverity != null && mavSeverity <= config.statusTextIncidentSeverity()) {
      IncidentAcc incident = open(IncidentKind.AUTOPILOT_ERROR, own, t, text);
      incident.end = t;
      incident.evidence.put("text", text);
      incident.evidence.put("mav_severity", mavSeverity.toString());
    }
  }

  private void closeFailsafe(long t, String why) {
    if (state.openFailsafe != null) {
      IncidentAcc open = state.incidents.get(state.openFailsafe);
      open.end = t;
      open.evidence.put("ended_by", why);
      state.openFailsafe = null;
    }
  }

  /**
   * A condition that must hold for {@code debounceMicros} before it opens an incident (starting
   * when it first held) and ends when {@code cleared} (hysteresis: cleared is stricter than not
   * bad). Returns the open incident, or null.
   */
  private IncidentAcc debounce(
      Condition c,
      boolean bad,
      boolean cleared,
      long t,
      long debounceMicros,
      IncidentKind kind,
      IncidentSeverity severity,
      String summary) {
    if (c.open != null) {
      IncidentAcc incident = state.incidents.get(c.open);
      if (cleared) {
        incident.end = t;
        c.open = null;
        c.pendingSince = null;
        return null;
      }
      return incident;
    }
    if (!bad) {
      c.pendingSince = null;
      return null;
    }
    if (c.pendingSince == null) {
      c.pendingSince = t;
    }
    if (t - c.pendingSince < debounceMicros) {
      return null;
    }
    IncidentAcc incident = open(kind, severity, c.pendingSince, summary);
    c.open = state.incidents.size() - 1;
    return incident;
  }

  private IncidentAcc open(IncidentKind kind, IncidentSeverity severity, long start, String text) {
    IncidentAcc incident = new IncidentAcc();
    incident.kind = kind;
    incident.severity = severity;
    incident.start = start;
    incident.flightNumber = state.airborne && state.current != null ? state.current.number : null;
    incident.summary = text;
    state.incidents.add(incident);
    return incident;
  }

  private static void worst(IncidentAcc incident, String key, double value) {
    Double before = number(incident.evidence, key);
    if (before == null || value < before) {
      incident.evidence.put(key, decimal(value));
    }
  }

  // --- metric buckets -----------------------------------------------------------------------

  private Bucket bucket(long t) {
    long start = Math.floorDiv(t, bucketMicros) * bucketMicros;
    if (start == cachedBucketStart && cachedBucket != null) {
      return cachedBucket;
    }
    if (state.settledBefore != null && start < state.settledBefore) {
      return null;
    }
    Bucket bucket = state.buckets.get(start);
    if (bucket == null) {
      bucket = new Bucket();
      bucket.seconds = new long[(int) ((bucketMicros / MICROS_PER_SECOND + 63) / 64) + 1];
      state.buckets.put(start, bucket);
    }
    cachedBucketStart = start;
    cachedBucket = bucket;
    return bucket;
  }

  private void markSecond(Bucket bucket, long t) {
    long second = Math.floorDiv(t, MICROS_PER_SECOND);
    bucket.firstSecond = Math.min(bucket.firstSecond, second);
    bucket.lastSecond = Math.max(bucket.lastSecond, second);
    int offset = (int) ((t - Math.floorDiv(t, bucketMicros) * bucketMicros) / MICROS_PER_SECOND);
    bucket.seconds[offset >>> 6] |= 1L << (offset & 63);
  }

  // Welford's running mean and variance.
  private static void latency(Bucket b, double ms) {
    if (b.latencyCount == 0) {
      b.latencyMinMs = ms;
      b.latencyMaxMs = ms;
    } else {
      b.latencyMinMs = Math.min(b.latencyMinMs, ms);
      b.latencyMaxMs = Math.max(b.latencyMaxMs, ms);
    }
    b.latencyCount++;
    double delta = ms - b.latencyMeanMs;
    b.latencyMeanMs += delta / b.latencyCount;
    b.latencyM2 += delta * (ms - b.latencyMeanMs);
  }

  private static MetricBucket metric(long start, Bucket b) {
    long span = b.messages == 0 ? 1 : b.lastSecond - b.firstSecond + 1;
    int withData = 0;
    for (long word : b.seconds) {
      withData += Long.bitCount(word);
    }
    boolean latency = b.latencyCount > 0;
    return new MetricBucket(
        instant(start),
        b.messages,
        b.messages / (double) span,
        b.gaps,
        b.maxGapMicros / (double) MICROS_PER_SECOND,
        latency ? b.latencyMinMs : null,
        latency ? b.latencyMeanMs : null,
        latency ? b.latencyMaxMs : null,
        latency ? Math.sqrt(b.latencyM2 / b.latencyCount) : null,
        Math.min(1.0, withData / (double) span));
  }

  // --- helpers ------------------------------------------------------------------------------

  private Flight flight(FlightAcc f, Long landedAt) {
    long end = landedAt != null ? landedAt : (f.last != null ? f.last : f.takeoff);
    Double usedMah = null;
    if (f.firstConsumedMah != null) {
      usedMah = f.lastConsumedMah - f.firstConsumedMah;
    } else if (f.currentSeen) {
      usedMah = f.integratedMah;
    }
    return new Flight(
        f.number,
        f.armedAt == null ? null : instant(f.armedAt),
        instant(f.takeoff),
        landedAt == null ? null : instant(landedAt),
        f.takeoffObserved,
        new FlightSummary(
            (end - f.takeoff) / (double) MICROS_PER_SECOND,
            f.maxRelativeAlt,
            f.distance,
            f.maxFromHome,
            f.maxGroundSpeed,
            usedMah,
            f.firstRemaining == null ? null : f.firstRemaining - f.lastRemaining,
            f.maxTemperature));
  }

  /** Great-circle distance in metres (haversine, mean Earth radius). */
  static double haversine(double lat1, double lon1, double lat2, double lon2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLon = Math.toRadians(lon2 - lon1);
    double a =
        Math.sin(dLat / 2) * Math.sin(dLat / 2)
            + Math.cos(Math.toRadians(lat1))
                * Math.cos(Math.toRadians(lat2))
                * Math.sin(dLon / 2)
                * Math.sin(dLon / 2);
    return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  static long micros(Instant time) {
    return Math.addExact(
        Math.multiplyExact(time.getEpochSecond(), MICROS_PER_SECOND), time.getNano() / 1000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1000);
  }

  private static Double number(Map<String, String> f, String key) {
    String value = f.get(key);
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      double parsed = Double.parseDouble(value);
      return Double.isFinite(parsed) ? parsed : null;
    } catch (NumberFormatException notANumber) {
      return null;
    }
  }

  private static Integer integer(Map<String, String> f, String key) {
    Double value = number(f, key);
    return value == null || value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE
        ? null
        : value.intValue();
  }

  private static double orZero(Double value) {
    return value == null ? 0 : value;
  }

  private static String decimal(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
