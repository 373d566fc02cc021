/*
 * Run after `mvn -q -B install -DskipTests`:
 *
 *   mvn -q -B -pl benchmarks compile dependency:copy-dependencies -DincludeScope=runtime \
 *       -DoutputDirectory=target/lib
 *   java -Xmx2g -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *       io.opsflow.benchmarks.FlightClassifierBenchmark [path/to/vtol.tlog]
 *
 * System properties:
 *   bench.records=1000000  points classified per round (the log's points repeated, shifted in time)
 *   bench.rounds=5         measured rounds of each side, alternating; the median is reported
 *   bench.chunk=10000      chunk size of the third line (state through Temporal's JSON converter)
 */
package io.opsflow.benchmarks;

import io.opsflow.flight.FlightClassifier;
import io.opsflow.flight.FlightClassifierConfig;
import io.opsflow.flight.FlightClassifierState;
import io.opsflow.flight.FlightHistory;
import io.opsflow.flight.TelemetryPoint;
import io.opsflow.simulators.flight.TelemetryPoints;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Records classified per second: {@link FlightClassifier} (debounced in-air detection with
 * hysteresis, incidents, 5-minute buckets, duplicate-id guard, serialisable state) against a plain
 * single-pass classifier over the same points (armed from HEARTBEAT, in air above the takeoff
 * altitude without debounce, distance flown, max altitude, speed and temperature, silences, GPS
 * fix, battery and STATUSTEXT checks without debounce, message and gap counts per window), on the
 * points of a real tlog (decoded once by the simulators' reader) repeated to a bounded count. A
 * third line feeds FlightClassifier in chunks with its state through Temporal's JSON converter
 * between chunks, as a workflow carries it across continue-as-new.
 */
public final class FlightClassifierBenchmark {

  private final int records = Integer.getInteger("bench.records", 1_000_000);
  private final int rounds = Integer.getInteger("bench.rounds", 5);
  private final int chunk = Integer.getInteger("bench.chunk", 10_000);

  public static void main(String[] args) throws Exception {
    Path tlog = Path.of(args.length > 0 ? args[0] : "testdata/flight/vtol.tlog");
    new FlightClassifierBenchmark().run(tlog);
  }

  private void run(Path tlog) throws Exception {
    long decodeStart = System.nanoTime();
    List<TelemetryPoint> log = TelemetryPoints.fromTlog(tlog);
    double decodeSeconds = (System.nanoTime() - decodeStart) / 1e9;
    List<TelemetryPoint> points = repeat(log, records);
    System.out.printf(
        "tlog %s: %d points decoded in %.1f s; classifying %d points per round, %d rounds%n",
        tlog, log.size(), decodeSeconds, points.size(), rounds);

    FlightClassifierConfig config = FlightClassifierConfig.defaults();
    for (int i = 0; i < 2; i++) { // warm-up
      incremental(config, points);
      plain(config, points);
    }
    double[] ours = new double[rounds];
    double[] baseline = new double[rounds];
    double[] chunked = new double[rounds];
    int flights = 0;
    int plainFlights = 0;
    for (int i = 0; i < rounds; i++) {
      long start = System.nanoTime();
      flights = incremental(config, points).flights().size();
      ours[i] = points.size() / ((System.nanoTime() - start) / 1e9);
      start = System.nanoTime();
      plainFlights = plain(config, points);
      baseline[i] = points.size() / ((System.nanoTime() - start) / 1e9);
      start = System.nanoTime();
      chunkedThroughConverter(config, points);
      chunked[i] = points.size() / ((System.nanoTime() - start) / 1e9);
    }
    double o = median(ours);
    double b = median(baseline);
    double c = median(chunked);
    System.out.printf("%-58s %14s %8s%n", "classifier", "records/s", "flights");
    System.out.printf("%-58s %,14.0f %8d%n", "plain single pass (baseline)", b, plainFlights);
    System.out.printf("%-58s %,14.0f %8d%n", "FlightClassifier, all at once", o, flights);
    System.out.printf(
        "%-58s %,14.0f %8d%n",
        "FlightClassifier, chunks of " + chunk + ", drained, state via JSON", c, flights);
    System.out.printf("ratio FlightClassifier / plain: %.2f (chunked: %.2f)%n", o / b, c / b);
  }

  private static FlightHistory incremental(
      FlightClassifierConfig config, List<TelemetryPoint> points) {
    FlightClassifier classifier = new FlightClassifier(config);
    classifier.accept(points);
    return classifier.history();
  }

  private void chunkedThroughConverter(FlightClassifierConfig config, List<TelemetryPoint> points) {
    DataConverter converter = DefaultDataConverter.STANDARD_INSTANCE;
    FlightClassifierState state = new FlightClassifierState();
    for (int from = 0; from < points.size(); from += chunk) {
      FlightClassifier classifier = new FlightClassifier(config, state);
      classifier.accept(points.subList(from, Math.min(points.size(), from + chunk)));
      classifier.drainSettled(); // as the workflow does before saving
      Payload payload = converter.toPayload(classifier.state()).orElseThrow();
      state =
          converter.fromPayload(payload, FlightClassifierState.class, FlightClassifierState.class);
    }
  }

  /**
   * The baseline: one pass, no debounce, no hysteresis, no serialisable state, no duplicate guard;
   * returns the flights it counts (armed and above the takeoff altitude).
   */
  static int plain(FlightClassifierConfig config, List<TelemetryPoint> points) {
    Pattern failure = Pattern.compile("(?i)fail-?safe|crash|^ERR");
    long bucketMicros = config.bucket().toNanos() / 1000;
    long gapMicros = config.linkDrop().toNanos() / 1000;
    Map<Long, long[]> buckets = new java.util.HashMap<>();
    boolean armed = false;
    boolean inAir = false;
    boolean hadFix = false;
    int flights = 0;
    int incidents = 0;
    double maxAlt = 0;
    double maxTemp = 0;
    double speed = 0;
    double distance = 0;
    double lastLat = Double.NaN;
    double lastLon = Double.NaN;
    long last = Long.MIN_VALUE;
    for (TelemetryPoint p : points) {
      Instant time = p.time();
      long t = time.getEpochSecond() * 1_000_000 + time.getNano() / 1000;
      long[] bucket = buckets.computeIfAbsent(Math.floorDiv(t, bucketMicros), k -> new long[2]);
      bucket[0]++;
      if (last != Long.MIN_VALUE && t - last >= gapMicros) {
        bucket[1]++;
        if (inAir) {
          incidents++;
        }
      }
      last = t;
      Map<String, String> f = p.fields();
      switch (p.msgId()) {
        case "HEARTBEAT" -> {
          armed = (Integer.parseInt(f.get("base_mode")) & 128) != 0;
          if (!armed) {
            inAir = false;
          }
        }
        case "GLOBAL_POSITION_INT" -> {
          double alt = Double.parseDouble(f.get("relative_alt"));
          double lat = Double.parseDouble(f.get("lat"));
          double lon = Double.parseDouble(f.get("lon"));
          speed =
              Math.max(
                  speed,
                  Math.hypot(Double.parseDouble(f.get("vx")), Double.parseDouble(f.get("vy"))));
          boolean air = armed && alt >= config.takeoffAltitudeMetres();
          if (air && !inAir) {
            flights++;
          } else if (air && !Double.isNaN(lastLat)) {
            distance += haversine(lastLat, lastLon, lat, lon);
          }
          inAir = air;
          lastLat = lat;
          lastLon = lon;
          maxAlt = Math.max(maxAlt, alt);
        }
        case "SCALED_PRESSURE", "SYS_STATUS" -> {
          String temperature = f.get("temperature");
          if (temperature != null) {
            maxTemp = Math.max(maxTemp, Double.parseDouble(temperature));
          }
          String remaining = f.get("battery_remaining");
          if (remaining != null && Double.parseDouble(remaining) <= config.batteryLowPercent()) {
            incidents++;
          }
        }
        case "GPS_RAW_INT" -> {
          int fix = Integer.parseInt(f.get("fix_type"));
          if (hadFix && fix < 3) {
            incidents++;
          }
          hadFix |= fix >= 3;
        }
        case "STATUSTEXT" -> {
          if (failure.matcher(f.getOrDefault("text", "")).find()) {
            incidents++;
          }
        }
        default -> {}
      }
    }
    if (maxAlt < 0 || incidents < 0 || distance < 0 || speed < 0 || maxTemp < -300) {
      throw new IllegalStateException("unreachable; keeps the work observable");
    }
    return flights;
  }

  private static double haversine(double lat1, double lon1, double lat2, double lon2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLon = Math.toRadians(lon2 - lon1);
    double a =
        Math.sin(dLat / 2) * Math.sin(dLat / 2)
            + Math.cos(Math.toRadians(lat1))
                * Math.cos(Math.toRadians(lat2))
                * Math.sin(dLon / 2)
                * Math.sin(dLon / 2);
    return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /** The log's points repeated to {@code count}, each repetition after the last, ids ascending. */
  static List<TelemetryPoint> repeat(List<TelemetryPoint> log, int count) {
    Instant first = log.get(0).time();
    Duration span = Duration.between(first, log.get(log.size() - 1).time()).plusSeconds(60);
    List<TelemetryPoint> points = new ArrayList<>(count);
    for (int i = 0; points.size() < count; i++) {
      Duration shift = span.multipliedBy(i / log.size());
      TelemetryPoint p = log.get(i % log.size());
      points.add(
          new TelemetryPoint(
              i + 1L,
              p.onboardTime().plus(shift),
              p.receivedAt().plus(shift),
              p.msgId(),
              p.fields()));
    }
    return points;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
