package io.opsflow.api.build;

import io.opsflow.Failures;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.build.BuildDtos.BuildView;
import io.opsflow.api.build.BuildRows.BuildHead;
import io.opsflow.api.build.BuildRows.NewBuild;
import io.opsflow.api.build.PipelineStore.Pipeline;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.build.BuildRequest;
import io.opsflow.build.BuildSearchAttributes;
import io.opsflow.build.BuildSettings;
import io.opsflow.build.BuildStatus;
import io.opsflow.build.BuildWorkflow;
import io.opsflow.build.CancelBuild;
import io.opsflow.build.Dag;
import io.opsflow.build.ReusedJob;
import io.opsflow.build.runner.BuildProperties;
import io.opsflow.build.runner.BuildRunnerInfo;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Starts, re-runs and cancels builds: the row first (QUEUED, with the YAML snapshot), then the
 * {@code build-<id>} workflow; the caller gets the build at once and follows it over SSE.
 */
@Service
public class BuildService {

  private static final Logger log = LoggerFactory.getLogger(BuildService.class);

  /** The validator's words when a build is over (BuildWorkflowImpl). */
  static final String ALREADY_FINISHED = "Build already finished";

  private final PipelineStore pipelines;
  private final BuildRows rows;
  private final WorkflowClient client;
  private final TaskQueueProperties queues;
  private final BuildProperties props;
  private final BuildRunnerInfo runner;
  private final SearchAttributeRegistrar searchAttributes;

  public BuildService(
      PipelineStore pipelines,
      BuildRows rows,
      WorkflowClient client,
      TaskQueueProperties queues,
      BuildProperties props,
      BuildRunnerInfo runner,
      SearchAttributeRegistrar searchAttributes) {
    this.pipelines = pipelines;
    this.rows = rows;
    this.client = client;
    this.queues = queues;
    this.props = props;
    this.runner = runner;
    this.searchAttributes = searchAttributes;
  }

  public BuildView start(long pipelineId, String user) {
    Pipeline p = pipelines.require(pipelineId);
    requireMember(p, user);
    // Snapshot: the build runs the YAML as it is now, whatever later edits do.
    Dag dag = PipelineStore.parse(p.yaml());
    return launch(p.id(), p.yaml(), p.version(), dag, user, null, Map.of());
  }

  /**
   * A new build of the same snapshot that reuses every job the old build (or the one it re-ran) got
   * to succeed, like Argo's retry: only failed, skipped and cancelled jobs run again.
   */
  public BuildView rerun(long buildId, String user) {
    BuildHead old = head(buildId);
    requireMember(pipelines.require(old.pipelineId()), user);
    BuildStatus status = BuildStatus.valueOf(old.status());
    if (!status.finished()) {
      throw ApiException.conflict("build " + buildId + " is still " + status);
    }
    if (status == BuildStatus.SUCCEEDED) {
      throw ApiException.conflict("build " + buildId + " succeeded: nothing to re-run");
    }
    Dag dag = PipelineStore.parse(old.yaml());
    Map<String, ReusedJob> reused = rows.succeededJobs(buildId);
    return launch(old.pipelineId(), old.yaml(), old.pipelineVersion(), dag, user, buildId, reused);
  }

  private BuildView launch(
      long pipelineId,
      String yaml,
      int version,
      Dag dag,
      String user,
      Long rerunOf,
      Map<String, ReusedJob> reused) {
    BuildSettings s = props.settings(runner);
    long id = rows.insert(new NewBuild(pipelineId, yaml, version, s.runner(), user, rerunOf, dag));
    BuildRequest request = new BuildRequest(id, pipelineId, dag, s, reused);
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(request.workflowId())
            .setTaskQueue(queues.orchestration())
            .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
            .setMemo(
                Map.of(
                    "api", "/api/v1/builds/" + id,
                    "pipeline_id", pipelineId,
                    "triggered_by", user));
    if (searchAttributes.available()) {
      options.setTypedSearchAttributes(BuildSearchAttributes.initial(request));
    }
    try {
      WorkflowClient.start(
          client.newWorkflowStub(BuildWorkflow.class, options.build())::run, request);
    } catch (RuntimeException e) {
      log.error("build {} could not be started", id, e);
      rows.failUnstarted(id, "could not start: " + e.getMessage());
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "build " + id + " could not be started: " + e.getMessage());
    }
    return rows.find(id).orElseThrow();
  }

  public BuildView cancel(long buildId, String user, String reason) {
    BuildHead head = head(buildId);
    requireMember(pipelines.require(head.pipelineId()), user);
    if (BuildStatus.valueOf(head.status()).finished()) {
      throw ApiException.conflict(ALREADY_FINISHED);
    }
    BuildWorkflow stub =
        client.newWorkflowStub(BuildWorkflow.class, BuildRequest.workflowId(buildId));
    try {
      stub.cancel(new CancelBuild(reason, user));
    } catch (WorkflowNotFoundException closed) {
      throw ApiException.conflict(ALREADY_FINISHED);
    } catch (WorkflowException e) {
      if (rejectedAsFinished(e)) {
        throw ApiException.conflict(ALREADY_FINISHED);
      }
      throw e;
    }
    return get(buildId);
  }

  private static boolean rejectedAsFinished(Throwable e) {
    // The validator throws IllegalStateException, so the rejection has no failure type of its own:
    // match the validator's message.
    ApplicationFailure cause = Failures.applicationCause(e);
    return cause != null
        && cause.getOriginalMessage() != null
        && cause.getOriginalMessage().contains(ALREADY_FINISHED);
  }

  public BuildView get(long buildId) {
    return rows.find(buildId)
        .orElseThrow(() -> ApiException.notFound("build " + buildId + " not found"));
  }

  public List<BuildView> listOf(long pipelineId, int limit) {
    return rows.ofPipeline(pipelineId, limit);
  }

  private BuildHead head(long buildId) {
    return rows.head(buildId)
        .orElseThrow(() -> ApiException.notFound("build " + buildId + " not found"));
  }

  private static void requireMember(Pipeline p, String user) {
    if (!p.mayStart(user)) {
      throw ApiException.forbidden(
          "user '" + user + "' may not start builds of pipeline '" + p.name() + "'");
    }
  }
}
