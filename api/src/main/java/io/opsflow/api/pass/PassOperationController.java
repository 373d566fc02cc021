package io.opsflow.api.pass;

import io.opsflow.api.pass.PassDtos.ActionPage;
import io.opsflow.api.pass.PassDtos.AddNode;
import io.opsflow.api.pass.PassDtos.Confirm;
import io.opsflow.api.pass.PassDtos.Decide;
import io.opsflow.api.pass.PassDtos.PassState;
import io.opsflow.api.web.Operators;
import io.opsflow.pass.NodeParameters;
import io.opsflow.pass.PassOperations.Confirmation;
import io.opsflow.pass.PassOperations.Decision;
import io.opsflow.pass.PassOperations.LinkOperation;
import io.opsflow.pass.PassOperations.NodeOperation;
import io.opsflow.pass.PassOperations.OperatorOnly;
import io.opsflow.pass.PassOperations.Override;
import io.opsflow.pass.ProcedureLink;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Live operations on a pass (seed 000: the PSS proxying the operator to the PPS pod), each an
 * update of its workflow with the operator from the token. An accepted one answers with the pass's
 * new state; a refused one is a 409 with the workflow's reason, and both are kept in the pass's
 * action log.
 */
@RestController
@RequestMapping("/api/v1/passes/{id}")
public class PassOperationController {

  private final PassService service;
  private final PassStates states;
  private final PassActions actions;
  private final Passes passes;
  private final Operators operators;

  public PassOperationController(
      PassService service,
      PassStates states,
      PassActions actions,
      Passes passes,
      Operators operators) {
    this.service = service;
    this.states = states;
    this.actions = actions;
    this.passes = passes;
    this.operators = operators;
  }

  /**
   * The pass's state: its workflow's while it runs; once it ended (or when the workflow does not
   * answer) the stored row's, with the report's node states, marked {@code source = database}.
   */
  @GetMapping("/state")
  public PassState state(@PathVariable long id) {
    return states.of(id);
  }

  /** Every operator action on the pass, accepted and rejected, oldest first. */
  @GetMapping("/actions")
  public ActionPage actions(
      @PathVariable long id,
      @Parameter(description = "only actions with a larger id (the previous page's next_after)")
          @RequestParam(defaultValue = "0")
          long after,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    passes.require(id);
    return actions.page(id, PassInputs.after(after), PassInputs.limit(limit));
  }

  /** Stops the procedure (running actions cancelled); only while executing inside the window. */
  @PostMapping("/stop")
  public PassState stop(@PathVariable long id, HttpServletRequest http) {
    return operatorOnly(id, "stop", http);
  }

  /** Runs the procedure again from its start nodes; only inside the reservation window. */
  @PostMapping("/restart")
  public PassState restart(@PathVariable long id, HttpServletRequest http) {
    return operatorOnly(id, "restart", http);
  }

  /** No new action starts until resume; running ones finish. */
  @PostMapping("/pause")
  public PassState pause(@PathVariable long id, HttpServletRequest http) {
    return operatorOnly(id, "pause", http);
  }

  @PostMapping("/resume")
  public PassState resume(@PathVariable long id, HttpServletRequest http) {
    return operatorOnly(id, "resume", http);
  }

  /** Adds a dynamic node with its links; the resulting graph must validate. */
  @PostMapping("/nodes")
  public PassState addNode(
      @PathVariable long id, @Valid @RequestBody AddNode body, HttpServletRequest http) {
    String operator = operators.require(http);
    PassInputs.checkAddNode(body);
    return service.operate(
        id,
        "addNode",
        body.node().id(),
        new io.opsflow.pass.PassOperations.AddNode(
            operator,
            body.node(),
            body.links() == null ? java.util.List.of() : PassInputs.normalized(body.links())),
        operator);
  }

  /** Removes a node that has not started, with its links. */
  @DeleteMapping("/nodes/{nodeId}")
  public PassState removeNode(
      @PathVariable long id, @PathVariable String nodeId, HttpServletRequest http) {
    return node(id, "removeNode", nodeId, false, http);
  }

  /** Replaces some parameters of a node that has not started (the given fields only). */
  @PatchMapping("/nodes/{nodeId}")
  public PassState override(
      @PathVariable long id,
      @PathVariable String nodeId,
      @RequestBody NodeParameters body,
      HttpServletRequest http) {
    String operator = operators.require(http);
    PassInputs.nodeId(nodeId);
    PassInputs.checkParameters(body);
    return service.operate(id, "override", nodeId, new Override(operator, nodeId, body), operator);
  }

  /** Skips a node (or with {@code branch} everything reachable from it) that has not run. */
  @PostMapping("/nodes/{nodeId}/skip")
  public PassState skip(
      @PathVariable long id,
      @PathVariable String nodeId,
      @Parameter(description = "the node and everything reachable from it")
          @RequestParam(defaultValue = "false")
          boolean branch,
      HttpServletRequest http) {
    return node(id, "skip", nodeId, branch, http);
  }

  @PostMapping("/nodes/{nodeId}/unskip")
  public PassState unskip(
      @PathVariable long id,
      @PathVariable String nodeId,
      @Parameter(description = "the node and everything reachable from it")
          @RequestParam(defaultValue = "false")
          boolean branch,
      HttpServletRequest http) {
    return node(id, "unskip", nodeId, branch, http);
  }

  /** Runs a finished node again, or with {@code branch} the node and everything after it. */
  @PostMapping("/nodes/{nodeId}/rerun")
  public PassState rerun(
      @PathVariable long id,
      @PathVariable String nodeId,
      @Parameter(description = "the node and everything reachable from it")
          @RequestParam(defaultValue = "false")
          boolean branch,
      HttpServletRequest http) {
    return node(id, "rerun", nodeId, branch, http);
  }

  /** Retry, go (skip on) or stop for a failed action waiting for a decision (COSMOS). */
  @PostMapping("/nodes/{nodeId}/decision")
  public PassState decide(
      @PathVariable long id,
      @PathVariable String nodeId,
      @Valid @RequestBody Decide body,
      HttpServletRequest http) {
    String operator = operators.require(http);
    PassInputs.nodeId(nodeId);
    PassInputs.decision(body.decision());
    return service.operate(
        id, "decide", nodeId, new Decision(operator, nodeId, body.decision()), operator);
  }

  /** Answers an {@code operator_confirm} node. */
  @PostMapping("/nodes/{nodeId}/confirm")
  public PassState confirm(
      @PathVariable long id,
      @PathVariable String nodeId,
      @Valid @RequestBody Confirm body,
      HttpServletRequest http) {
    String operator = operators.require(http);
    PassInputs.nodeId(nodeId);
    return service.operate(
        id,
        "confirm",
        nodeId,
        new Confirmation(operator, nodeId, body.confirmed(), body.comment()),
        operator);
  }

  /** Adds a link; refused when its target already started or it makes a cycle. */
  @PostMapping("/links")
  public PassState addLink(
      @PathVariable long id, @RequestBody ProcedureLink body, HttpServletRequest http) {
    String operator = operators.require(http);
    ProcedureLink link = PassInputs.link(body, "");
    return service.operate(id, "addLink", link.to(), new LinkOperation(operator, link), operator);
  }

  /** Removes the link from {@code from} to {@code to} (with that condition, when given). */
  @DeleteMapping("/links")
  public PassState removeLink(
      @PathVariable long id,
      @RequestParam(required = false) String from,
      @RequestParam(required = false) String to,
      @Parameter(description = "on_success, on_failure or always") @RequestParam(required = false)
          String condition,
      HttpServletRequest http) {
    String operator = operators.require(http);
    ProcedureLink link = PassInputs.link(new ProcedureLink(from, to, condition), "");
    return service.operate(
        id, "removeLink", link.to(), new LinkOperation(operator, link), operator);
  }

  private PassState operatorOnly(long id, String kind, HttpServletRequest http) {
    String operator = operators.require(http);
    return service.operate(id, kind, null, new OperatorOnly(operator), operator);
  }

  private PassState node(
      long id, String kind, String nodeId, boolean branch, HttpServletRequest http) {
    String operator = operators.require(http);
    PassInputs.nodeId(nodeId);
    return service.operate(id, kind, nodeId, new NodeOperation(operator, nodeId, branch), operator);
  }
}
