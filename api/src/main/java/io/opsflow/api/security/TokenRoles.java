package io.opsflow.api.security;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * A token's roles, from wherever its issuer puts them: Keycloak's {@code realm_access.roles} and
 * {@code resource_access.<client>.roles} (for the configured clients), the embedded issuer's {@code
 * roles}, and the scopes ({@code scope} or {@code scp}), each a {@code ROLE_<name>} authority. The
 * caller's name is {@code preferred_username} when the token has one, else {@code sub}.
 */
public final class TokenRoles implements Converter<Jwt, AbstractAuthenticationToken> {

  private final List<String> roleClients;

  public TokenRoles(List<String> roleClients) {
    this.roleClients = List.copyOf(roleClients);
  }

  @Override
  public AbstractAuthenticationToken convert(Jwt jwt) {
    Set<String> roles = roles(jwt.getClaims(), roleClients);
    List<GrantedAuthority> authorities =
        roles.stream()
            .map(r -> (GrantedAuthority) new SimpleGrantedAuthority("ROLE_" + r))
            .toList();
    return new JwtAuthenticationToken(jwt, authorities, name(jwt));
  }

  static String name(Jwt jwt) {
    String preferred = jwt.getClaimAsString("preferred_username");
    return preferred != null && !preferred.isBlank() ? preferred : jwt.getSubject();
  }

  static Set<String> roles(Map<String, Object> claims, List<String> roleClients) {
    Set<String> roles = new LinkedHashSet<>();
    if (claims.get("realm_access") instanceof Map<?, ?> realm) {
      addAll(roles, realm.get("roles"));
    }
    if (claims.get("resource_access") instanceof Map<?, ?> resources) {
      for (String client : roleClients) {
        if (resources.get(client) instanceof Map<?, ?> access) {
          addAll(roles, access.get("roles"));
        }
      }
    }
    addAll(roles, claims.get("roles"));
    for (String claim : List.of("scope", "scp")) {
      Object scopes = claims.get(claim);
      if (scopes instanceof String s) {
        addAll(roles, List.of(s.split(" ")));
      } else {
        addAll(roles, scopes);
      }
    }
    roles.remove("");
    return roles;
  }

  private static void addAll(Set<String> roles, Object values) {
    if (values instanceof Collection<?> list) {
      list.forEach(v -> roles.add(String.valueOf(v).strip()));
    }
  }
}
