package io.opsflow.api.workload;

import io.opsflow.api.web.ApiException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The seed's shared secret for agent routes (register, heartbeat): {@code Authorization: Bearer
 * <AGENT_SECRET>}. Without a configured secret the agent routes refuse everyone, never accept all.
 */
@Component
public class AgentSecret {

  private static final Logger log = LoggerFactory.getLogger(AgentSecret.class);

  private final byte[] secret;

  public AgentSecret(@Value("${opsflow.agent-secret:${AGENT_SECRET:}}") String secret) {
    this.secret = secret.isBlank() ? null : secret.getBytes(StandardCharsets.UTF_8);
    if (this.secret == null) {
      log.warn("AGENT_SECRET is not set: node registration and heartbeats are refused");
    }
  }

  public void check(HttpServletRequest request) {
    if (secret == null) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED, "Authorization: agent routes are disabled (AGENT_SECRET unset)");
    }
    String auth = request.getHeader("Authorization");
    String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip() : null;
    if (given == null || !MessageDigest.isEqual(secret, given.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED, "Authorization: a valid Bearer AGENT_SECRET is required");
    }
  }
}
