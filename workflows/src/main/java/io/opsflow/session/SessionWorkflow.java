package io.opsflow.session;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One paid, timed session on one station, id {@code session-<id>}: payment, station start, a
 * durable timer to the scheduled end, operator extend/stop, and enforcement at the end that never
 * delays the expiry itself.
 */
@WorkflowInterface
public interface SessionWorkflow {

  @WorkflowMethod
  SessionView run(SessionRequest request);

  /**
   * Returns once the session is ACTIVE, or AWAITING_PAYMENT for a card; fails with the session's
   * failure. Sent with update-with-start so the API answers the start request in one round trip.
   */
  @UpdateMethod
  SessionView awaitStart();

  /** The customer confirmed the card payment; the workflow verifies it with the gateway. */
  @UpdateMethod
  SessionView confirmPayment(ConfirmPayment confirm);

  @UpdateValidatorMethod(updateName = "confirmPayment")
  void validateConfirmPayment(ConfirmPayment confirm);

  /** Adds paid time; only while ACTIVE ("Cannot extend inactive session"). */
  @UpdateMethod
  SessionView extend(ExtendRequest request);

  @UpdateValidatorMethod(updateName = "extend")
  void validateExtend(ExtendRequest request);

  /** Ends the session now; the PC is locked without logoff ("Session already ended" if over). */
  @UpdateMethod
  SessionView stop(StopRequest request);

  @UpdateValidatorMethod(updateName = "stop")
  void validateStop(StopRequest request);

  @QueryMethod
  SessionView state();
}
