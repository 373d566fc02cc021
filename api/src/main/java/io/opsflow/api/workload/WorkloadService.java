package io.opsflow.api.workload;

import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.Failures;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.workload.WorkloadDtos.NodeHeartbeat;
import io.opsflow.api.workload.WorkloadDtos.RegisterNode;
import io.opsflow.api.workload.WorkloadDtos.ScheduleWorkload;
import io.opsflow.api.workload.WorkloadDtos.Scheduled;
import io.opsflow.api.workload.WorkloadDtos.WorkloadRow;
import io.opsflow.api.workload.WorkloadQueries.NodeAddress;
import io.opsflow.workload.Heartbeat;
import io.opsflow.workload.NodeRegistration;
import io.opsflow.workload.NodeRegistry;
import io.opsflow.workload.NodeWorkflow;
import io.opsflow.workload.Placement;
import io.opsflow.workload.RemoveWorkload;
import io.opsflow.workload.RestartMode;
import io.opsflow.workload.RestartPolicy;
import io.opsflow.workload.RetryWorkload;
import io.opsflow.workload.WorkloadFailure;
import io.opsflow.workload.WorkloadRequest;
import io.opsflow.workload.WorkloadSearchAttributes;
import io.opsflow.workload.WorkloadSpec;
import io.opsflow.workload.WorkloadStatus;
import io.opsflow.workload.WorkloadWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.BatchRequest;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Schedules, removes and retries workloads, and relays agents' registrations and heartbeats to
 * their {@code node-<id>} workflows. The reply to a schedule request waits for the placement (node
 * chosen, row stored as Scheduled), never for Docker.
 */
@Service
@EnableConfigurationProperties(WorkloadProperties.class)
public class WorkloadService {

  static final String ALREADY_REMOVED = "Workload already removed";

  private final WorkflowClient client;
  private final TaskQueueProperties queues;
  private final WorkloadProperties props;
  private final WorkloadQueries queries;
  private final SearchAttributeRegistrar searchAttributes;
  private final MeterRegistry meters;
  private final NodeRegistry registry;
  private final Clock clock;

  public WorkloadService(
      WorkflowClient client,
      TaskQueueProperties queues,
      WorkloadProperties props,
      WorkloadQueries queries,
      SearchAttributeRegistrar searchAttributes,
      MeterRegistry meters,
      NodeRegistry registry) {
    this.client = client;
    this.queues = queues;
    this.props = props;
    this.queries = queries;
    this.searchAttributes = searchAttributes;
    this.meters = meters;
    this.registry = registry;
    this.clock = Clock.systemUTC();
  }

  public Scheduled schedule(ScheduleWorkload body) {
    WorkloadSpec spec = spec(body);
    String id = UUID.randomUUID().toString();
    Placement placement = launch(new WorkloadRequest(id, spec, 1, props.toSettings()));
    return new Scheduled(id, placement.nodeId(), placement.status().display());
  }

  static WorkloadSpec spec(ScheduleWorkload body) {
    // PostgreSQL text cannot hold NUL: refused here rather than retried forever by the store.
    noNul("name", body.name());
    noNul("image", body.image());
    noNul("command", body.command());
    if (body.envVars() != null) {
      body.envVars().forEach((name, value) -> noNul("env_vars." + name, value));
    }
    String type = body.type() == null ? "docker-container" : body.type();
    if (!type.equals("docker-container")) {
      throw ApiException.badRequest(
          "type", "type: only 'docker-container' is supported, got '" + type + "'");
    }
    return new WorkloadSpec(
        body.name().strip(),
        type,
        body.image().strip(),
        CommandLine.split(body.command()),
        environment(body.envVars()),
        body.cpu() == null ? 0 : body.cpu(),
        body.memory() == null ? 0 : body.memory(),
        restartPolicy(body.restartPolicy(), body.maxRestarts()));
  }

  private static void noNul(String field, String value) {
    if (value != null && value.indexOf('\0') >= 0) {
      throw ApiException.badRequest(field, field + ": must not contain a NUL character");
    }
  }

  /** The container's variables: names Docker accepts (not blank, no '='), values not null. */
  static java.util.Map<String, String> environment(java.util.Map<String, String> env) {
    if (env == null) {
      return null;
    }
    for (var entry : env.entrySet()) {
      String name = entry.getKey();
      if (name.isBlank() || name.contains("=") || name.indexOf('\0') >= 0) {
        throw ApiException.badRequest(
            "env_vars", "env_vars: '" + name + "' is not a variable name (blank, '=' or NUL)");
      }
      if (entry.getValue() == null) {
        throw ApiException.badRequest(
            "env_vars", "env_vars." + name + ": must be a string, not null");
      }
    }
    return env;
  }

  /** never | on-failure[:N] | always, Docker's spelling; max restarts from N or maxRestarts. */
  static RestartPolicy restartPolicy(String text, Integer maxRestarts) {
    if (text == null || text.isBlank()) {
      return RestartPolicy.NEVER;
    }
    String[] parts = text.strip().toLowerCase(Locale.ROOT).split(":", 2);
    Integer max = maxRestarts;
    if (parts.length == 2) {
      try {
        max = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw ApiException.badRequest(
            "restartPolicy", "restartPolicy: '" + parts[1] + "' is not a number of restarts");
      }
    }
    return switch (parts[0]) {
      case "never", "no" -> RestartPolicy.NEVER;
      case "on-failure" -> new RestartPolicy(RestartMode.ON_FAILURE, max == null ? 3 : max);
      case "always", "unless-stopped" ->
          new RestartPolicy(RestartMode.ALWAYS, max == null ? 0 : max);
      default ->
          throw ApiException.badRequest(
              "restartPolicy",
              "restartPolicy: expected never, on-failure[:N] or always, got '" + text + "'");
    };
  }

  private Placement launch(WorkloadRequest request) {
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(WorkloadRequest.workflowId(request.workloadId()))
            .setTaskQueue(queues.orchestration())
            // A retry of a closed run starts the same workload id again.
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
            .setMemo(
                java.util.Map.of(
                    "api",
                    "/api/v1/workloads/" + request.workloadId(),
                    "name",
                    request.spec().name()));
    if (searchAttributes.available()) {
      options.setTypedSearchAttributes(
          io.temporal.common.SearchAttributes.newBuilder()
              .set(WorkloadSearchAttributes.STATUS, WorkloadStatus.PENDING.name())
              .build());
    }
    WorkloadWorkflow stub = client.newWorkflowStub(WorkloadWorkflow.class, options.build());
    Placement placement =
        WorkflowClient.executeUpdateWithStart(
            stub::placement,
            UpdateOptions.<Placement>newBuilder()
                .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                .build(),
            new WithStartWorkflowOperation<>(stub::run, request));
    meters
        .counter(
            "opsflow.scheduling.decisions",
            "outcome",
            placement.status().name().toLowerCase(Locale.ROOT),
            "policy",
            props.placement().name().toLowerCase(Locale.ROOT))
        .increment();
    return placement;
  }

  public WorkloadRow remove(String id) {
    WorkloadRow row = queries.workload(id);
    if (WorkloadStatus.valueOf(row.status().toUpperCase(Locale.ROOT)) == WorkloadStatus.REMOVED) {
      throw ApiException.conflict(ALREADY_REMOVED);
    }
    WorkloadWorkflow stub =
        client.newWorkflowStub(WorkloadWorkflow.class, WorkloadRequest.workflowId(id));
    try {
      stub.remove(new RemoveWorkload("deleted by operator"));
    } catch (WorkflowNotFoundException closed) {
      // Past its retention the workflow removed the container itself and closed.
      throw ApiException.conflict(ALREADY_REMOVED);
    } catch (WorkflowException e) {
      String message = rejection(e);
      if (message != null) {
        throw ApiException.conflict(message);
      }
      throw e;
    }
    return queries.workload(id);
  }

  /**
   * Runs an ended workload (Exited, Failed, Missing) again as its next revision: the retry update
   * of its still-open run; a run already closed (retention over) starts anew.
   */
  public Scheduled retry(String id) {
    WorkloadRow row = queries.workload(id);
    WorkloadWorkflow stub =
        client.newWorkflowStub(WorkloadWorkflow.class, WorkloadRequest.workflowId(id));
    Placement placement;
    try {
      placement = stub.retry(new RetryWorkload("retried by operator"));
    } catch (WorkflowNotFoundException closed) {
      WorkloadStatus status = WorkloadStatus.valueOf(row.status().toUpperCase(Locale.ROOT));
      if (status == WorkloadStatus.REMOVED) {
        throw ApiException.conflict(ALREADY_REMOVED);
      }
      placement =
          launch(new WorkloadRequest(id, queries.spec(id), row.revision() + 1, props.toSettings()));
    } catch (WorkflowException e) {
      String message = rejection(e);
      if (message != null) {
        throw ApiException.conflict(message);
      }
      throw e;
    }
    return new Scheduled(id, placement.nodeId(), placement.status().display());
  }

  /**
   * A validator's rejection message, or null: matched by failure type (SDK 1.39+), else by message
   * (SDK 1.35 lost the type of a validator's rejection: sdk-java #2875).
   */
  private static String rejection(WorkflowException e) {
    ApplicationFailure cause = Failures.applicationCause(e);
    String m = cause == null ? null : cause.getOriginalMessage();
    if (m == null) {
      return null;
    }
    String type = cause.getType();
    if (WorkloadFailure.ALREADY_REMOVED.type().equals(type)
        || WorkloadFailure.NOT_RETRYABLE.type().equals(type)) {
      return m;
    }
    return m.contains(ALREADY_REMOVED) || m.contains("only an Exited, Failed or Missing")
        ? m
        : null;
  }

  public void register(RegisterNode body) {
    Instant now = clock.instant();
    registry.register(body.nodeId(), body.ipAddress(), body.hostname(), now);
    NodeRegistration registration =
        props.registration(body.nodeId(), body.ipAddress(), body.hostname());
    signalNode(registration, new Heartbeat(body.nodeId(), statusOr(body.status()), 0, 0, now));
  }

  public void heartbeat(NodeHeartbeat body) {
    // The agent answers 404 by registering again (after a restart of a cluster that lost it).
    NodeAddress address =
        queries
            .address(body.nodeId())
            .orElseThrow(
                () -> ApiException.notFound("node " + body.nodeId() + " is not registered"));
    Heartbeat heartbeat =
        new Heartbeat(
            body.nodeId(),
            statusOr(body.status()),
            body.availableCpu() == null ? 0 : body.availableCpu(),
            body.availableMemory() == null ? 0 : body.availableMemory(),
            clock.instant());
    registry.heartbeat(heartbeat);
    // Address and hostname only matter when this signal starts the node's workflow anew.
    signalNode(
        props.registration(body.nodeId(), address.ipAddress(), address.hostname()), heartbeat);
  }

  private static String statusOr(String status) {
    return status == null || status.isBlank() ? "active" : status;
  }

  private void signalNode(NodeRegistration registration, Heartbeat heartbeat) {
    NodeWorkflow stub =
        client.newWorkflowStub(
            NodeWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(NodeRegistration.workflowId(registration.nodeId()))
                .setTaskQueue(queues.orchestration())
                .setMemo(java.util.Map.of("api", "/api/v1/nodes", "node_id", registration.nodeId()))
                .build());
    for (int attempt = 1; ; attempt++) {
      BatchRequest request = client.newSignalWithStartRequest();
      request.add(stub::run, registration);
      request.add(stub::heartbeat, heartbeat);
      try {
        client.signalWithStart(request);
        return;
      } catch (io.temporal.client.WorkflowExecutionAlreadyStarted race) {
        // Two calls for one node at once: the other started the workflow; signal it again.
        if (attempt == 3) {
          throw race;
        }
      }
    }
  }

  static ApiException notFound(String id) {
    return new ApiException(HttpStatus.NOT_FOUND, "workload " + id + " not found");
  }
}
