package io.opsflow.api.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.TaskQueueProperties;
import io.opsflow.api.temporal.SearchAttributeRegistrar;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.PassOperations;
import io.opsflow.pass.PassOperations.AddNode;
import io.opsflow.pass.PassOperations.Cancel;
import io.opsflow.pass.PassOperations.Confirmation;
import io.opsflow.pass.PassOperations.Decision;
import io.opsflow.pass.PassOperations.LinkOperation;
import io.opsflow.pass.PassOperations.NodeOperation;
import io.opsflow.pass.PassOperations.OperatorOnly;
import io.opsflow.pass.PassOperations.Reschedule;
import io.opsflow.pass.PassRequest;
import io.opsflow.pass.PassView;
import io.opsflow.pass.PassWorkflow;
import io.opsflow.pass.ProcedureGraph;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * What the API makes of a pass workflow's answers, against the Temporal test server with a stand-in
 * workflow whose validators and handlers refuse the way PassWorkflowImpl's contract says: a
 * validator's IllegalStateException and the store's named failures become 409s with the workflow's
 * words, an ended or never-started workflow is "not running", and a repeated start is harmless.
 */
class PassWorkflowsTest {

  /** Refuses a skip of "ghost", fails reschedules by the failure type the new lead time names. */
  public static class StandInPassWorkflow implements PassWorkflow {
    private boolean cancelled;
    private boolean paused;
    private int version = 1;
    private final long passId;

    /**
     * The pass id is known before any handler runs: an update delivered with the first workflow
     * task is validated before {@link #run} starts, as in the real workflow.
     */
    @WorkflowInit
    public StandInPassWorkflow(PassRequest request) {
      passId = request.passId();
    }

    @Override
    public PassView run(PassRequest request) {
      Workflow.await(() -> cancelled);
      Workflow.await(Workflow::isEveryHandlerFinished);
      return view();
    }

    private PassView view() {
      return new PassView(
          passId,
          cancelled ? "cancelled" : "reserved",
          cancelled ? "done" : "waiting",
          Instant.parse("2030-01-01T00:00:00Z"),
          Instant.parse("2030-01-01T00:10:00Z"),
          0,
          version,
          null,
          1,
          paused,
          ProcedureGraph.empty(),
          List.of(),
          null);
    }

    @Override
    public PassView reschedule(Reschedule request) {
      int lead = request.leadTimeSeconds() == null ? 0 : request.leadTimeSeconds();
      if (lead == 1) {
        throw ApplicationFailure.newNonRetryableFailure(
            "overlaps pass 42 on ground station 'gs'", "PassOverlap", 42L);
      }
      if (lead == 2) {
        throw ApplicationFailure.newNonRetryableFailure(
            "pass 1 is at version 3, not 1", "PassVersionConflict");
      }
      version++;
      return view();
    }

    @Override
    public void validateReschedule(Reschedule request) {}

    @Override
    public PassView cancel(Cancel request) {
      cancelled = true;
      return view();
    }

    @Override
    public void validateCancel(Cancel request) {}

    @Override
    public PassView stop(OperatorOnly request) {
      return view();
    }

    @Override
    public void validateStop(OperatorOnly request) {
      throw new IllegalStateException("pass is reserved: only an executing pass can be stopped");
    }

    @Override
    public PassView restart(OperatorOnly request) {
      return view();
    }

    @Override
    public void validateRestart(OperatorOnly request) {}

    @Override
    public PassView pause(OperatorOnly request) {
      paused = true;
      return view();
    }

    @Override
    public void validatePause(OperatorOnly request) {}

    @Override
    public PassView resume(OperatorOnly request) {
      paused = false;
      return view();
    }

    @Override
    public void validateResume(OperatorOnly request) {}

    @Override
    public PassView skip(NodeOperation request) {
      return view();
    }

    @Override
    public void validateSkip(NodeOperation request) {
      if (request.nodeId().equals("ghost")) {
        throw new IllegalStateException("no node 'ghost' in pass " + passId);
      }
    }

    @Override
    public PassView unskip(NodeOperation request) {
      return view();
    }

    @Override
    public void validateUnskip(NodeOperation request) {}

    @Override
    public PassView override(PassOperations.Override request) {
      return view();
    }

    @Override
    public void validateOverride(PassOperations.Override request) {}

    @Override
    public PassView addNode(AddNode request) {
      return view();
    }

    @Override
    public void validateAddNode(AddNode request) {}

    @Override
    public PassView removeNode(NodeOperation request) {
      return view();
    }

    @Override
    public void validateRemoveNode(NodeOperation request) {}

    @Override
    public PassView addLink(LinkOperation request) {
      return view();
    }

    @Override
    public void validateAddLink(LinkOperation request) {}

    @Override
    public PassView removeLink(LinkOperation request) {
      return view();
    }

    @Override
    public void validateRemoveLink(LinkOperation request) {}

    @Override
    public PassView rerun(NodeOperation request) {
      return view();
    }

    @Override
    public void validateRerun(NodeOperation request) {}

    @Override
    public PassView decide(Decision request) {
      return view();
    }

    @Override
    public void validateDecide(Decision request) {}

    @Override
    public PassView confirm(Confirmation request) {
      return view();
    }

    @Override
    public void validateConfirm(Confirmation request) {}

    @Override
    public PassView state() {
      return view();
    }
  }

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private PassWorkflows workflows;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker("orchestration");
    worker.registerWorkflowImplementationTypes(StandInPassWorkflow.class);
    env.start();
    client = env.getWorkflowClient();
    workflows =
        new PassWorkflows(
            client,
            new TaskQueueProperties(
                "orchestration", "devices", "health", "pass-executors", "agents-", "t"),
            new SearchAttributeRegistrar(env.getWorkflowServiceStubs(), "default", false),
            new PassApiProperties(Duration.ofSeconds(20), Duration.ofSeconds(5)));
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private static PassRequest request(long id) {
    return new PassRequest(
        id,
        "SAT-1",
        3,
        "gs",
        "127.0.0.1",
        10025,
        Instant.parse("2030-01-01T00:00:00Z"),
        Instant.parse("2030-01-01T00:10:00Z"),
        0,
        ProcedureGraph.empty(),
        Map.of(),
        1,
        null);
  }

  private static Reschedule lead(int seconds) {
    return new Reschedule("alice", null, null, seconds, null, null, null);
  }

  @Test
  void anAcceptedUpdateAnswersWithTheWorkflowsView() {
    workflows.start(request(1), "alice");
    PassView paused = workflows.update(1, "pause", "pause-1", new OperatorOnly("alice"));
    assertThat(paused.paused()).isTrue();
    assertThat(workflows.update(1, "reschedule", "r-1", lead(60)).version()).isEqualTo(2);
    assertThat(workflows.state(1)).get().extracting(PassView::paused).isEqualTo(true);
  }

  @Test
  void aValidatorsRefusalIsA409WithItsMessage() {
    workflows.start(request(2), "alice");
    assertThatThrownBy(
            () -> workflows.update(2, "skip", "skip-1", new NodeOperation("alice", "ghost", false)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT);
              assertThat(e.getMessage()).isEqualTo("no node 'ghost' in pass 2");
            });
    assertThatThrownBy(() -> workflows.update(2, "stop", "stop-1", new OperatorOnly("alice")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.getMessage()).contains("only an executing pass can be stopped"));
    // The refused update left the workflow as it was.
    assertThat(workflows.update(2, "skip", "skip-2", new NodeOperation("alice", "ping", false)))
        .isNotNull();
  }

  @Test
  void anOverlapNamesTheOtherPassAndAStaleVersionTheField() {
    workflows.start(request(3), "alice");
    assertThatThrownBy(() -> workflows.update(3, "reschedule", "r-1", lead(1)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT);
              assertThat(e.getMessage()).contains("overlaps pass 42");
              assertThat(e.field()).isEqualTo("aos");
              assertThat(e.extra()).containsEntry("conflicting_pass_id", 42L);
            });
    assertThatThrownBy(() -> workflows.update(3, "reschedule", "r-2", lead(2)))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT);
              assertThat(e.field()).isEqualTo("version");
            });
  }

  @Test
  void anEndedOrNeverStartedWorkflowIsNotRunningAndHasNoState() {
    assertThatThrownBy(() -> workflows.update(4, "pause", "p-1", new OperatorOnly("alice")))
        .isInstanceOf(PassWorkflows.NotRunning.class);
    assertThat(workflows.state(4)).isEmpty();
    workflows.start(request(5), "alice");
    workflows.update(5, "cancel", "c-1", new Cancel("alice", "weather"));
    client.newUntypedWorkflowStub("pass-5").getResult(PassView.class);
    assertThatThrownBy(() -> workflows.update(5, "pause", "p-2", new OperatorOnly("alice")))
        .isInstanceOf(PassWorkflows.NotRunning.class);
  }

  @Test
  void startingTwiceIsHarmlessAndAnEndedPassIsNeverRunAgain() {
    workflows.start(request(6), "alice");
    String firstRun = client.newUntypedWorkflowStub("pass-6").describe().getExecution().getRunId();
    workflows.start(request(6), "alice");
    assertThat(client.newUntypedWorkflowStub("pass-6").describe().getExecution().getRunId())
        .isEqualTo(firstRun);
    workflows.update(6, "cancel", "c-1", new Cancel("alice", null));
    client.newUntypedWorkflowStub("pass-6").getResult(PassView.class);
    workflows.start(request(6), "alice");
    var latest = client.newUntypedWorkflowStub("pass-6").describe();
    assertThat(latest.getExecution().getRunId()).isEqualTo(firstRun);
    assertThat(latest.getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  }

  @Test
  void anUpdateNoWorkerAnswersIsA503WithinTheTimeoutAndTheStateFallsBack() {
    PassWorkflows unattended =
        new PassWorkflows(
            client,
            new TaskQueueProperties(
                "nobody-polls", "devices", "health", "pass-executors", "agents-", "t"),
            new SearchAttributeRegistrar(env.getWorkflowServiceStubs(), "default", false),
            new PassApiProperties(Duration.ofSeconds(1), Duration.ofSeconds(1)));
    unattended.start(request(7), "alice");
    long started = System.nanoTime();
    assertThatThrownBy(() -> unattended.update(7, "pause", "p-1", new OperatorOnly("alice")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
              assertThat(e.getMessage()).contains("did not answer 'pause'", "/actions");
            });
    assertThat(unattended.state(7)).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
  }
}
