package io.opsflow.device.connectivity;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Scripted probe answers ('1' answers in 1 ms, 's' answers slowly, '0' times out, 'r' released) and
 * every update and stop stored, as the database would see them.
 */
final class FakeConnectivity implements ConnectivityActivities, MonitorActivities {

  private final LongSupplier clock;
  private final Deque<Character> script = new ArrayDeque<>();
  final List<ConnectivityUpdate> updates = Collections.synchronizedList(new ArrayList<>());
  final List<MonitorStopped> stops = Collections.synchronizedList(new ArrayList<>());
  final List<Long> probeTimes = Collections.synchronizedList(new ArrayList<>());
  final List<Integer> supervisorRounds = Collections.synchronizedList(new ArrayList<>());

  FakeConnectivity(LongSupplier clock) {
    this.clock = clock;
  }

  synchronized FakeConnectivity script(String answers) {
    for (char c : answers.toCharArray()) {
      script.add(c);
    }
    return this;
  }

  @Override
  public synchronized ProbeResult probe(ProbeRequest request) {
    Instant at = Instant.ofEpochMilli(clock.getAsLong());
    probeTimes.add(at.toEpochMilli());
    char next = script.isEmpty() ? '1' : script.poll();
    return switch (next) {
      case 'r' -> ProbeResult.releasedEndpoint();
      case '0' -> new ProbeResult(false, "127.0.0.1", "icmp", false, null, "timeout", at);
      case 's' -> new ProbeResult(false, "127.0.0.1", "icmp", true, 900.0, null, at);
      default -> new ProbeResult(false, "127.0.0.1", "icmp", true, 1.0, null, at);
    };
  }

  @Override
  public void record(ConnectivityUpdate update) {
    updates.add(update);
  }

  @Override
  public void stopped(MonitorStopped stopped) {
    stops.add(stopped);
  }

  List<ConnectivityStatus> statuses() {
    synchronized (updates) {
      return updates.stream().map(u -> u.health().status()).toList();
    }
  }

  List<String> transitions() {
    synchronized (updates) {
      return updates.stream()
          .filter(u -> u.before() != u.health().status())
          .map(u -> u.before().value() + "->" + u.health().status().value())
          .toList();
    }
  }

  @Override
  public MonitorStarted startMonitoring(StartMonitoring request) {
    return new MonitorStarted(ConnectivityRequest.workflowId(request.endpointId()), true);
  }

  @Override
  public List<Long> startMissing() {
    supervisorRounds.add(supervisorRounds.size());
    return List.of();
  }
}
