package io.opsflow.pass;

import java.time.Instant;
import java.util.List;

/**
 * A pass workflow's state, answered by its query and its updates.
 *
 * @param passId the pass
 * @param status {@link PassStatus} wire name
 * @param phase {@code waiting} (timer to launch), {@code launching}, {@code preprocessing}, {@code
 *     procedure}, {@code stopped}, {@code postprocessing}, {@code done}
 * @param aos the window's start
 * @param los the window's end
 * @param leadTimeSeconds the executor is launched this long before aos
 * @param version the pass row's version as the workflow last wrote it
 * @param executor the executor running the pass's actions, null when none
 * @param run 1 for the first run of the procedure, +1 per restart
 * @param paused no new action starts while paused
 * @param procedure the graph as it now is (dynamic nodes and links included)
 * @param nodes every node's state in the current run
 * @param failureReason why the pass failed or was cancelled, null otherwise
 */
public record PassView(
    long passId,
    String status,
    String phase,
    Instant aos,
    Instant los,
    int leadTimeSeconds,
    int version,
    ExecutorHandle executor,
    int run,
    boolean paused,
    ProcedureGraph procedure,
    List<NodeState> nodes,
    String failureReason) {}
