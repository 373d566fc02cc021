package io.opsflow.device.connectivity;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/** See {@link ConnectivityWorkflow}. */
public class ConnectivityWorkflowImpl implements ConnectivityWorkflow {

  private static final Logger log = Workflow.getLogger(ConnectivityWorkflowImpl.class);

  private final ConnectivityRequest request;
  private final ConnectivityActivities probes;
  private final ConnectivityActivities store;
  private Health health;
  private String reason = "not probed yet";
  private StopMonitoring stop;
  private int probesThisRun;

  @WorkflowInit
  public ConnectivityWorkflowImpl(ConnectivityRequest request) {
    this.request = request;
    ConnectivitySettings s = request.settings();
    // A probe waits for a bulkhead slot, then for its answer; a probe that cannot run in one
    // interval is skipped rather than queued behind the next one.
    this.probes =
        Workflow.newActivityStub(
            ConnectivityActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(s.devicesTaskQueue())
                .setStartToCloseTimeout(s.probeTimeout().plus(s.interval()).plusSeconds(5))
                .setScheduleToCloseTimeout(s.probeTimeout().plus(s.interval()).plusSeconds(10))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofSeconds(5))
                        .build())
                .build());
    this.store =
        Workflow.newActivityStub(
            ConnectivityActivities.class,
            ActivityOptions.newBuilder()
                .setTaskQueue(s.devicesTaskQueue())
                .setStartToCloseTimeout(Duration.ofSeconds(10))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setMaximumInterval(Duration.ofSeconds(30))
                        .build())
                .build());
    this.health = request.carried() == null ? Health.initial() : request.carried();
  }

  @Override
  public void run(ConnectivityRequest ignored) {
    ConnectivitySettings s = request.settings();
    while (stop == null) {
      ProbeResult probe;
      try {
        probe =
            probes.probe(
                new ConnectivityActivities.ProbeRequest(request.endpointId(), s.probeTimeout()));
      } catch (ActivityFailure notRun) {
        // No worker could probe in time: no verdict on the endpoint, try at the next tick.
        log.warn("endpoint {}: probe not run: {}", request.endpointId(), notRun.getMessage());
        Workflow.await(s.interval(), () -> stop != null);
        continue;
      }
      if (probe.released()) {
        finish("endpoint released");
        return;
      }
      ConnectivityStatus before = health.status();
      ConnectivityRules.Judged judged = ConnectivityRules.next(health, probe, s);
      health = judged.health();
      reason = judged.reason();
      store.record(
          new ConnectivityActivities.ConnectivityUpdate(
              request.endpointId(), before, health, probe, reason));
      if (health.status() != before) {
        Workflow.upsertTypedSearchAttributes(
            ConnectivitySearchAttributes.STATUS.valueSet(health.status().value()));
      }
      probesThisRun++;
      if (probesThisRun >= s.probesPerRun() || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (stop == null) {
          Workflow.continueAsNew(request.carrying(health));
          return;
        }
      }
      Workflow.await(s.interval(), () -> stop != null);
    }
    finish("stopped by " + stop.by() + ": " + stop.reason());
  }

  private void finish(String why) {
    reason = why;
    store.stopped(
        new ConnectivityActivities.MonitorStopped(
            request.endpointId(), Instant.ofEpochMilli(Workflow.currentTimeMillis()), why));
    Workflow.await(Workflow::isEveryHandlerFinished);
  }

  @Override
  public ConnectivityView state() {
    return new ConnectivityView(request.endpointId(), health, reason, stop != null);
  }

  @Override
  public ConnectivityView stop(StopMonitoring request) {
    stop = request;
    return state();
  }

  @Override
  public void validateStop(StopMonitoring request) {
    if (request == null || request.reason() == null || request.reason().isBlank()) {
      throw new IllegalArgumentException("reason is required to stop monitoring an endpoint");
    }
    if (stop != null) {
      throw new IllegalStateException("monitoring of this endpoint is already stopping");
    }
  }
}
