package io.opsflow.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of {@link FlightClassifier} over random telemetry (arming, altitude random walks,
 * silences, GPS fix changes, STATUSTEXTs, temperatures, battery, a few points whose onboard time
 * goes backwards): chunking and serialising the state between chunks change nothing; redelivered or
 * out-of-order ids are skipped, not counted twice; the derived entities are consistent.
 */
class FlightClassifierPropertyTest {

  private static final int TRIES = 200;
  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;
  private static final String[] TEXTS = {
    "EKF2 IMU0 switching to compass 1",
    "Radio Failsafe",
    "Radio Failsafe Cleared",
    "Crash: Disarming",
    "GPS Glitch",
    "Battery failsafe",
    "Mission: 3 WP",
    "ERR: compass",
  };

  /** One generated step: time advance, message kind and two random values in [0, 1). */
  record Step(double dt, int kind, double a, double b) {}

  @Provide
  Arbitrary<List<TelemetryPoint>> telemetry() {
    Arbitrary<Double> dt =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(80, Arbitraries.doubles().between(0.05, 1.5)),
            net.jqwik.api.Tuple.of(5, Arbitraries.doubles().between(2, 45)),
            net.jqwik.api.Tuple.of(2, Arbitraries.doubles().between(-3, -0.1)));
    Arbitrary<Step> step =
        Combinators.combine(
                dt,
                Arbitraries.integers().between(0, 13),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.doubles().between(0, 1))
            .as(Step::new);
    return step.list()
        .ofMinSize(1)
        .ofMaxSize(600)
        .withSizeDistribution(RandomDistribution.uniform())
        .map(FlightClassifierPropertyTest::points);
  }

  @Provide
  Arbitrary<List<Integer>> cuts() {
    return Arbitraries.integers().between(0, 400).list().ofMaxSize(12);
  }

  @Property(tries = TRIES)
  void chunksWithTheStateSerialisedBetweenThemGiveTheSameHistory(
      @ForAll("telemetry") List<TelemetryPoint> points, @ForAll("cuts") List<Integer> cuts) {
    FlightHistory once = classifyAll(points);

    TreeSet<Integer> bounds = new TreeSet<>();
    bounds.add(0);
    bounds.add(points.size());
    cuts.forEach(c -> bounds.add(Math.min(c, points.size())));
    FlightClassifierState state = new FlightClassifierState();
    FlightHistory chunked = null;
    Integer from = null;
    for (int to : bounds) {
      if (from != null) {
        FlightClassifier classifier =
            new FlightClassifier(FlightClassifierConfig.defaults(), roundTrip(state));
        classifier.accept(points.subList(from, to));
        state = classifier.state();
        chunked = classifier.history();
      }
      from = to;
    }
    assertThat(chunked).isEqualTo(once);
  }

  @Property(tries = TRIES)
  void drainingSettledEntitiesBetweenChunksLosesAndRepeatsNothing(
      @ForAll("telemetry") List<TelemetryPoint> points, @ForAll("cuts") List<Integer> cuts) {
    FlightHistory once = classifyAll(points);

    TreeSet<Integer> bounds = new TreeSet<>();
    bounds.add(points.size());
    cuts.forEach(c -> bounds.add(Math.min(c, points.size())));
    List<Flight> flights = new ArrayList<>();
    List<Incident> incidents = new ArrayList<>();
    List<MetricBucket> buckets = new ArrayList<>();
    FlightClassifierState state = new FlightClassifierState();
    int from = 0;
    FlightHistory open = null;
    for (int to : bounds) {
      FlightClassifier classifier =
          new FlightClassifier(FlightClassifierConfig.defaults(), roundTrip(state));
      classifier.accept(points.subList(from, to));
      FlightHistory settled = classifier.drainSettled();
      flights.addAll(settled.flights());
      incidents.addAll(settled.incidents());
      buckets.addAll(settled.buckets());
      open = classifier.history();
      state = classifier.state();
      from = to;
    }
    flights.addAll(open.flights());
    incidents.addAll(open.incidents());
    buckets.addAll(open.buckets());

    assertThat(flights).isEqualTo(once.flights());
    assertThat(buckets).isEqualTo(once.buckets());
    java.util.Comparator<Incident> order =
        java.util.Comparator.comparing(Incident::start)
            .thenComparing(Incident::kind)
            .thenComparing(Incident::summary);
    assertThat(incidents.stream().sorted(order).toList())
        .isEqualTo(once.incidents().stream().sorted(order).toList());
    assertThat(open.reordered()).isEqualTo(once.reordered());
  }

  @Property(tries = TRIES)
  void redeliveredAndOutOfOrderIdsAreNotCountedTwice(
      @ForAll("telemetry") List<TelemetryPoint> points, @ForAll("cuts") List<Integer> replays) {
    FlightHistory once = classifyAll(points);

    // after point i, redeliver an earlier stretch (as a pull that restarted from an older cursor)
    List<TelemetryPoint> delivered = new ArrayList<>();
    int redelivered = 0;
    for (int i = 0; i < points.size(); i++) {
      delivered.add(points.get(i));
      for (int r = 0; r < replays.size(); r += 2) {
        if (replays.get(r) % points.size() == i && r + 1 < replays.size()) {
          int back = Math.min(i + 1, 1 + replays.get(r + 1) % 20);
          for (int j = i + 1 - back; j <= i; j++) {
            delivered.add(points.get(j));
            redelivered++;
          }
        }
      }
    }
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    classifier.accept(delivered);
    FlightHistory history = classifier.history();

    assertThat(history.duplicates()).isEqualTo(redelivered);
    assertThat(history).usingRecursiveComparison().ignoringFields("duplicates").isEqualTo(once);
  }

  @Property(tries = TRIES)
  void flightsIncidentsAndBucketsAreConsistent(@ForAll("telemetry") List<TelemetryPoint> points) {
    FlightHistory history = classifyAll(points);
    Statistics.label("flights").collect(Math.min(history.flights().size(), 3));
    Statistics.label("incident kinds")
        .collect(history.incidents().stream().map(Incident::kind).distinct().count());

    assertThat(history.points()).isEqualTo(points.size());
    assertThat(history.buckets().stream().mapToLong(MetricBucket::messages).sum())
        .isEqualTo(points.size());
    Instant previousEnd = null;
    for (int i = 0; i < history.flights().size(); i++) {
      Flight flight = history.flights().get(i);
      assertThat(flight.number()).isEqualTo(i + 1);
      assertThat(flight.closed() || i == history.flights().size() - 1)
          .as("only the last flight may be open")
          .isTrue();
      if (flight.closed()) {
        assertThat(flight.landedAt()).isAfterOrEqualTo(flight.takeoffAt());
      }
      if (previousEnd != null) {
        assertThat(flight.takeoffAt()).isAfterOrEqualTo(previousEnd);
      }
      if (flight.armedAt() != null) {
        assertThat(flight.armedAt()).isBeforeOrEqualTo(flight.takeoffAt());
      }
      FlightSummary summary = flight.summary();
      assertThat(summary.durationSeconds()).isNotNegative();
      assertThat(summary.distanceFlownMetres()).isNotNegative();
      assertThat(summary.maxDistanceFromHomeMetres()).isNotNegative();
      assertThat(summary.maxAltitudeAboveHomeMetres()).isBetween(0.0, 120.0);
      previousEnd = flight.landedAt();
    }
    for (Incident incident : history.incidents()) {
      if (incident.end() != null) {
        assertThat(incident.end()).isAfterOrEqualTo(incident.start());
      }
      if (incident.flightNumber() != null) {
        assertThat(incident.flightNumber()).isBetween(1, history.flights().size());
      }
    }
    for (MetricBucket bucket : history.buckets()) {
      assertThat(bucket.stability()).isBetween(0.0, 1.0);
      assertThat(bucket.messagesPerSecond()).isPositive();
    }
  }

  private static FlightHistory classifyAll(List<TelemetryPoint> points) {
    FlightClassifier classifier = new FlightClassifier(FlightClassifierConfig.defaults());
    classifier.accept(points);
    return classifier.history();
  }

  /** Through Temporal's JSON converter, as workflow state and continue-as-new input travel. */
  private static FlightClassifierState roundTrip(FlightClassifierState state) {
    Payload payload = CONVERTER.toPayload(state).orElseThrow();
    return CONVERTER.fromPayload(payload, FlightClassifierState.class, FlightClassifierState.class);
  }

  private static List<TelemetryPoint> points(List<Step> steps) {
    Telemetry t = new Telemetry();
    double now = 0;
    double alt = 0;
    double north = 0;
    boolean armed = false;
    for (Step s : steps) {
      now += s.dt();
      switch (s.kind()) {
        case 0, 12 -> {
          if (s.a() < 0.4) {
            armed = !armed;
          }
          t.heartbeat(now, armed);
        }
        case 1, 2, 3, 4, 5 -> {
          // climbs while armed and mostly up, sinks back otherwise
          double climb = armed && s.b() < 0.7 ? s.a() * 6 : -s.a() * 6;
          alt = Math.max(0, Math.min(120, alt + climb));
          double vx = alt > 0 ? s.b() * 12 : 0;
          north += vx * Math.max(0, s.dt());
          t.position(now, alt, north, vx, alt > 0 ? -climb / 2 : 0);
        }
        case 6, 7 -> t.gps(now, s.a() < 0.1 ? (int) (s.b() * 3) : 3, (int) (s.b() * 14));
        case 8 ->
            t.text(
                now,
                (int) (s.b() * 8),
                TEXTS[Math.min(TEXTS.length - 1, (int) (s.a() * TEXTS.length))]);
        case 9 -> t.temperature(now, 40 + s.a() * 60);
        case 10 -> t.battery(now, 5 + s.a() * 90, s.b() * 20);
        case 11 ->
            t.add(
                now,
                "HOME_POSITION",
                Telemetry.fields(
                    "lat", Double.toString(Telemetry.LAT0), "lon", "8.0", "alt", "400"));
        default -> t.add(now, "ATTITUDE", Telemetry.fields("roll", Double.toString(s.a())));
      }
    }
    return t.points();
  }
}
