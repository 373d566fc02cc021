package io.opsflow.api.build;

import io.opsflow.Failures;
import io.opsflow.TaskQueueProperties;
import io.opsflow.api.build.BuildDtos.BuildView;
import io.opsflow.api.build.BuildDtos.StartBuild;
import io.opsflow.api.build.BuildRows.BuildHead;
import io.opsflow.api.build.BuildRows.NewBuild;
import io.opsflow.api.build.PipelineStore.Pipeline;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.ReadBack;
import io.opsflow.build.BuildContexts;
import io.opsflow.build.BuildRequest;
import io.opsflow.build.BuildSearchAttributes;
import io.opsflow.build.BuildSettings;
import io.opsflow.build.BuildStatus;
import io.opsflow.build.BuildTrigger;
import io.opsflow.build.BuildWorkflow;
import io.opsflow.build.CancelBuild;
import io.opsflow.build.Dag;
import io.opsflow.build.MatrixExpansion;
import io.opsflow.build.ReusedJob;
import io.opsflow.build.TriggerFilters;
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
    return start(pipelineId, user, null);
  }

  /**
   * Starts a build for a trigger. Without trigger parameters it is a manual run: {@code
   * workflow_dispatch} for its inputs' defaults, and {@code on:} filters are not checked (as before
   * triggers existed). With them, a trigger the pipeline's {@code on:} does not run on is refused
   * with 422: GitHub creates no run for it either.
   */
  public BuildView start(long pipelineId, String user, StartBuild body) {
    Pipeline p = pipelines.require(pipelineId);
    requireMember(p, user);
    // Snapshot: the build runs the YAML as it is now, whatever later edits do.
    Dag dag = PipelineStore.parse(p.yaml());
    boolean manual = body == null || body.isEmpty();
    String event = manual ? "workflow_dispatch" : body.event() == null ? "push" : body.event();
    if (!EVENT.matcher(event).matches()) {
      throw ApiException.badRequest(
          "event", "event must be an event name like push, got '" + event + "'");
    }
    String ref = manual || body.ref() == null ? "" : ref(body.ref());
    String sha = manual || body.sha() == null ? "" : body.sha();
    if (!sha.isEmpty() && !SHA.matcher(sha).matches()) {
      throw ApiException.badRequest("sha", "sha must be 7 to 40 hex digits, got '" + sha + "'");
    }
    Map<String, Object> inputs;
    try {
      inputs = TriggerFilters.inputs(dag.triggers(), event, manual ? null : body.inputs());
    } catch (IllegalArgumentException e) {
      String field = e.getMessage().substring(0, e.getMessage().indexOf(':'));
      throw ApiException.badRequest(field, e.getMessage());
    }
    BuildTrigger trigger = new BuildTrigger(event, ref, sha, user, p.name(), 0, inputs);
    if (!manual) {
      String refusal = TriggerFilters.refusal(dag.triggers(), trigger);
      if (refusal != null) {
        throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, refusal, "event");
      }
    }
    // The variables are snapshotted when the build's row is inserted (null: the pipeline's now).
    return launch(p.id(), p.yaml(), p.version(), dag, user, null, Map.of(), trigger, null);
  }

  private static final java.util.regex.Pattern EVENT =
      java.util.regex.Pattern.compile("[a-z_]{1,64}");
  private static final java.util.regex.Pattern SHA =
      java.util.regex.Pattern.compile("[0-9a-fA-F]{7,40}");

  /** {@code main} is {@code refs/heads/main}; a full ref stays. */
  private static String ref(String ref) {
    String r = ref.strip();
    if (r.isEmpty() || r.length() > 255 || r.contains("..") || r.chars().anyMatch(c -> c < 0x21)) {
      throw ApiException.badRequest(
          "ref", "ref must be a branch, tag or refs/... name, got '" + ref + "'");
    }
    return r.startsWith("refs/") ? r : "refs/heads/" + r;
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
    BuildTrigger original = originalTrigger(buildId);
    BuildTrigger trigger =
        original == null
            ? null
            : new BuildTrigger(
                original.event(),
                original.ref(),
                original.sha(),
                user,
                original.repository(),
                0,
                original.inputs());
    // As GitHub re-runs: the variables the original build started with, not the current ones.
    Map<String, String> vars = rows.varsSnapshot(buildId);
    return launch(
        old.pipelineId(),
        old.yaml(),
        old.pipelineVersion(),
        dag,
        user,
        buildId,
        reused,
        trigger,
        vars);
  }

  /**
   * The trigger a build was started with, read from its workflow's input (the trigger has no column
   * of its own); null when the history is gone or predates triggers.
   */
  private BuildTrigger originalTrigger(long buildId) {
    try {
      BuildRequest request = firstInput(buildId);
      return request == null ? null : request.trigger();
    } catch (RuntimeException e) {
      log.warn("build {}: trigger not readable, the re-run has none", buildId, e);
      return null;
    }
  }

  private BuildRequest firstInput(long buildId) {
    var history = client.fetchHistory(BuildRequest.workflowId(buildId));
    var started = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes();
    return io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
        0, java.util.Optional.of(started.getInput()), BuildRequest.class, BuildRequest.class);
  }

  private BuildView launch(
      long pipelineId,
      String yaml,
      int version,
      Dag dag,
      String user,
      Long rerunOf,
      Map<String, ReusedJob> reused,
      BuildTrigger trigger,
      Map<String, String> vars) {
    BuildSettings s = props.settings(runner);
    BuildRows.Inserted inserted =
        rows.insert(
            new NewBuild(pipelineId, yaml, version, s.runner(), user, rerunOf, dag, vars),
            (buildId, number, snapshot) -> expand(dag, trigger, snapshot, buildId, number));
    long id = inserted.id();
    BuildTrigger numbered =
        trigger == null
            ? null
            : new BuildTrigger(
                trigger.event(),
                trigger.ref(),
                trigger.sha(),
                trigger.actor(),
                trigger.repository(),
                inserted.number(),
                trigger.inputs());
    BuildRequest request =
        new BuildRequest(id, pipelineId, inserted.dag(), s, reused, numbered, inserted.vars());
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
    return ReadBack.afterStart(
        "build " + id, "/api/v1/builds/" + id, () -> rows.find(id).orElseThrow());
  }

  /** The DAG with its matrix jobs expanded for this trigger: 400 naming the matrix field. */
  private static Dag expand(
      Dag dag, BuildTrigger trigger, Map<String, String> vars, long buildId, int number) {
    BuildTrigger numbered =
        trigger == null
            ? null
            : new BuildTrigger(
                trigger.event(),
                trigger.ref(),
                trigger.sha(),
                trigger.actor(),
                trigger.repository(),
                number,
                trigger.inputs());
    try {
      return MatrixExpansion.expand(
          dag, BuildContexts.workflowContexts(numbered, vars, buildId, dag.name()));
    } catch (MatrixExpansion.MatrixException e) {
      String field = e.getMessage().substring(0, e.getMessage().indexOf(':'));
      throw ApiException.badRequest(field, e.getMessage());
    }
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
