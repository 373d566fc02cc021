package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.KeycloakServer.TestClient;
import io.opsflow.api.KeycloakServer.TestUser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Keycloak the security ITs run against: it starts from the unpacked distribution, imports the
 * realm file, and its tokens carry the roles, names and lifetimes the realm file gives (read from
 * the JWT payload, not verified: that is the resource server's part).
 */
class KeycloakServerIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  static KeycloakServer keycloak;

  @BeforeAll
  static void start() throws IOException {
    keycloak = KeycloakServer.start();
    System.out.println(
        "Keycloak answered at " + keycloak.issuer() + " after " + keycloak.startupTime());
  }

  @AfterAll
  static void stop() {
    if (keycloak != null) {
      keycloak.close();
    }
  }

  @Test
  void discoveryNamesTheLoopbackIssuer() throws Exception {
    assertThat(keycloak.issuer())
        .isEqualTo("http://127.0.0.1:" + keycloak.port() + "/realms/opsflow");
    JsonNode token = payload(keycloak.clientToken(TestClient.VIEWER));
    assertThat(token.path("iss").asText()).isEqualTo(keycloak.issuer());
  }

  @Test
  void clientCredentialsTokenCarriesTheServiceAccountsRealmRoles() throws Exception {
    for (TestClient client : TestClient.values()) {
      JsonNode token = payload(keycloak.clientToken(client.id(), client.secret()));
      assertThat(strings(token.path("realm_access").path("roles")))
          .as("realm roles of %s", client.id())
          .containsExactlyInAnyOrderElementsOf(client.realmRoles());
      assertThat(strings(token.path("resource_access").path("opsflow").path("roles")))
          .as("opsflow client roles of %s", client.id())
          .containsExactlyInAnyOrderElementsOf(client.clientRoles());
      assertThat(token.path("preferred_username").asText()).isEqualTo(client.username());
      assertThat(token.path("sub").asText()).isEqualTo(client.sub());
      assertThat(token.path("azp").asText()).isEqualTo(client.id());
      assertThat(strings(token.path("aud"))).contains("opsflow");
    }
  }

  @Test
  void clientRoleOnlyTokenHasNoRealmAccessClaim() throws Exception {
    JsonNode token = payload(keycloak.clientToken(TestClient.PASS));
    assertThat(token.has("realm_access")).isFalse();
    assertThat(strings(token.path("resource_access").path("opsflow").path("roles")))
        .containsExactly("pass_operator");
  }

  @Test
  void passwordGrantTokenCarriesTheUsersRolesAndName() throws Exception {
    for (TestUser user : TestUser.values()) {
      JsonNode token = payload(keycloak.userToken(user));
      assertThat(strings(token.path("realm_access").path("roles")))
          .as("realm roles of %s", user.username())
          .containsExactlyInAnyOrderElementsOf(user.realmRoles());
      assertThat(strings(token.path("resource_access").path("opsflow").path("roles")))
          .as("opsflow client roles of %s", user.username())
          .containsExactlyInAnyOrderElementsOf(user.clientRoles());
      assertThat(token.path("preferred_username").asText()).isEqualTo(user.username());
      assertThat(token.path("sub").asText()).isEqualTo(user.sub());
      assertThat(token.path("azp").asText()).isEqualTo(TestUser.CLIENT);
      // the realm's default lifespan, 5 minutes
      assertThat(token.path("exp").asLong() - token.path("iat").asLong()).isEqualTo(300);
    }
  }

  @Test
  void confidentialClientAlsoGrantsPasswordLogins() throws Exception {
    JsonNode token =
        payload(
            keycloak.userToken(
                TestClient.OPSFLOW.id(),
                TestClient.OPSFLOW.secret(),
                TestUser.VERA.username(),
                TestUser.VERA.password()));
    assertThat(token.path("preferred_username").asText()).isEqualTo("vera");
    assertThat(strings(token.path("realm_access").path("roles"))).containsExactly("viewer");
  }

  @Test
  void shortLivedClientsTokensLiveTwoSeconds() throws Exception {
    JsonNode token = payload(keycloak.clientToken(TestClient.SHORT_LIVED));
    long lifetime = token.path("exp").asLong() - token.path("iat").asLong();
    assertThat(lifetime).isPositive().isLessThanOrEqualTo(2);
  }

  @Test
  void wrongSecretIsRefused() {
    assertThatThrownBy(() -> keycloak.clientToken(TestClient.ADMIN.id(), "wrong-secret"))
        .isInstanceOfSatisfying(
            KeycloakServer.TokenRefused.class,
            refused -> {
              assertThat(refused.status()).isEqualTo(401);
              assertThat(refused.body()).contains("unauthorized_client");
            });
  }

  @Test
  void wrongPasswordIsRefused() {
    assertThatThrownBy(() -> keycloak.userToken(TestUser.CLIENT, "alice", "wrong-password"))
        .isInstanceOfSatisfying(
            KeycloakServer.TokenRefused.class,
            refused -> assertThat(refused.status()).isEqualTo(401));
  }

  private static JsonNode payload(String jwt) throws IOException {
    String[] parts = jwt.split("\\.");
    assertThat(parts).hasSize(3);
    return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
  }

  /** A JSON array of strings (or one string, as {@code aud} may be) as a list; absent: empty. */
  private static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isTextual()) {
      values.add(node.asText());
    }
    node.forEach(value -> values.add(value.asText()));
    return values;
  }
}
