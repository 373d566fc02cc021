package io.opsflow.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;

/**
 * The seed's shared node-agent secret ({@code AGENT_SECRET}) as a bearer token, kept as a fallback
 * beside node_agent tokens: compared in constant time, it authenticates as {@code agent-secret}
 * with the node_agent role and nothing else. Any other bearer token goes on to the JWT check.
 */
final class AgentSecretAuthentication implements AuthenticationProvider {

  static final String NAME = "agent-secret";

  private final byte[] secret;

  AgentSecretAuthentication(String secret) {
    this.secret =
        secret == null || secret.isBlank() ? null : secret.getBytes(StandardCharsets.UTF_8);
  }

  boolean enabled() {
    return secret != null;
  }

  @Override
  public Authentication authenticate(Authentication authentication) {
    String token = ((BearerTokenAuthenticationToken) authentication).getToken();
    if (secret == null
        || token == null
        || !MessageDigest.isEqual(secret, token.getBytes(StandardCharsets.UTF_8))) {
      return null;
    }
    return new AgentToken();
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
  }

  /** An agent that presented the shared secret. */
  static final class AgentToken extends AbstractAuthenticationToken {

    AgentToken() {
      super(List.of(new SimpleGrantedAuthority("ROLE_" + Roles.NODE_AGENT)));
      setAuthenticated(true);
    }

    @Override
    public Object getCredentials() {
      return "";
    }

    @Override
    public Object getPrincipal() {
      return NAME;
    }

    @Override
    public String getName() {
      return NAME;
    }
  }
}
