package io.opsflow.flight;

import io.opsflow.flight.FlightHistoryActivities.PullRequest;
import io.opsflow.flight.FlightHistoryActivities.SaveRequest;
import io.opsflow.flight.FlightHistoryActivities.TelemetryBatch;
import io.opsflow.flight.FlightHistoryRequest.Carried;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.util.List;

/** See {@link FlightHistoryWorkflow}. */
public class FlightHistoryWorkflowImpl implements FlightHistoryWorkflow {

  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  private final FlightHistoryRequest request;
  private final FlightHistoryActivities store;
  private final FlightClassifier classifier;
  private final boolean searchAttributes;
  private boolean airborne;

  @WorkflowInit
  public FlightHistoryWorkflowImpl(FlightHistoryRequest request) {
    this.request = request;
    // Retried without limit: a database outage delays the history, it must not end it.
    this.store =
        Workflow.newActivityStub(
            FlightHistoryActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(ATTEMPT_TIMEOUT)
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofMinutes(1))
                        .build())
                .build());
    Carried carried = request.carried();
    FlightClassifierState state =
        carried != null && carried.state() != null ? carried.state() : new FlightClassifierState();
    this.classifier = new FlightClassifier(request.configOrDefaults(), state);
    this.searchAttributes =
        Workflow.getTypedSearchAttributes().containsKey(FlightSearchAttributes.AIRBORNE);
  }

  @Override
  public void run(FlightHistoryRequest ignored) {
    int batchSize = Math.max(1, request.batchSize());
    for (int batches = 0; ; batches++) {
      if (batches >= request.batchesPerRun() || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        Workflow.continueAsNew(
            request.carrying(new Carried(classifier.state().lastId, classifier.state())));
        return;
      }
      TelemetryBatch batch =
          store.pull(new PullRequest(request.deviceId(), classifier.state().lastId, batchSize));
      List<TelemetryPoint> points = batch.points() == null ? List.of() : batch.points();
      if (!points.isEmpty()) {
        classifier.accept(points);
        FlightHistory settled = classifier.drainSettled();
        store.save(new SaveRequest(request.deviceId(), settled, classifier.history()));
        upsertAirborne();
      }
      if (points.size() < batchSize) {
        Workflow.sleep(request.pollInterval());
      }
    }
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
