package io.opsflow.api.device;

import io.opsflow.Failures;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.device.Decommission;
import io.opsflow.device.DeviceContact;
import io.opsflow.device.DeviceEnrolled;
import io.opsflow.device.DeviceFailure;
import io.opsflow.device.DeviceOnboardingRequest;
import io.opsflow.device.DeviceOnboardingWorkflow;
import io.opsflow.device.DeviceSearchAttributes;
import io.opsflow.device.DeviceStatus;
import io.opsflow.device.DeviceView;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The Temporal side of devices: starts {@code device-<id>} with update-with-start (the answer comes
 * once the device is ready to install), sends decommission, contact and enrollment. Named failures
 * become statuses: an exhausted mesh 409, a refused public key 400.
 */
@Component
public class DeviceWorkflows {

  private static final Logger log = LoggerFactory.getLogger(DeviceWorkflows.class);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final WorkflowClient client;
  private final TaskQueueProperties queues;
  private final SearchAttributeRegistrar searchAttributes;
  private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

  public DeviceWorkflows(
      WorkflowClient client,
      TaskQueueProperties queues,
      SearchAttributeRegistrar searchAttributes) {
    this.client = client;
    this.queues = queues;
    this.searchAttributes = searchAttributes;
  }

  /** Starts the device's workflow and waits until it is ready to install (or failed). */
  DeviceView onboard(DeviceOnboardingRequest request, String registeredBy) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(DeviceOnboardingRequest.workflowId(request.deviceId()))
            .setTaskQueue(queues.orchestration())
            .setWorkflowIdConflictPolicy(
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .setMemo(
                Map.of(
                    "api", "/api/v1/devices/" + request.deviceId(), "registered_by", registeredBy));
    if (searchAttributes.available()) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(DeviceSearchAttributes.TENANT, request.tenant())
              .set(DeviceSearchAttributes.STATUS, DeviceStatus.REGISTERED.wire())
              .build());
    }
    DeviceOnboardingWorkflow stub =
        client.newWorkflowStub(DeviceOnboardingWorkflow.class, options.build());
    return call(
        request.deviceId(),
        "onboarding",
        () ->
            WorkflowClient.executeUpdateWithStart(
                stub::awaitReady,
                UpdateOptions.<DeviceView>newBuilder()
                    .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                    .build(),
                new WithStartWorkflowOperation<>(stub::run, request)));
  }

  DeviceView decommission(long deviceId, Decommission decommission) {
    return call(deviceId, "decommission", () -> running(deviceId).decommission(decommission));
  }

  void contact(long deviceId, DeviceContact contact) {
    call(
        deviceId,
        "contact",
        () -> {
          running(deviceId).contact(contact);
          return null;
        });
  }

  /** Best effort after a redemption: the workflow then renews the new certificate. */
  void enrolled(long deviceId, DeviceEnrolled enrolled) {
    try {
      running(deviceId).enrolled(enrolled);
    } catch (RuntimeException e) {
      log.warn(
          "device {}: could not tell its workflow about enrollment: {}", deviceId, e.toString());
    }
  }

  private DeviceOnboardingWorkflow running(long deviceId) {
    return client.newWorkflowStub(
        DeviceOnboardingWorkflow.class, DeviceOnboardingRequest.workflowId(deviceId));
  }

  private <T> T call(long deviceId, String what, Callable<T> action) {
    Future<T> future = calls.submit(action);
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "device "
              + deviceId
              + ": its workflow did not answer '"
              + what
              + "' within "
              + CALL_TIMEOUT.toSeconds()
              + " s (are the orchestration workers running?)");
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted");
    } catch (ExecutionException e) {
      throw refusal(deviceId, e.getCause());
    }
  }

  private static RuntimeException refusal(long deviceId, Throwable e) {
    if (e instanceof WorkflowNotFoundException) {
      return ApiException.conflict("device " + deviceId + " has no running onboarding workflow");
    }
    ApplicationFailure cause = Failures.applicationCause(e);
    DeviceFailure failure = cause == null ? null : DeviceFailure.fromType(cause.getType());
    if (failure == null) {
      if (e instanceof RuntimeException runtime) {
        return runtime;
      }
      return new IllegalStateException(e);
    }
    return switch (failure) {
      case ADDRESS_POOL_EXHAUSTED, ALREADY_DECOMMISSIONED ->
          ApiException.conflict("device " + deviceId + ": " + cause.getOriginalMessage());
      case INVALID_PUBLIC_KEY -> ApiException.badRequest("public_key", cause.getOriginalMessage());
      case DEVICE_NOT_FOUND -> ApiException.notFound(cause.getOriginalMessage());
      case CA_UNAVAILABLE ->
          new ApiException(
              HttpStatus.SERVICE_UNAVAILABLE,
              "device " + deviceId + ": " + cause.getOriginalMessage());
    };
  }
}
