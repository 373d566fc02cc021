package io.opsflow.api.security;

import java.util.List;
import java.util.Map;

/**
 * The embedded issuer's clients and people with their secrets resolved: configured ones as given,
 * blank ones generated once (and kept in the data directory when there is one).
 */
record EmbeddedAccounts(
    Map<String, Resolved> clients, Map<String, Resolved> users, boolean persistent) {

  /** One account: its secret, whether opsflow generated it, its roles. */
  record Resolved(String secret, boolean generated, List<String> roles) {}

  static Resolved resolve(String key, SecurityProperties.Account account, IssuerState state) {
    boolean generated = account.secret() == null || account.secret().isBlank();
    return new Resolved(
        state.secret(key, account.secret()), generated, List.copyOf(account.roles()));
  }

  /**
   * What the start-up log says: each client with a ready curl line, each person for the login page;
   * generated secrets in full (the operator has no other way to learn them), configured ones not at
   * all.
   */
  String describe(String base) {
    StringBuilder text = new StringBuilder();
    text.append("Embedded OAuth2 issuer at ")
        .append(base)
        .append(" (set OPSFLOW_OIDC_ISSUER to use Keycloak instead)");
    if (persistent) {
      text.append("; generated secrets are kept in the data directory's security/ folder");
    }
    clients.forEach(
        (id, a) ->
            text.append("\n  client ")
                .append(id)
                .append(" roles ")
                .append(a.roles())
                .append(": curl -u ")
                .append(id)
                .append(':')
                .append(a.generated() ? a.secret() : "<configured secret>")
                .append(" -d grant_type=client_credentials ")
                .append(base)
                .append("/oauth2/token"));
    users.forEach(
        (name, a) ->
            text.append("\n  user ")
                .append(name)
                .append(" roles ")
                .append(a.roles())
                .append(": log in at ")
                .append(base)
                .append("/login with password ")
                .append(a.generated() ? a.secret() : "<configured password>"));
    return text.toString();
  }
}
