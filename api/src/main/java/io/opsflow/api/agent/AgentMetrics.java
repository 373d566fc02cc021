package io.opsflow.api.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * What happens to messages for PC agents, in {@code /actuator/prometheus}: {@code
 * opsflow_agent_messages_total{type,outcome}} (outcome {@code sent}, {@code offline} or {@code
 * failed}), {@code opsflow_agent_errors_total{error_of}} (the agent could not apply a message) and
 * {@code opsflow_agent_enforcements_resent_total{via}} (an end the agent missed, sent again on its
 * {@code sync} request or on a {@code heartbeat} that still names the ended session).
 *
 * <p>Agent calls do not go through a circuit breaker: a send never waits on the agent (an absent
 * socket answers at once, a stuck one is closed by the send time limit), and undelivered ends are
 * not retried by the workflow but re-sent by this process when the agent shows up, so a breaker
 * would cut nothing.
 */
@Component
public class AgentMetrics {

  private final MeterRegistry registry;

  public AgentMetrics(ObjectProvider<MeterRegistry> registry) {
    this.registry = registry.getIfAvailable(() -> Metrics.globalRegistry);
  }

  void message(String type, String outcome) {
    Counter.builder("opsflow.agent.messages")
        .description("Messages for PC agents by type and outcome")
        .tag("type", type)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  /** Server message types an agent may answer; anything else is counted as {@code other}. */
  static final Set<String> SERVER_MESSAGES =
      Set.of(
          "session_start",
          "session_extend",
          "session_warning",
          "session_stop",
          "session_expired",
          "sync_response",
          "no_session");

  void agentError(String errorOf) {
    Counter.builder("opsflow.agent.errors")
        .description("Messages a PC agent answered with an error")
        .tag("error_of", SERVER_MESSAGES.contains(errorOf) ? errorOf : "other")
        .register(registry)
        .increment();
  }

  void resent(String via) {
    Counter.builder("opsflow.agent.enforcements.resent")
        .description("Session ends sent again to an agent that missed them")
        .tag("via", via)
        .register(registry)
        .increment();
  }
}
