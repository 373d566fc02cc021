package io.opsflow.pass;

/**
 * How a pass workflow runs, beyond the reservation.
 *
 * @param onError what happens when an action fails and no {@code on_failure} or {@code always} link
 *     handles it: {@code ask} (COSMOS: the node waits for an operator's retry, go or stop until the
 *     window ends) or {@code fail} (the node fails at once)
 * @param watchdogSeconds how often the workflow checks its executor is alive while it runs, and
 *     relaunches it when it is gone
 * @param heartbeatSeconds heartbeat timeout of the actions running in the executor; an executor
 *     that died is noticed after this long
 * @param executorStartSeconds how long the executor may take to start polling its queue
 */
public record PassSettings(
    String onError, int watchdogSeconds, int heartbeatSeconds, int executorStartSeconds) {

  public static final String ASK = "ask";
  public static final String FAIL = "fail";

  public static PassSettings defaults() {
    return new PassSettings(ASK, 15, 10, 120);
  }
}
