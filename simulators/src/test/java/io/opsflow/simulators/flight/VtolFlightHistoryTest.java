package io.opsflow.simulators.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.GpsRawInt;
import io.dronefleet.mavlink.common.ScaledPressure;
import io.dronefleet.mavlink.common.Statustext;
import io.dronefleet.mavlink.common.SysStatus;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavModeFlag;
import io.dronefleet.mavlink.minimal.MavType;
import io.opsflow.flight.Flight;
import io.opsflow.flight.FlightClassifier;
import io.opsflow.flight.FlightClassifierConfig;
import io.opsflow.flight.FlightHistory;
import io.opsflow.flight.Incident;
import io.opsflow.flight.IncidentKind;
import io.opsflow.flight.MetricBucket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real VTOL log, decoded by our reader, classified, and checked against what the log itself
 * contains: every expected value is derived here straight from the decoded MAVLink messages (armed
 * state from HEARTBEAT bits, altitude from GLOBAL_POSITION_INT, ...), none is copied from the file.
 */
class VtolFlightHistoryTest {

  private static final FlightClassifierConfig CONFIG = FlightClassifierConfig.defaults();
  private static List<TlogRecord> records;
  private static List<TlogRecord> forwarded;
  private static FlightHistory history;

  /** An armed period; end null when the log ends armed. */
  record Armed(Instant start, Instant end, boolean fromLogStart) {}

  @BeforeAll
  static void classify() throws Exception {
    records = TlogReader.readAll(FlightData.vtolTlog());
    forwarded =
        records.stream().filter(r -> MavlinkTelemetry.FORWARDED.contains(r.name())).toList();
    FlightClassifier classifier = new FlightClassifier(CONFIG);
    classifier.accept(TelemetryPoints.fromTlog(FlightData.vtolTlog()));
    history = classifier.history();
  }

  @Test
  void flightsLieInsideTheArmedPeriodsOfTheHeartbeats() {
    List<Armed> armed = armedPeriods();
    assertThat(armed).isNotEmpty();
    // a flight per climb above the takeoff altitude that ends below the landing altitude
    assertThat(history.flights()).hasSize(expectedFlights(armed));
    for (Flight flight : history.flights()) {
      Armed period =
          armed.stream()
              .filter(a -> !flight.takeoffAt().isBefore(a.start()))
              .filter(a -> a.end() == null || flight.takeoffAt().isBefore(a.end()))
              .findFirst()
              .orElseThrow(() -> new AssertionError("flight outside armed periods: " + flight));
      assertThat(flight.closed()).isTrue();
      if (period.end() != null) {
        assertThat(flight.landedAt()).isBeforeOrEqualTo(period.end());
      }
      assertThat(flight.armedAt()).isEqualTo(period.fromLogStart() ? null : period.start());
      List<TlogRecord> positions = positionsBetween(period.start(), period.end());
      double firstAlt = relAlt(positions.get(0));
      assertThat(flight.takeoffObserved())
          .as("takeoff observed unless the log starts in the air")
          .isEqualTo(!(period.fromLogStart() && firstAlt >= CONFIG.takeoffAltitudeMetres()));
      // landed after the last position above the landing altitude in this period
      Instant lastHigh =
          positions.stream()
              .filter(r -> relAlt(r) > CONFIG.landAltitudeMetres())
              .map(TlogRecord::time)
              .reduce((a, b) -> b)
              .orElseThrow();
      assertThat(flight.landedAt()).isAfter(lastHigh);
    }
  }

  @Test
  void summaryMatchesThePositionsBetweenTakeoffAndLanding() {
    for (Flight flight : history.flights()) {
      List<TlogRecord> inFlight = positionsBetween(flight.takeoffAt(), flight.landedAt());
      double maxAlt =
          inFlight.stream().mapToDouble(VtolFlightHistoryTest::relAlt).max().orElseThrow();
      assertThat(flight.summary().maxAltitudeAboveHomeMetres()).isEqualTo(maxAlt);
      assertThat(flight.summary().durationSeconds())
          .isEqualTo(Duration.between(flight.takeoffAt(), flight.landedAt()).toNanos() / 1e9);
      // distance: an equirectangular sum (a different formula than the classifier's haversine)
      double distance = 0;
      for (int i = 1; i < inFlight.size(); i++) {
        distance += flatDistance(inFlight.get(i - 1), inFlight.get(i));
      }
      assertThat(distance).isPositive();
      assertThat(flight.summary().distanceFlownMetres())
          .isCloseTo(distance, within(distance * 0.01));
      double maxTemp =
          records.stream()
              .filter(r -> r.payload() instanceof ScaledPressure)
              .filter(r -> !r.time().isBefore(flight.takeoffAt()))
              .filter(r -> r.time().isBefore(flight.landedAt()))
              .mapToDouble(r -> ((ScaledPressure) r.payload()).temperature() / 100.0)
              .max()
              .orElseThrow();
      assertThat(flight.summary().maxTemperatureCelsius()).isGreaterThanOrEqualTo(maxTemp);
      boolean batteryReported =
          records.stream()
              .filter(r -> r.payload() instanceof SysStatus s && s.batteryRemaining() != -1)
              .anyMatch(r -> !r.time().isBefore(flight.takeoffAt()));
      assertThat(flight.summary().batteryUsedPercent() != null).isEqualTo(batteryReported);
    }
  }

  @Test
  void linkDropsAreTheSilencesInFlight() {
    Duration threshold = CONFIG.linkDrop();
    List<Instant[]> expected = new ArrayList<>();
    for (int i = 1; i < forwarded.size(); i++) {
      Instant before = forwarded.get(i - 1).time();
      Instant after = forwarded.get(i).time();
      if (Duration.between(before, after).compareTo(threshold) >= 0 && airborneAt(before)) {
        expected.add(new Instant[] {before, after});
      }
    }
    List<Incident> drops = ofKind(IncidentKind.LINK_DROP);
    assertThat(drops).hasSize(expected.size());
    for (int i = 0; i < drops.size(); i++) {
      assertThat(drops.get(i).start()).isEqualTo(expected.get(i)[0]);
      assertThat(drops.get(i).end()).isEqualTo(expected.get(i)[1]);
      assertThat(drops.get(i).flightNumber()).isNotNull();
    }
  }

  @Test
  void gpsAndStatusTextIncidentsAreWhatTheLogReports() {
    // GPS: episodes of fix below 3D lasting the debounce time, after a 3D fix
    int gpsLosses = 0;
    boolean hadFix = false;
    Instant badSince = null;
    boolean counted = false;
    for (TlogRecord r : records) {
      if (r.payload() instanceof GpsRawInt g) {
        int fix = g.fixType().value();
        if (fix >= 3) {
          hadFix = true;
          badSince = null;
          counted = false;
        } else if (hadFix) {
          badSince = badSince == null ? r.time() : badSince;
          if (!counted
              && Duration.between(badSince, r.time()).compareTo(CONFIG.gpsLossTime()) >= 0) {
            gpsLosses++;
            counted = true;
          }
        }
      }
    }
    assertThat(ofKind(IncidentKind.GPS_LOSS)).hasSize(gpsLosses);

    // STATUSTEXT: the texts a rule matches or whose severity reaches the configured level
    List<Pattern> raising =
        CONFIG.textRules().stream()
            .filter(rule -> rule.kind() != null)
            .map(rule -> Pattern.compile(rule.pattern()))
            .toList();
    List<Pattern> ending =
        CONFIG.textRules().stream()
            .filter(rule -> rule.kind() == null)
            .map(rule -> Pattern.compile(rule.pattern()))
            .toList();
    long textIncidents =
        records.stream()
            .filter(r -> r.payload() instanceof Statustext)
            .map(r -> (Statustext) r.payload())
            .filter(s -> ending.stream().noneMatch(p -> p.matcher(s.text()).find()))
            .filter(
                s ->
                    raising.stream().anyMatch(p -> p.matcher(s.text()).find())
                        || s.severity().value() <= CONFIG.statusTextIncidentSeverity())
            .count();
    assertThat(
            history.incidents().stream()
                .filter(
                    i ->
                        i.kind() == IncidentKind.FAILSAFE
                            || i.kind() == IncidentKind.CRASH
                            || i.kind() == IncidentKind.AUTOPILOT_ERROR))
        .hasSize((int) textIncidents);
    assertThat(records.stream().filter(r -> r.payload() instanceof Statustext)).isNotEmpty();
  }

  @Test
  void bucketsCoverEveryForwardedMessageInFiveMinuteWindows() {
    long size = CONFIG.bucket().toMillis();
    TreeSet<Instant> starts = new TreeSet<>();
    for (TlogRecord r : forwarded) {
      starts.add(Instant.ofEpochMilli(Math.floorDiv(r.time().toEpochMilli(), size) * size));
    }
    assertThat(history.buckets()).extracting(MetricBucket::start).containsExactlyElementsOf(starts);
    assertThat(history.buckets().stream().mapToLong(MetricBucket::messages).sum())
        .isEqualTo(forwarded.size());
    assertThat(history.points()).isEqualTo(forwarded.size());
  }

  private static List<Armed> armedPeriods() {
    List<Armed> periods = new ArrayList<>();
    Boolean armed = null;
    Instant since = null;
    boolean fromStart = false;
    for (TlogRecord r : records) {
      if (!(r.payload() instanceof Heartbeat h)
          || h.autopilot().entry() == MavAutopilot.MAV_AUTOPILOT_INVALID
          || h.type().entry() == MavType.MAV_TYPE_GCS) {
        continue;
      }
      boolean now = h.baseMode().flagsEnabled(MavModeFlag.MAV_MODE_FLAG_SAFETY_ARMED);
      if (now && !Boolean.TRUE.equals(armed)) {
        since = r.time();
        fromStart = armed == null;
      } else if (!now && Boolean.TRUE.equals(armed)) {
        periods.add(new Armed(since, r.time(), fromStart));
      }
      armed = now;
    }
    if (Boolean.TRUE.equals(armed)) {
      periods.add(new Armed(since, null, fromStart));
    }
    return periods;
  }

  private static int expectedFlights(List<Armed> periods) {
    int flights = 0;
    for (Armed period : periods) {
      boolean high = false;
      for (TlogRecord r : positionsBetween(period.start(), period.end())) {
        if (!high && relAlt(r) >= CONFIG.takeoffAltitudeMetres()) {
          high = true;
          flights++;
        } else if (high && relAlt(r) <= CONFIG.landAltitudeMetres()) {
          high = false;
        }
      }
    }
    return flights;
  }

  private static boolean airborneAt(Instant t) {
    return history.flights().stream()
        .anyMatch(
            f -> !t.isBefore(f.takeoffAt()) && (f.landedAt() == null || t.isBefore(f.landedAt())));
  }

  private static List<TlogRecord> positionsBetween(Instant from, Instant to) {
    return records.stream()
        .filter(r -> r.payload() instanceof GlobalPositionInt)
        .filter(r -> !r.time().isBefore(from) && (to == null || r.time().isBefore(to)))
        .toList();
  }

  private static double relAlt(TlogRecord r) {
    return ((GlobalPositionInt) r.payload()).relativeAlt() / 1000.0;
  }

  private static List<Incident> ofKind(IncidentKind kind) {
    return history.incidents().stream().filter(i -> i.kind() == kind).toList();
  }

  private static double flatDistance(TlogRecord a, TlogRecord b) {
    GlobalPositionInt p = (GlobalPositionInt) a.payload();
    GlobalPositionInt q = (GlobalPositionInt) b.payload();
    double lat = Math.toRadians((p.lat() + q.lat()) / 2e7);
    double dy = Math.toRadians((q.lat() - p.lat()) / 1e7) * 6_371_008.8;
    double dx = Math.toRadians((q.lon() - p.lon()) / 1e7) * 6_371_008.8 * Math.cos(lat);
    return Math.hypot(dx, dy);
  }
}
