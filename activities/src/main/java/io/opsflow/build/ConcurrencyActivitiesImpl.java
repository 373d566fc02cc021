package io.opsflow.build;

import io.opsflow.build.ConcurrencyWorkflow.Acquire;
import io.opsflow.build.ConcurrencyWorkflow.ConcurrencyState;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import org.springframework.stereotype.Component;

/** Signal-with-start of a pipeline's concurrency group workflow. */
@Component("concurrencyActivitiesImpl")
public class ConcurrencyActivitiesImpl implements ConcurrencyActivities {

  private final WorkflowClient client;

  public ConcurrencyActivitiesImpl(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public void acquire(AcquireGroup request) {
    signalWithStart(client, request);
  }

  /** Starts the group's workflow unless it runs, and asks it for the build's turn. */
  public static void signalWithStart(WorkflowClient client, AcquireGroup request) {
    ConcurrencyWorkflow group =
        client.newWorkflowStub(
            ConcurrencyWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(
                    ConcurrencyWorkflow.workflowId(request.pipelineId(), request.group()))
                .setTaskQueue(request.taskQueue())
                .build());
    BatchRequest batch = client.newSignalWithStartRequest();
    batch.add(group::run, new ConcurrencyState(request.group(), null, null));
    batch.add(group::acquire, new Acquire(request.buildId(), request.cancelInProgress()));
    client.signalWithStart(batch);
  }
}
