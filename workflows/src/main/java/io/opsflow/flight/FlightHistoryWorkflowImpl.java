package io.opsflow.flight;

import io.opsflow.flight.FlightHistoryActivities.PullRequest;
import io.opsflow.flight.FlightHistoryActivities.SaveRequest;
import io.opsflow.flight.FlightHistoryActivities.TelemetryBatch;
import io.opsflow.flight.FlightHistoryRequest.Carried;
import io.opsflow.flight.FlightHistoryRequest.Retained;
import io.opsflow.flight.FlightHistoryRequest.Retention;
import io.opsflow.flight.FlightRetentionActivities.ArchiveRequest;
import io.opsflow.flight.FlightRetentionActivities.PruneRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** See {@link FlightHistoryWorkflow}. */
public class FlightHistoryWorkflowImpl implements FlightHistoryWorkflow {

  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private final FlightHistoryRequest request;
  private final FlightHistoryActivities store;
  private final FlightRetentionActivities retention;
  private final List<Retained> retained = new ArrayList<>();
  private Instant idleSince;

  /** The start (last onboard time) of a link drop saved open because telemetry stopped. */
  private Instant silentFrom;

  private Integer silentFlight;
  private final FlightClassifier classifier;
  private final boolean searchAttributes;
  private boolean airborne;

  @WorkflowInit
  public FlightHistoryWorkflowImpl(FlightHistoryRequest request) {
    this.request = request;
    // Retried without limit: a database outage delays the history, it must not end it.
    ActivityOptions options =
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(ATTEMPT_TIMEOUT)
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setMaximumInterval(Duration.ofMinutes(1))
                    .build())
            .build();
    this.store = Workflow.newActivityStub(FlightHistoryActivities.class, options);
    // Archives can be large: a longer attempt, the same endless retry.
    this.retention =
        Workflow.newActivityStub(
            FlightRetentionActivities.class,
            ActivityOptions.newBuilder(options)
                .setStartToCloseTimeout(Duration.ofMinutes(5))
                .build());
    Carried carried = request.carried();
    if (carried != null && carried.retention() != null) {
      retained.addAll(carried.retention());
    }
    FlightClassifierState state =
        carried != null && carried.state() != null ? carried.state() : new FlightClassifierState();
    this.classifier = new FlightClassifier(request.configOrDefaults(), state);
    this.searchAttributes =
        Workflow.getTypedSearchAttributes().containsKey(FlightSearchAttributes.AIRBORNE);
  }

  @Override
  public void run(FlightHistoryRequest ignored) {
    int batchSize = Math.max(1, request.batchSize());
    // Version 1: retention (archive and prune closed flights) after each pull. Histories recorded
    // before it (no marker) go on without.
    boolean retain =
        Workflow.getVersion("retention", Workflow.DEFAULT_VERSION, 1) >= 1
            && request.retention() != null;
    // Version 1: a link drop is opened from the workflow's own clock when telemetry stops in
    // flight (the classifier only sees a gap once telemetry comes back).
    boolean silenceDrops =
        Workflow.getVersion("silence-link-drop", Workflow.DEFAULT_VERSION, 1) >= 1;
    for (int batches = 0; ; batches++) {
      if (batches >= request.batchesPerRun() || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        Workflow.continueAsNew(
            request.carrying(
                new Carried(
                    classifier.state().lastId,
                    classifier.state(),
                    retain ? List.copyOf(retained) : null)));
        return;
      }
      TelemetryBatch batch =
          store.pull(new PullRequest(request.deviceId(), classifier.state().lastId, batchSize));
      List<TelemetryPoint> points = batch.points() == null ? List.of() : batch.points();
      if (!points.isEmpty()) {
        classifier.accept(points);
        FlightHistory settled = classifier.drainSettled();
        store.save(new SaveRequest(request.deviceId(), settled, classifier.history()));
        if (silentFrom != null) {
          closeSilence(settled, points);
        }
        upsertAirborne();
        idleSince = null;
        if (retain) {
          for (Flight f : settled.flights()) {
            if (f.closed()
                && f.landedAt() != null
                && retained.stream().noneMatch(r -> r.flightNumber() == f.number())) {
              retained.add(new Retained(f.number(), f.landedAt(), null));
            }
          }
        }
      } else {
        if (idleSince == null) {
          idleSince = now();
        }
        if (silenceDrops && silentFrom == null) {
          openSilence();
        }
      }
      if (retain && !retained.isEmpty()) {
        retain(request.retention());
      }
      if (points.size() < batchSize) {
        Workflow.sleep(request.pollInterval());
      }
    }
  }

  /**
   * Archives the closed flights the pull has left behind by the margin (onboard time; or after the
   * device was silent for the margin, workflow time), then prunes the device's archives older than
   * keep-hot. Each step is an idempotent activity; the list is carried across continue-as-new.
   */
  private void retain(Retention settings) {
    Long last = classifier.state().lastTime;
    Instant pulledUpTo = last == null ? null : Instant.EPOCH.plusNanos(last * 1000);
    boolean silentLongEnough =
        idleSince != null && !now().isBefore(idleSince.plus(settings.archiveMargin()));
    for (int i = 0; i < retained.size(); i++) {
      Retained r = retained.get(i);
      if (r.archivedAt() == null
          && (silentLongEnough
              || (pulledUpTo != null
                  && pulledUpTo.isAfter(r.landedAt().plus(settings.archiveMargin()))))) {
        retention.archive(
            new ArchiveRequest(request.deviceId(), r.flightNumber(), settings.archiveMargin()));
        retained.set(i, new Retained(r.flightNumber(), r.landedAt(), now()));
      }
    }
    Instant now = now();
    if (retained.stream()
        .anyMatch(
            r ->
                r.archivedAt() != null && !now.isBefore(r.archivedAt().plus(settings.keepHot())))) {
      retention.prune(new PruneRequest(now, settings.keepHot(), request.deviceId()));
      retained.removeIf(
          r -> r.archivedAt() != null && !now.isBefore(r.archivedAt().plus(settings.keepHot())));
    }
  }

  /**
   * In flight and nothing pulled for the classifier's link-drop time (workflow time): saves an open
   * LINK_DROP starting at the last onboard time, the key the classifier's own gap incident will
   * have when telemetry comes back (and then closes it by upsert).
   */
  private void openSilence() {
    FlightClassifierState state = classifier.state();
    Duration threshold = request.configOrDefaults().linkDrop();
    if (!state.airborne || state.lastTime == null || now().isBefore(idleSince.plus(threshold))) {
      return;
    }
    FlightHistory open = classifier.history();
    Flight flight = open.flights().isEmpty() ? null : open.flights().getLast();
    Instant from = Instant.EPOCH.plusNanos(state.lastTime * 1000);
    Incident drop =
        new Incident(
            IncidentKind.LINK_DROP,
            IncidentSeverity.WARNING,
            from,
            null,
            flight != null && !flight.closed() ? flight.number() : null,
            "no telemetry in flight since " + from + " (still silent)",
            java.util.Map.of(
                "silent_since", idleSince.toString(),
                "last_before", String.valueOf(state.lastMsgId)));
    store.save(new SaveRequest(request.deviceId(), onlyIncident(drop), onlyIncident(null)));
    silentFrom = from;
    silentFlight = drop.flightNumber();
  }

  /**
   * Telemetry is back after an open silence: the classifier's gap incident (same start) replaced it
   * already; if the onboard times show no gap (the delay was on the receiving side), it is closed
   * here at the first new point as INFO.
   */
  private void closeSilence(FlightHistory settled, List<TelemetryPoint> points) {
    Instant from = silentFrom;
    silentFrom = null;
    boolean classified =
        java.util.stream.Stream.concat(
                settled.incidents().stream(), classifier.history().incidents().stream())
            .anyMatch(i -> i.kind() == IncidentKind.LINK_DROP && from.equals(i.start()));
    if (classified) {
      return;
    }
    Instant back = points.getFirst().time();
    Incident delayed =
        new Incident(
            IncidentKind.LINK_DROP,
            IncidentSeverity.INFO,
            from,
            back.isBefore(from) ? from : back,
            silentFlight,
            "telemetry arrived late (receive side); onboard times show no gap",
            java.util.Map.of("silent_since", String.valueOf(idleSince)));
    store.save(new SaveRequest(request.deviceId(), onlyIncident(delayed), onlyIncident(null)));
  }

  /** A history of just {@code incident}; empty for null. */
  private static FlightHistory onlyIncident(Incident incident) {
    return new FlightHistory(
        List.of(), incident == null ? List.of() : List.of(incident), List.of(), 0, 0, 0, 0);
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }

  @Override
  public FlightHistoryView view() {
    FlightHistory open = classifier.history();
    FlightClassifierState state = classifier.state();
    Flight openFlight = open.flights().isEmpty() ? null : open.flights().getLast();
    return new FlightHistoryView(
        request.deviceId(),
        state.lastId,
        state.points,
        state.flightCount,
        openFlight != null && !openFlight.closed() ? openFlight : null,
        open.incidents().stream().filter(i -> i.end() == null).toList());
  }

  private void upsertAirborne() {
    boolean now = classifier.state().airborne;
    if (searchAttributes && now != airborne) {
      Workflow.upsertTypedSearchAttributes(FlightSearchAttributes.AIRBORNE.valueSet(now));
    }
    airborne = now;
  }
}
