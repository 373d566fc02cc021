package io.opsflow.workers.pass;

import java.time.Instant;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Pass-executor mode ({@code opsflow.pass-executor.*}): with {@code pass-id} set, the process is
 * the executor of that pass.
 *
 * @param passId the pass (environment {@code PASS_ID}, or the launcher's marker argument)
 * @param taskQueue the queue it polls; empty: {@code pass-<id>}
 * @param deadline when it exits by itself (environment {@code PASS_DEADLINE}); none: it runs until
 *     stopped
 * @param installation the launching installation's token, a marker on the command line only
 */
@ConfigurationProperties(prefix = "opsflow.pass-executor")
public record PassExecutorModeProperties(
    Long passId, String taskQueue, Instant deadline, String installation) {

  /** The queue polled. */
  public String effectiveTaskQueue() {
    return taskQueue == null || taskQueue.isBlank() ? "pass-" + passId : taskQueue.strip();
  }
}
