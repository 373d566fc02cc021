package io.opsflow.flight;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/** telemetry_records and the flight tables in memory, with the activities' upsert semantics. */
final class FakeFlightStore implements FlightHistoryActivities {

  private final List<TelemetryPoint> records = new ArrayList<>();
  private final Map<Integer, Flight> flights = new TreeMap<>();
  private final Map<String, Incident> incidents = new TreeMap<>();
  private final Map<java.time.Instant, MetricBucket> buckets = new TreeMap<>();
  private final List<Long> pulledIds = new ArrayList<>();
  private final AtomicInteger failPulls = new AtomicInteger();

  synchronized void append(List<TelemetryPoint> points) {
    records.addAll(points);
  }

  /** The next {@code n} pulls fail after reading (as a worker dying before it answers). */
  void failNextPulls(int n) {
    failPulls.set(n);
  }

  @Override
  public synchronized TelemetryBatch pull(PullRequest request) {
    List<TelemetryPoint> batch =
        records.stream()
            .filter(p -> p.id() > request.afterId())
            .sorted(Comparator.comparingLong(TelemetryPoint::id))
            .limit(request.limit())
            .toList();
    if (failPulls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("worker died mid-pull");
    }
    batch.forEach(p -> pulledIds.add(p.id()));
    return new TelemetryBatch(batch);
  }

  @Override
  public synchronized void save(SaveRequest request) {
    for (FlightHistory history : List.of(request.settled(), request.open())) {
      history.flights().forEach(f -> flights.put(f.number(), f));
      history.incidents().forEach(i -> incidents.put(i.kind() + "@" + i.start(), i));
      history.buckets().forEach(b -> buckets.put(b.start(), b));
    }
  }

  synchronized List<Long> pulledIds() {
    return List.copyOf(pulledIds);
  }

  synchronized List<Flight> flights() {
    return List.copyOf(flights.values());
  }

  synchronized List<Incident> incidents() {
    return incidents.values().stream()
        .sorted(Comparator.comparing(Incident::start).thenComparing(Incident::kind))
        .toList();
  }

  synchronized List<MetricBucket> buckets() {
    return List.copyOf(buckets.values());
  }
}
