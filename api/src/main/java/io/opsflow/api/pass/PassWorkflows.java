package io.opsflow.api.pass;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opsflow.Failures;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.PassRequest;
import io.opsflow.pass.PassSearchAttributes;
import io.opsflow.pass.PassStatus;
import io.opsflow.pass.PassView;
import io.opsflow.pass.PassWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The Temporal side of passes: starts {@code pass-<id>}, sends its updates and asks its state.
 * Refusals named by the workflow (its validators, {@code PassOverlap}, {@code PassVersionConflict},
 * {@code PassNotReserved}) become 409s with the workflow's own message.
 */
@Component
@EnableConfigurationProperties(PassApiProperties.class)
public class PassWorkflows {

  private static final Logger log = LoggerFactory.getLogger(PassWorkflows.class);

  /** Failure types of {@code PassStoreActivities.replan}. */
  static final String OVERLAP = "PassOverlap";

  static final String VERSION_CONFLICT = "PassVersionConflict";
  static final String NOT_RESERVED = "PassNotReserved";

  /** The pass has no open workflow: never started, or already ended. */
  static final class NotRunning extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotRunning(Throwable cause) {
      super(cause.getMessage(), cause);
    }
  }

  private final WorkflowClient client;
  private final TaskQueueProperties queues;
  private final SearchAttributeRegistrar searchAttributes;
  private final PassApiProperties properties;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

  public PassWorkflows(
      WorkflowClient client,
      TaskQueueProperties queues,
      SearchAttributeRegistrar searchAttributes,
      PassApiProperties properties) {
    this.client = client;
    this.queues = queues;
    this.searchAttributes = searchAttributes;
    this.properties = properties;
  }

  /**
   * Starts the pass's workflow. A retry is harmless: a second start while it runs attaches to it
   * (USE_EXISTING), and a pass whose workflow already ended is never run again (REJECT_DUPLICATE).
   */
  void start(PassRequest request, String reservedBy) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(PassRequest.workflowId(request.passId()))
            .setTaskQueue(queues.orchestration())
            .setWorkflowIdConflictPolicy(
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
            .setMemo(
                Map.of(
                    "api",
                    "/api/v1/passes/" + request.passId(),
                    "satellite",
                    request.satellite(),
                    "ground_station",
                    request.groundStationName(),
                    "reserved_by",
                    reservedBy));
    if (searchAttributes.available()) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(PassSearchAttributes.GROUND_STATION_ID, request.groundStationId())
              .set(PassSearchAttributes.SATELLITE, request.satellite())
              .set(PassSearchAttributes.STATUS, PassStatus.RESERVED.wire())
              .build());
    }
    PassWorkflow stub = client.newWorkflowStub(PassWorkflow.class, options.build());
    try {
      WorkflowClient.start(stub::run, request);
    } catch (WorkflowExecutionAlreadyStarted ended) {
      // REJECT_DUPLICATE: this pass already ran; nothing to start.
      log.info("pass {} already had a workflow: {}", request.passId(), ended.getMessage());
    }
  }

  /** Best effort, after a start that failed half way: no workflow may run a cancelled row. */
  void terminateQuietly(long passId, String reason) {
    try {
      client.newUntypedWorkflowStub(PassRequest.workflowId(passId)).terminate(reason);
    } catch (RuntimeException e) {
      log.debug("pass {}: nothing to terminate ({})", passId, e.getMessage());
    }
  }

  /**
   * Sends one update and waits for its result.
   *
   * @param updateId the update's id: the workflow records an accepted action under it, the API a
   *     rejected one, so each action is one row
   * @throws NotRunning when the pass has no open workflow
   * @throws ApiException 409 with the workflow's message when it refused
   */
  PassView update(long passId, String name, String updateId, Object input) {
    Future<PassView> call =
        calls.submit(
            () ->
                client
                    .newUntypedWorkflowStub(PassRequest.workflowId(passId))
                    .startUpdate(
                        UpdateOptions.newBuilder(PassView.class)
                            .setUpdateName(name)
                            .setUpdateId(updateId)
                            .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                            .build(),
                        input)
                    .getResult());
    try {
      return call.get(properties.updateTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "pass "
              + passId
              + ": its workflow did not answer '"
              + name
              + "' within "
              + properties.updateTimeout().toSeconds()
              + " s (are the orchestration workers running?); it may still apply it when one"
              + " does, see /api/v1/passes/"
              + passId
              + "/actions");
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted");
    } catch (ExecutionException e) {
      throw failed(passId, name, e.getCause());
    }
  }

  private static RuntimeException failed(long passId, String name, Throwable e) {
    if (e instanceof WorkflowNotFoundException) {
      return new NotRunning(e);
    }
    if (e instanceof WorkflowServiceException) {
      if (e.getCause() instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return new NotRunning(e);
      }
      return new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "pass "
              + passId
              + ": the workflow service did not take '"
              + name
              + "': "
              + e.getMessage());
    }
    if (e instanceof WorkflowException) {
      ApplicationFailure cause = Failures.applicationCause(e);
      if (cause != null) {
        return refusal(cause);
      }
    }
    return new IllegalStateException(
        "pass " + passId + ": update '" + name + "' failed: " + e.getMessage(), e);
  }

  /** The workflow's refusal as the API's 409, naming the field and the other pass when it can. */
  static ApiException refusal(ApplicationFailure cause) {
    String message =
        cause.getOriginalMessage() == null || cause.getOriginalMessage().isBlank()
            ? "refused (" + cause.getType() + ")"
            : cause.getOriginalMessage();
    if (OVERLAP.equals(cause.getType())) {
      Long other = null;
      try {
        other = cause.getDetails().get(0, Long.class);
      } catch (RuntimeException noDetail) {
        // The message still names the pass.
      }
      return new ApiException(
          HttpStatus.CONFLICT,
          message,
          "aos",
          other == null ? Map.of() : Map.of("conflicting_pass_id", other));
    }
    if (VERSION_CONFLICT.equals(cause.getType())) {
      return new ApiException(HttpStatus.CONFLICT, message, "version");
    }
    return ApiException.conflict(message);
  }

  /**
   * The running workflow's state; empty when it has ended, never started, or did not answer within
   * the state timeout (no worker).
   */
  Optional<PassView> state(long passId) {
    PassWorkflow stub = client.newWorkflowStub(PassWorkflow.class, PassRequest.workflowId(passId));
    Future<PassView> answer = calls.submit(stub::state);
    try {
      return Optional.ofNullable(
          answer.get(properties.stateTimeout().toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException e) {
      answer.cancel(true);
      log.info("pass {}: its workflow did not answer the state query", passId);
      return Optional.empty();
    } catch (ExecutionException e) {
      log.debug("pass {}: no state from its workflow ({})", passId, e.getCause().getMessage());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
