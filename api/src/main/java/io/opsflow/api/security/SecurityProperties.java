package io.opsflow.api.security;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code opsflow.security}: where tokens come from and what they may carry.
 *
 * @param issuer the OIDC issuer (Keycloak: {@code https://kc.example/realms/opsflow}); blank: the
 *     application is its own issuer (the embedded default)
 * @param audience when set, a token's {@code aud} must contain it
 * @param roleClients the clients whose {@code resource_access.<client>.roles} count as roles
 * @param clockSkew how far past {@code exp} a token is still accepted
 * @param agentSecret the shared node-agent secret ({@code AGENT_SECRET}), accepted as a bearer
 *     token with the node_agent role; blank: only node_agent tokens
 * @param embedded the embedded issuer's clients and users
 */
@ConfigurationProperties("opsflow.security")
public record SecurityProperties(
    @DefaultValue("") String issuer,
    @DefaultValue("") String audience,
    @DefaultValue("opsflow") List<String> roleClients,
    @DefaultValue("30s") Duration clockSkew,
    @DefaultValue("") String agentSecret,
    @DefaultValue Embedded embedded) {

  public boolean isEmbeddedIssuer() {
    return issuer == null || issuer.isBlank();
  }

  /**
   * The embedded issuer (Spring Authorization Server on the application's own port).
   *
   * @param tokenTtl access-token lifetime
   * @param clients client-credentials clients by client id; a blank secret is generated once and
   *     kept in the data directory
   * @param users people who log in at /login (authorization code + PKCE); a blank password is
   *     generated the same way
   * @param consoleClient the public client of the web console (authorization code + PKCE)
   * @param redirectUris the console client's redirect URIs (a loopback URI matches any port)
   */
  public record Embedded(
      @DefaultValue("15m") Duration tokenTtl,
      Map<String, Account> clients,
      Map<String, Account> users,
      @DefaultValue("opsflow-console") String consoleClient,
      @DefaultValue("http://127.0.0.1/console/callback") List<String> redirectUris) {

    public Embedded {
      clients = clients == null ? Map.of() : new LinkedHashMap<>(clients);
      users = users == null ? Map.of() : new LinkedHashMap<>(users);
    }
  }

  /**
   * A client or a user of the embedded issuer.
   *
   * @param secret the client secret or the user's password; blank: generated
   * @param roles the roles its tokens carry
   */
  public record Account(@DefaultValue("") String secret, @DefaultValue List<String> roles) {}
}
