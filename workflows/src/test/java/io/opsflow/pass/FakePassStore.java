package io.opsflow.pass;

import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The pass's rows in memory, idempotent by key as the contract says: status changes, events and
 * operator actions in the order they arrived, replans (which can be refused like an overlapping
 * reservation), reports.
 */
final class FakePassStore implements PassStoreActivities {

  record Replanned(Replan replan, long atMillis) {}

  private final LongSupplier clock;
  private final Map<String, StatusChange> statuses = new LinkedHashMap<>();
  private final Map<String, PassEvent> events = new LinkedHashMap<>();
  private final Map<String, OperatorAction> actions = new LinkedHashMap<>();
  private final List<Replanned> replans = new ArrayList<>();
  private final List<Long> reports = new ArrayList<>();
  private int version = 1;
  private ApplicationFailure replanRefusal;

  FakePassStore(LongSupplier clock) {
    this.clock = clock;
  }

  /** Every replan fails so from now on (null: accepted again). */
  synchronized void refuseReplans(ApplicationFailure failure) {
    replanRefusal = failure;
  }

  // ---- assertions ----------------------------------------------------------------------------

  synchronized List<StatusChange> statuses() {
    return List.copyOf(statuses.values());
  }

  /** The distinct statuses in the order the row took them. */
  synchronized List<String> statusSequence() {
    List<String> sequence = new ArrayList<>();
    for (StatusChange change : statuses.values()) {
      if (sequence.isEmpty() || !sequence.get(sequence.size() - 1).equals(change.status())) {
        sequence.add(change.status());
      }
    }
    return sequence;
  }

  synchronized List<String> phases() {
    return statuses.values().stream().map(StatusChange::phase).toList();
  }

  synchronized StatusChange lastStatus() {
    List<StatusChange> all = statuses();
    return all.get(all.size() - 1);
  }

  synchronized List<PassEvent> events() {
    return List.copyOf(events.values());
  }

  synchronized List<PassEvent> events(String type) {
    return events.values().stream().filter(e -> e.type().equals(type)).toList();
  }

  synchronized List<PassEvent> events(String type, String nodeId) {
    return events.values().stream()
        .filter(e -> e.type().equals(type) && nodeId.equals(e.nodeId()))
        .toList();
  }

  synchronized List<OperatorAction> actions() {
    return List.copyOf(actions.values());
  }

  synchronized List<Replanned> replans() {
    return List.copyOf(replans);
  }

  synchronized List<Long> reports() {
    return List.copyOf(reports);
  }

  // ---- PassStoreActivities -------------------------------------------------------------------

  @Override
  public synchronized void markStatus(StatusChange change) {
    statuses.putIfAbsent(change.eventKey(), change);
    notifyAll();
  }

  @Override
  public synchronized void recordEvent(PassEvent event) {
    events.putIfAbsent(event.eventKey(), event);
    notifyAll();
  }

  @Override
  public synchronized void recordAction(OperatorAction action) {
    actions.putIfAbsent(action.actionKey(), action);
    notifyAll();
  }

  @Override
  public synchronized int replan(Replan replan) {
    if (replanRefusal != null) {
      throw replanRefusal;
    }
    replans.add(new Replanned(replan, clock.getAsLong()));
    return ++version;
  }

  @Override
  public synchronized PassReport finalizeReport(long passId) {
    reports.add(clock.getAsLong());
    return new PassReport(
        passId,
        lastStatus().status(),
        java.time.Instant.ofEpochMilli(clock.getAsLong()),
        0,
        0,
        Map.of(),
        List.of(),
        Map.of(),
        List.of(),
        Map.of(),
        null,
        null,
        Map.of());
  }
}
