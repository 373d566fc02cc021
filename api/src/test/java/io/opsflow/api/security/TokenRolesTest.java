package io.opsflow.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

class TokenRolesTest {

  private static Jwt jwt(Map<String, Object> claims) {
    return new Jwt(
        "t", Instant.now(), Instant.now().plusSeconds(60), Map.of("alg", "RS256"), claims);
  }

  @Test
  void keycloakRealmAndConfiguredClientRolesAndScopesAllCount() {
    Map<String, Object> claims =
        Map.of(
            "sub", "6f1c",
            "preferred_username", "alice",
            "realm_access", Map.of("roles", List.of("ci_user", "offline_access")),
            "resource_access",
                Map.of(
                    "opsflow", Map.of("roles", List.of("viewer")),
                    "account", Map.of("roles", List.of("manage-account"))),
            "scope", "openid pass_operator");
    var token = new TokenRoles(List.of("opsflow")).convert(jwt(claims));
    assertThat(token.getName()).isEqualTo("alice");
    assertThat(token.getAuthorities())
        .extracting(GrantedAuthority::getAuthority)
        .contains("ROLE_ci_user", "ROLE_viewer", "ROLE_pass_operator")
        // roles of clients not configured are not opsflow's
        .doesNotContain("ROLE_manage-account");
  }

  @Test
  void theEmbeddedIssuersRolesClaimCountsAndTheSubjectNamesTheCallerWithoutAUsername() {
    var token =
        new TokenRoles(List.of("opsflow"))
            .convert(jwt(Map.of("sub", "node-agent", "roles", List.of("node_agent"))));
    assertThat(token.getName()).isEqualTo("node-agent");
    assertThat(token.getAuthorities())
        .extracting(GrantedAuthority::getAuthority)
        .containsExactly("ROLE_node_agent");
  }

  @Test
  void malformedRoleClaimsGiveNoRoles() {
    var token =
        new TokenRoles(List.of("opsflow"))
            .convert(
                jwt(
                    Map.of(
                        "sub", "x",
                        "realm_access", "admin",
                        "resource_access", Map.of("opsflow", List.of("admin")),
                        "roles", "admin")));
    assertThat(token.getAuthorities()).isEmpty();
  }

  @Test
  void everyFlowAreaHasItsRoleAndViewersOnlyRead() {
    assertThat(RouteRules.find(HttpMethod.POST, "/api/v1/sessions/start").orElseThrow().roles())
        .containsExactly(Roles.VENUE_OPERATOR);
    assertThat(RouteRules.find(HttpMethod.GET, "/api/v1/workloads/abc").orElseThrow().roles())
        .containsExactly(Roles.SCHEDULER_OPERATOR, Roles.VIEWER);
    assertThat(RouteRules.find(HttpMethod.DELETE, "/api/v1/workloads/abc").orElseThrow().roles())
        .containsExactly(Roles.SCHEDULER_OPERATOR);
    assertThat(RouteRules.find(HttpMethod.POST, "/api/v1/nodes/register").orElseThrow().roles())
        .containsExactly(Roles.NODE_AGENT);
    assertThat(RouteRules.find(HttpMethod.GET, "/api/v1/unknown")).isEmpty();
  }
}
