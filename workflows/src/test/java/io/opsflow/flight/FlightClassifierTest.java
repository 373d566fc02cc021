package io.opsflow.flight;

import static io.opsflow.flight.Telemetry.at;
import static io.opsflow.flight.Telemetry.classify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlightClassifierTest {

  /** Armed at 0, on the ground to 10 s, climbs 2 m/s to 20 m, flies north, descends, lands. */
  private static Telemetry standardFlight() {
    Telemetry t = new Telemetry();
    t.heartbeat(-1, false).heartbeat(0, true).ground(0, 10);
    for (int s = 11; s <= 20; s++) {
      t.position(s, 2.0 * (s - 10), 0, 0, -2);
    }
    for (int s = 21; s <= 40; s++) {
      t.position(s, 20, 10.0 * (s - 20), 10, 0);
    }
    for (int s = 41; s <= 50; s++) {
      t.position(s, 20 - 2.0 * (s - 40), 200, 0, 2);
    }
    t.ground(51, 60, 200).heartbeat(61, false);
    return t;
  }

  @Test
  void oneFlightFromTakeoffToLandingWithItsSummary() {
    FlightHistory history = classify(standardFlight().points());

    assertThat(history.flights()).hasSize(1);
    Flight flight = history.flights().get(0);
    assertThat(flight.number()).isEqualTo(1);
    assertThat(flight.armedAt()).isEqualTo(at(0));
    // the climb rate (2 m/s) crosses the 1 m/s takeoff threshold at the first climbing sample
    assertThat(flight.takeoffAt()).isEqualTo(at(11));
    assertThat(flight.takeoffObserved()).isTrue();
    // descending at 2 m/s until 50 s (0 m); still at 50 s? vz=2 there, so ground holds from 51 s
    assertThat(flight.landedAt()).isEqualTo(at(51));
    FlightSummary summary = flight.summary();
    assertThat(summary.durationSeconds()).isEqualTo(40.0);
    assertThat(summary.maxAltitudeAboveHomeMetres()).isEqualTo(20.0);
    assertThat(summary.distanceFlownMetres()).isCloseTo(200.0, within(0.5));
    assertThat(summary.maxDistanceFromHomeMetres()).isCloseTo(200.0, within(0.5));
    assertThat(summary.maxGroundSpeedMetresPerSecond()).isEqualTo(10.0);
    assertThat(summary.batteryUsedMah()).isNull();
    assertThat(history.incidents()).isEmpty();
  }

  @Test
  void aHopShorterThanTheTakeoffTimeIsNoFlight() {
    Telemetry t = new Telemetry().heartbeat(0, true).ground(0, 5);
    t.position(6, 3, 0, 0, 0).position(7, 3, 0, 0, 0).ground(7.5, 12);
    assertThat(classify(t.points()).flights()).isEmpty();
  }

  @Test
  void hoveringBetweenTheLandingAndTakeoffThresholdsStaysOneFlight() {
    Telemetry t = new Telemetry().heartbeat(-1, false).heartbeat(0, true).ground(0, 3);
    t.position(4, 3, 0, 0, 0).position(5, 3, 0, 0, 0).position(6, 3, 0, 0, 0);
    for (int s = 7; s <= 60; s++) {
      // 1.5 .. 2.5 m: above the 1 m landing altitude, around the 2 m takeoff altitude
      t.position(s, s % 2 == 0 ? 2.5 : 1.5, 0, 0, 0);
    }
    t.ground(61, 70);
    FlightHistory history = classify(t.points());
    assertThat(history.flights()).hasSize(1);
    assertThat(history.flights().get(0).takeoffAt()).isEqualTo(at(4));
    assertThat(history.flights().get(0).landedAt()).isEqualTo(at(61));
  }

  @Test
  void severalTakeoffsInOneArmedPeriodAreSeveralFlights() {
    Telemetry t = new Telemetry().heartbeat(-1, false).heartbeat(0, true).ground(0, 3);
    for (int s = 4; s <= 20; s++) {
      t.position(s, 10, 0, 0, 0);
    }
    t.ground(21, 40);
    for (int s = 41; s <= 60; s++) {
      t.position(s, 30, 0, 0, 0);
    }
    t.ground(61, 70).heartbeat(71, false);
    FlightHistory history = classify(t.points());
    assertThat(history.flights())
        .extracting(Flight::number, Flight::takeoffAt, Flight::landedAt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, at(4), at(21)),
            org.assertj.core.groups.Tuple.tuple(2, at(41), at(61)));
    assertThat(history.flights().get(1).summary().maxAltitudeAboveHomeMetres()).isEqualTo(30.0);
    assertThat(history.flights()).allMatch(f -> f.armedAt().equals(at(0)));
  }

  @Test
  void disarmingInTheAirEndsTheFlightAtOnce() {
    Telemetry t = new Telemetry().heartbeat(0, true).ground(0, 3);
    for (int s = 4; s <= 20; s++) {
      t.position(s, 15, 0, 0, 0);
    }
    t.heartbeat(20.5, false).position(21, 14, 0, 0, 0);
    FlightHistory history = classify(t.points());
    assertThat(history.flights()).hasSize(1);
    assertThat(history.flights().get(0).landedAt()).isEqualTo(at(20.5));
  }

  @Test
  void telemetryStartingInTheAirIsAFlightWhoseTakeoffWasNotObserved() {
    Telemetry t = new Telemetry().heartbeat(0, true);
    for (int s = 0; s <= 10; s++) {
      t.position(s, 50, 0, 0, 0);
    }
    FlightHistory history = classify(t.points());
    assertThat(history.flights()).hasSize(1);
    Flight flight = history.flights().get(0);
    assertThat(flight.takeoffObserved()).isFalse();
    assertThat(flight.armedAt()).isNull();
    assertThat(flight.closed()).isFalse();
    assertThat(flight.summary().durationSeconds()).isEqualTo(10.0);
  }

  @Test
  void withoutArmingThereIsNoFlightAndGroundStationHeartbeatsDoNotArm() {
    Telemetry t = new Telemetry().heartbeat(0, false).gcsHeartbeat(0.5, true);
    for (int s = 1; s <= 20; s++) {
      t.position(s, 30, 0, 0, 0);
    }
    assertThat(classify(t.points()).flights()).isEmpty();
  }

  @Test
  void aSilenceInFlightIsALinkDropButNotOnTheGround() {
    Telemetry t = new Telemetry().heartbeat(0, true).ground(0, 3);
    for (int s = 4; s <= 20; s++) {
      t.position(s, 10, 0, 0, 0);
    }
    t.position(30, 10, 0, 0, 0).position(31, 10, 0, 0, 0).ground(32, 40);
    t.position(80, 0, 0, 0, 0); // 40 s silence on the ground
    FlightHistory history = classify(t.points());
    assertThat(history.incidents()).hasSize(1);
    Incident drop = history.incidents().get(0);
    assertThat(drop.kind()).isEqualTo(IncidentKind.LINK_DROP);
    assertThat(drop.severity()).isEqualTo(IncidentSeverity.WARNING);
    assertThat(drop.start()).isEqualTo(at(20));
    assertThat(drop.end()).isEqualTo(at(30));
    assertThat(drop.flightNumber()).isEqualTo(1);
    assertThat(drop.evidence()).containsEntry("gap_seconds", "10");
  }

  @Test
  void gpsLossAfterAFixIsAnIncidentFromFirstBadSampleToRecovery() {
    Telemetry t = new Telemetry().gps(0, 1, 3).gps(1, 1, 3); // no fix yet: not a loss
    t.gps(2, 3, 9).gps(3, 3, 9).gps(4, 2, 5).gps(4.5, 1, 4).gps(5.5, 0, 2).gps(6, 3, 8);
    t.gps(7, 2, 5).gps(7.5, 3, 8); // 0.5 s: shorter than the 1 s debounce
    FlightHistory history = classify(t.points());
    assertThat(history.incidents()).hasSize(1);
    Incident loss = history.incidents().get(0);
    assertThat(loss.kind()).isEqualTo(IncidentKind.GPS_LOSS);
    assertThat(loss.start()).isEqualTo(at(4));
    assertThat(loss.end()).isEqualTo(at(6));
    assertThat(loss.severity()).isEqualTo(IncidentSeverity.WARNING);
    assertThat(loss.evidence())
        .containsEntry("min_fix_type", "0")
        .containsEntry("min_satellites", "2");
  }

  @Test
  void failsafeOpensUntilClearedAndCrashAndErrorTextsAreIncidents() {
    Telemetry t = new Telemetry();
    t.text(1, 6, "EKF2 IMU0 switching to compass 1");
    t.text(2, 2, "Radio Failsafe");
    t.text(3, 2, "Radio Failsafe"); // repeated: the same incident
    t.text(9, 6, "Radio Failsafe Cleared");
    t.text(10, 0, "Crash: Disarming");
    t.text(11, 3, "Compass not healthy");
    t.text(12, 4, "PreArm: Throttle below failsafe"); // a failsafe pattern at warning level
    FlightHistory history = classify(t.points());
    List<Incident> incidents = history.incidents();
    assertThat(incidents)
        .extracting(Incident::kind)
        .containsExactly(
            IncidentKind.FAILSAFE,
            IncidentKind.CRASH,
            IncidentKind.AUTOPILOT_ERROR,
            IncidentKind.FAILSAFE);
    assertThat(incidents.get(0).start()).isEqualTo(at(2));
    assertThat(incidents.get(0).end()).isEqualTo(at(9));
    assertThat(incidents.get(0).severity()).isEqualTo(IncidentSeverity.CRITICAL);
    assertThat(incidents.get(1).severity()).isEqualTo(IncidentSeverity.CRITICAL);
    assertThat(incidents.get(1).evidence()).containsEntry("text", "Crash: Disarming");
    assertThat(incidents.get(2).severity()).isEqualTo(IncidentSeverity.ERROR);
    assertThat(incidents.get(3).severity()).isEqualTo(IncidentSeverity.ERROR);
    assertThat(incidents.get(3).end()).as("still open").isNull();
  }

  @Test
  void batteryLowAndOverheatAreDebouncedWithHysteresis() {
    Telemetry t = new Telemetry();
    for (int s = 0; s <= 30; s++) {
      double remaining = s < 10 ? 50 : s < 20 ? 18 : s < 25 ? 22 : 30; // 22: inside hysteresis
      t.battery(s, remaining, 10);
      double celsius = s < 5 ? 40 : s < 8 ? 72 : s < 15 ? 90 : s < 20 ? 67 : 60;
      t.temperature(s + 0.5, celsius);
    }
    FlightHistory history = classify(t.points());
    Incident battery = only(history, IncidentKind.BATTERY_LOW);
    assertThat(battery.start()).isEqualTo(at(10));
    assertThat(battery.end()).isEqualTo(at(25));
    assertThat(battery.severity()).isEqualTo(IncidentSeverity.WARNING);
    assertThat(battery.evidence()).containsEntry("min_remaining_percent", "18");
    Incident hot = only(history, IncidentKind.OVERHEAT);
    assertThat(hot.start()).isEqualTo(at(5.5));
    // 67 °C is below 70 but not 5 °C below: still hot until 60 °C at 20.5 s
    assertThat(hot.end()).isEqualTo(at(20.5));
    assertThat(hot.severity()).isEqualTo(IncidentSeverity.CRITICAL);
    assertThat(hot.evidence()).containsEntry("max_celsius", "90");
  }

  @Test
  void batteryUsedIsIntegratedCurrentAndRemainingDrop() {
    Telemetry t = new Telemetry().heartbeat(0, true).ground(0, 2);
    for (int s = 3; s <= 3603; s++) {
      t.position(s, 10, 0, 0, 0);
      if (s % 10 == 3) {
        t.battery(s + 0.1, 90 - (s - 3) / 60.0, 10);
      }
    }
    t.heartbeat(3604, false);
    FlightSummary summary = classify(t.points()).flights().get(0).summary();
    // 10 A for the hour between the first and the last SYS_STATUS
    assertThat(summary.batteryUsedMah()).isCloseTo(10_000.0, within(1e-6));
    assertThat(summary.batteryUsedPercent()).isCloseTo(60.0, within(1e-9));
  }

  @Test
  void metricBucketsCountRateGapsLatencyAndStabilityPerFiveMinutes() {
    Telemetry t = new Telemetry().latency(Duration.ofMillis(100));
    for (int s = 0; s < 300; s += 2) {
      t.temperature(s, 20); // every other second: stability 0.5
    }
    t.latency(Duration.ofMillis(300));
    t.temperature(310, 20).temperature(311, 20).temperature(320, 20);
    FlightHistory history = classify(t.points());
    assertThat(history.buckets()).hasSize(2);
    MetricBucket first = history.buckets().get(0);
    assertThat(first.start()).isEqualTo(at(0));
    assertThat(first.messages()).isEqualTo(150);
    assertThat(first.messagesPerSecond()).isEqualTo(150 / 299.0);
    assertThat(first.gaps()).isZero();
    assertThat(first.latencyMeanMs()).isEqualTo(100.0);
    assertThat(first.latencyJitterMs()).isEqualTo(0.0);
    assertThat(first.stability()).isEqualTo(150 / 299.0);
    MetricBucket second = history.buckets().get(1);
    assertThat(second.start()).isEqualTo(at(300));
    assertThat(second.messages()).isEqualTo(3);
    // 298 -> 310 and 311 -> 320: two silences above 2 s, both ending in this window
    assertThat(second.gaps()).isEqualTo(2);
    assertThat(second.maxGapSeconds()).isEqualTo(12.0);
    assertThat(second.latencyMinMs()).isEqualTo(300.0);
    assertThat(second.stability()).isEqualTo(3 / 11.0);
  }

  @Test
  void duplicatesAndOlderIdsAreSkipped() {
    List<TelemetryPoint> points = standardFlight().points();
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    classifier.accept(points.subList(0, 30));
    classifier.accept(points.subList(10, 40));
    classifier.accept(points);
    FlightHistory history = classifier.history();
    FlightHistory once = classify(points);
    assertThat(history.flights()).isEqualTo(once.flights());
    assertThat(history.buckets()).isEqualTo(once.buckets());
    assertThat(history.points()).isEqualTo(points.size());
    assertThat(history.duplicates()).isEqualTo(20 + 40);
  }

  private static Incident only(FlightHistory history, IncidentKind kind) {
    List<Incident> matching = history.incidents().stream().filter(i -> i.kind() == kind).toList();
    assertThat(matching).as(kind.name()).hasSize(1);
    return matching.get(0);
  }
}
