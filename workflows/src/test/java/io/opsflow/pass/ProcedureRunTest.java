package io.opsflow.pass;

import static io.opsflow.pass.Graphs.confirm;
import static io.opsflow.pass.Graphs.delay;
import static io.opsflow.pass.Graphs.graph;
import static io.opsflow.pass.Graphs.link;
import static io.opsflow.pass.Graphs.telecommand;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcedureRunTest {

  private static final Instant T = Instant.parse("2026-12-04T10:00:00Z");

  /** ping -> (on_success) deploy -> (always) report; ping -> (on_failure) safe. */
  private static ProcedureRun sample() {
    return new ProcedureRun(
        graph(
            List.of(telecommand("ping"), delay("deploy"), delay("report"), delay("safe")),
            List.of(
                link("ping", "deploy"),
                new ProcedureLink("deploy", "report", "always"),
                new ProcedureLink("ping", "safe", "on_failure"))),
        1);
  }

  @Test
  void startNodesAreReadyAndSuccessFollowsOnSuccessLinks() {
    ProcedureRun run = sample();

    assertThat(run.advance(T)).containsExactly("ping");
    run.start("ping", T);
    assertThat(run.status("ping")).isEqualTo(NodeState.RUNNING);
    assertThat(run.runKey("ping")).isEqualTo("ping/1/1");
    assertThat(run.advance(T)).isEmpty();
    run.succeed("ping", "ack", T);

    assertThat(run.advance(T)).containsExactly("deploy");
    assertThat(run.status("safe")).isEqualTo(NodeState.NOT_RUN);
    run.start("deploy", T);
    run.succeed("deploy", null, T);
    assertThat(run.advance(T)).containsExactly("report");
    run.start("report", T);
    run.succeed("report", null, T);

    assertThat(run.advance(T)).isEmpty();
    assertThat(run.over()).isTrue();
    assertThat(run.failures()).isEmpty();
    assertThat(run.failureReason()).isNull();
  }

  @Test
  void aHandledFailureTakesTheFailureBranchAndTheRunSucceeds() {
    ProcedureRun run = sample();
    run.advance(T);
    run.start("ping", T);
    run.fail("ping", "rejected: nack", T);

    assertThat(run.failureHandled("ping")).isTrue();
    assertThat(run.advance(T)).containsExactly("safe");
    // deploy is not run, and report after it neither: not_run propagates.
    assertThat(run.status("deploy")).isEqualTo(NodeState.NOT_RUN);
    assertThat(run.status("report")).isEqualTo(NodeState.NOT_RUN);
    run.start("safe", T);
    run.succeed("safe", null, T);
    assertThat(run.over()).isTrue();
    assertThat(run.failures()).isEmpty();
  }

  @Test
  void anUnhandledFailureFailsTheRunNamingTheNode() {
    ProcedureRun run =
        new ProcedureRun(graph(List.of(delay("a"), delay("b")), List.of(link("a", "b"))), 1);
    run.advance(T);
    run.start("a", T);
    run.fail("a", "timed_out: no ack within 30 s", T);

    assertThat(run.advance(T)).isEmpty();
    assertThat(run.over()).isTrue();
    assertThat(run.failures()).containsExactly("a");
    assertThat(run.failureReason()).isEqualTo("node 'a' failed: timed_out: no ack within 30 s");
  }

  @Test
  void aJoinWaitsForEveryPredecessorAndNeedsOneLinkToHold() {
    ProcedureRun run =
        new ProcedureRun(
            graph(
                List.of(delay("a"), delay("b"), delay("join")),
                List.of(link("a", "join"), link("b", "join"))),
            1);
    assertThat(run.advance(T)).containsExactly("a", "b");
    run.start("a", T);
    run.start("b", T);
    run.fail("a", "x", T);
    assertThat(run.advance(T)).isEmpty();
    run.succeed("b", null, T);
    assertThat(run.advance(T)).containsExactly("join");
  }

  @Test
  void skippedNodesCountAsSuccessForTheirLinks() {
    ProcedureRun run = sample();
    run.skip("ping", false);
    assertThat(run.view("ping").skipRequested()).isTrue();

    assertThat(run.advance(T)).containsExactly("deploy");
    assertThat(run.view("ping"))
        .extracting(NodeState::status, NodeState::runs)
        .containsExactly(NodeState.SKIPPED, 0);
    assertThat(run.status("safe")).isEqualTo(NodeState.NOT_RUN);
  }

  @Test
  void skippingABranchSkipsEverythingReachableAndUnskipUndoesIt() {
    ProcedureRun run = sample();
    run.skip("ping", true);
    assertThat(run.views())
        .extracting(NodeState::nodeId, NodeState::skipRequested)
        .containsExactly(
            tuple("ping", true), tuple("deploy", true), tuple("report", true), tuple("safe", true));
    run.unskip("deploy", true);
    assertThat(run.views())
        .extracting(NodeState::skipRequested)
        .containsExactly(true, false, false, true);

    assertThat(run.advance(T)).containsExactly("deploy");
  }

  @Test
  void editsOfRunningOrFinishedNodesAreRefusedNamingTheNodeAndItsState() {
    ProcedureRun run = sample();
    run.advance(T);
    run.start("ping", T);

    assertThatThrownBy(() -> run.removeNode("ping", false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("node 'ping' is running: it cannot be removed");
    assertThatThrownBy(() -> run.skip("ping", false))
        .hasMessage("node 'ping' is running: it cannot be skipped");
    assertThatThrownBy(() -> run.override("ping", params(60)))
        .hasMessage("node 'ping' is running: it cannot be overridden");
    assertThatThrownBy(() -> run.addLink(new ProcedureLink("safe", "ping", "always")))
        .hasMessage("node 'ping' is running: it cannot be given a new link");
    assertThatThrownBy(() -> run.rerun("ping", false))
        .hasMessage("node 'ping' is running: only a finished node can be re-run");
    assertThatThrownBy(() -> run.skip("nope", false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown node 'nope'");

    run.succeed("ping", null, T);
    assertThatThrownBy(() -> run.removeNode("ping", false))
        .hasMessage("node 'ping' has already succeeded: it cannot be removed");
    // The branch of deploy is still pending: it may go.
    run.removeNode("deploy", true);
    assertThat(run.graph().nodes()).extracting(ProcedureNode::id).containsExactly("ping", "safe");
    assertThat(run.graph().links())
        .containsExactly(new ProcedureLink("ping", "safe", "on_failure"));
  }

  @Test
  void addedNodesAndLinksAreValidatedAndRunWhenTheirLinksAllow() {
    ProcedureRun run = sample();
    run.advance(T);
    run.start("ping", T);

    assertThatThrownBy(
            () -> run.addNode(delay("wait"), List.of(link("report", "wait"), link("wait", "ping"))))
        .hasMessage("node 'ping' is running: it cannot be given a new link");
    assertThatThrownBy(() -> run.addNode(delay("wait"), List.of(link("wait", "ghost"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown node 'ghost'");
    assertThatThrownBy(() -> run.addNode(delay("ping"), List.of()))
        .hasMessage("node 'ping' already exists");
    assertThatThrownBy(() -> run.addLink(new ProcedureLink("report", "deploy", "always")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is on a cycle");
    assertThatThrownBy(
            () -> run.addNode(new ProcedureNode("odd", "launch_rocket", params(5)), List.of()))
        .hasMessageContaining("node 'odd': unknown action type 'launch_rocket'");

    run.addNode(delay("wait"), List.of(link("ping", "wait"), link("wait", "report")));
    run.succeed("ping", null, T);
    assertThat(run.advance(T)).containsExactly("deploy", "wait");
    run.removeLink(new ProcedureLink("wait", "report", null));
    assertThat(run.graph().links()).doesNotContain(link("wait", "report"));
  }

  @Test
  void overrideMergesParametersAndRevalidates() {
    ProcedureRun run = sample();
    run.override("ping", params(90));
    assertThat(run.node("ping").parameters().timeoutSeconds()).isEqualTo(90);
    assertThat(run.node("ping").parameters().command()).isEqualTo("PING");

    assertThatThrownBy(() -> run.override("ping", params(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("node 'ping': timeout_seconds 1..86400 is required");
    assertThat(run.node("ping").parameters().timeoutSeconds()).isEqualTo(90);
  }

  @Test
  void rerunOfANodeForcesItAndOfABranchResetsItsDescendants() {
    ProcedureRun run = sample();
    run.advance(T);
    run.start("ping", T);
    run.fail("ping", "nack", T);
    run.advance(T);
    run.start("safe", T);
    run.succeed("safe", null, T);
    assertThat(run.over()).isTrue();

    // The failed ping again, with its branch: deploy and report get another chance.
    run.rerun("ping", true);
    assertThat(run.views())
        .extracting(NodeState::status)
        .containsExactly(
            NodeState.PENDING, NodeState.PENDING, NodeState.PENDING, NodeState.PENDING);
    assertThat(run.advance(T)).containsExactly("ping");
    run.start("ping", T);
    assertThat(run.runKey("ping")).isEqualTo("ping/1/2");
    run.succeed("ping", null, T);
    assertThat(run.advance(T)).containsExactly("deploy");

    // A single node whose links would not let it through still runs: the operator asked.
    ProcedureRun single = sample();
    single.advance(T);
    single.start("ping", T);
    single.succeed("ping", null, T);
    single.advance(T);
    assertThat(single.status("safe")).isEqualTo(NodeState.NOT_RUN);
    single.rerun("safe", false);
    assertThat(single.advance(T)).containsExactly("deploy", "safe");
  }

  @Test
  void decisionsRetryGoOnOrStop() {
    ProcedureRun run =
        new ProcedureRun(graph(List.of(delay("a"), delay("b")), List.of(link("a", "b"))), 1);
    run.advance(T);
    run.start("a", T);
    run.awaitDecision("a", "nack", T);
    assertThatThrownBy(() -> run.decide("a", "maybe", "alice", T))
        .hasMessage("decision must be retry, go or stop, not 'maybe'");
    assertThatThrownBy(() -> run.decide("b", "retry", "alice", T))
        .hasMessage("node 'b' has not run yet: it does not wait for a decision");

    run.decide("a", "retry", "alice", T);
    assertThat(run.view("a"))
        .extracting(NodeState::status, NodeState::runs)
        .containsExactly(NodeState.RUNNING, 2);
    run.awaitDecision("a", "nack", T);
    run.decide("a", "go", "alice", T);
    assertThat(run.view("a"))
        .extracting(NodeState::status, NodeState::detail)
        .containsExactly(NodeState.SKIPPED, "nack; went on by alice");
    assertThat(run.advance(T)).containsExactly("b");

    ProcedureRun stopped = new ProcedureRun(graph(List.of(delay("a")), List.of()), 1);
    stopped.advance(T);
    stopped.start("a", T);
    stopped.awaitDecision("a", "nack", T);
    stopped.decide("a", "stop", "bob", T);
    assertThat(stopped.failureReason()).isEqualTo("node 'a' failed: nack; stopped by bob");
  }

  @Test
  void confirmationSucceedsOrFailsTheNode() {
    ProcedureRun run = new ProcedureRun(graph(List.of(confirm("go")), List.of()), 1);
    assertThatThrownBy(() -> run.confirm("go", true, "alice", null, T))
        .hasMessage("node 'go' has not run yet: it does not wait for a confirmation");
    run.advance(T);
    run.start("go", T);
    assertThat(run.status("go")).isEqualTo(NodeState.AWAITING_CONFIRMATION);
    run.confirm("go", false, "alice", "antenna not clear", T);
    assertThat(run.view("go"))
        .extracting(NodeState::status, NodeState::detail)
        .containsExactly(NodeState.FAILED, "declined by alice: antenna not clear");
  }

  @Test
  void stopAllEndsWhatIsUnfinishedAndRestartBeginsAgain() {
    ProcedureRun run = sample();
    run.addNode(delay("extra"), List.of());
    run.advance(T);
    run.start("ping", T);
    run.start("extra", T);
    run.succeed("extra", null, T);

    assertThat(run.stopAll("stopped by alice", T))
        .containsExactly("ping", "deploy", "report", "safe");
    assertThat(run.views())
        .extracting(NodeState::status)
        .containsExactly(
            NodeState.STOPPED,
            NodeState.NOT_RUN,
            NodeState.NOT_RUN,
            NodeState.NOT_RUN,
            NodeState.SUCCEEDED);
    assertThat(run.over()).isTrue();

    ProcedureRun second = run.restart();
    assertThat(second.number()).isEqualTo(2);
    assertThat(second.graph()).isEqualTo(run.graph());
    assertThat(second.advance(T)).containsExactly("ping", "extra");
    second.start("ping", T);
    assertThat(second.runKey("ping")).isEqualTo("ping/2/1");
  }

  private static NodeParameters params(int timeoutSeconds) {
    return new NodeParameters(null, null, null, null, null, timeoutSeconds, null, null);
  }
}
