package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.opsflow.api.KeycloakServer.TestClient;
import io.opsflow.api.KeycloakServer.TestUser;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * opsflow behind a real Keycloak (its distribution from Maven Central, the realm file in the repo):
 * tokens Keycloak issues drive each flow's routes, allowed with the right role, 403 with another,
 * 401 with none, with an expired one or one signed by someone else. Roles come from realm roles and
 * from the {@code opsflow} client's roles; the operator recorded is the token's user.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=keycloak-it",
      "opsflow.builds.runner=local",
      // Keycloak's tokens carry aud "opsflow": required, as a production setup would.
      "opsflow.security.audience=opsflow",
      // The expired-token case waits out a 2 s token, not 30 s of skew.
      "opsflow.security.clock-skew=0s"
    })
class KeycloakSecurityIT {

  static final KeycloakServer keycloak = Started.at(() -> KeycloakServer.start());

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("opsflow.security.issuer", keycloak::issuer);
  }

  @AfterAll
  static void stop() {
    keycloak.close();
  }

  @LocalServerPort int port;

  ApiClient as(TestClient client) {
    return ApiClient.withToken(port, keycloak.clientToken(client));
  }

  ApiClient as(TestUser user) {
    return ApiClient.withToken(port, keycloak.userToken(user));
  }

  @Test
  void theVenueIsTheVenueOperatorsAndReadableByViewers() {
    ApiClient venue = as(TestClient.VENUE);
    long user =
        venue
            .ok(venue.post("/api/v1/users", "{\"name\":\"kc-ana\",\"balance\":5.00}"), 201)
            .path("id")
            .asLong();
    assertThat(venue.get("/api/v1/users/" + user).status()).isEqualTo(200);
    assertThat(as(TestUser.VERA).get("/api/v1/users/" + user).status()).isEqualTo(200);
    assertThat(as(TestUser.VERA).post("/api/v1/users", "{\"name\":\"x\"}").status()).isEqualTo(403);
    assertThat(as(TestClient.CI).post("/api/v1/users", "{\"name\":\"x\"}").status()).isEqualTo(403);
    assertThat(as(TestClient.SCHEDULER).get("/api/v1/sessions").status()).isEqualTo(403);
    assertThat(ApiClient.withToken(port, null).get("/api/v1/sessions").status()).isEqualTo(401);
    // Roles in the realm and in the opsflow client's roles both count.
    assertThat(as(TestClient.MIXED).get("/api/v1/sessions").status()).isEqualTo(200);
  }

  @Test
  void pipelinesBelongToTheTokensUserAndItsMembers() {
    ApiClient alice = as(TestUser.ALICE);
    ApiClient bob = as(TestUser.BOB);
    JsonNode pipeline =
        alice.ok(
            alice.post(
                "/api/v1/pipelines",
                "{\"name\":\"kc-"
                    + UUID.randomUUID()
                    + "\",\"yaml\":\"jobs:\\n  a:\\n    steps:\\n      - run: echo hi\\n\"}"),
            201);
    // The operator is Keycloak's user, not anything the client could claim.
    assertThat(pipeline.path("created_by").asText()).isEqualTo("alice");
    long id = pipeline.path("id").asLong();
    assertThat(bob.post("/api/v1/pipelines/" + id + "/builds", null).status()).isEqualTo(403);
    assertThat(bob.get("/api/v1/pipelines/" + id).status()).isEqualTo(200);
    JsonNode build = alice.ok(alice.post("/api/v1/pipelines/" + id + "/builds", null), 201);
    assertThat(build.path("triggered_by").asText()).isEqualTo("alice");
    assertThat(as(TestClient.VENUE).get("/api/v1/pipelines").status()).isEqualTo(403);
  }

  @Test
  void workloadsAreTheSchedulersAndAgentRoutesTheAgents() {
    assertThat(as(TestClient.SCHEDULER).get("/api/v1/workloads").status()).isEqualTo(200);
    assertThat(as(TestClient.SCHEDULER).get("/api/v1/cluster/metrics").status()).isEqualTo(200);
    assertThat(as(TestClient.VENUE).get("/api/v1/workloads").status()).isEqualTo(403);
    String heartbeat =
        "{\"nodeId\":\"kc-never-registered\",\"status\":\"active\",\"availableCpu\":1,"
            + "\"availableMemory\":512}";
    // Authenticated and allowed: the node is just unknown.
    assertThat(as(TestClient.AGENT).post("/api/v1/nodes/heartbeat", heartbeat).status())
        .isEqualTo(404);
    assertThat(as(TestClient.SCHEDULER).post("/api/v1/nodes/heartbeat", heartbeat).status())
        .isEqualTo(403);
    assertThat(as(TestClient.AGENT).get("/api/v1/workloads").status()).isEqualTo(403);
  }

  @Test
  void passesAreThePassOperatorsEvenAsAClientRoleOnly() {
    // it-pass holds pass_operator as a role of the opsflow client, with no realm roles at all.
    ApiClient pass = as(TestClient.PASS);
    String station =
        "{\"name\":\"kc-gs-"
            + UUID.randomUUID()
            + "\",\"host\":\"127.0.0.1\",\"port\":10025,\"latitude\":78.23,"
            + "\"longitude\":15.4}";
    assertThat(pass.post("/api/v1/ground-stations", station).status()).isEqualTo(201);
    assertThat(pass.get("/api/v1/passes").status()).isEqualTo(200);
    assertThat(as(TestClient.VENUE).post("/api/v1/ground-stations", station).status())
        .isEqualTo(403);
    assertThat(as(TestClient.VIEWER).get("/api/v1/ground-stations").status()).isEqualTo(200);
  }

  @Test
  void theCodecIsForEngineersAndAdminsOnly() {
    String empty = "{\"payloads\":[]}";
    assertThat(as(TestUser.ERIN).post("/api/v1/temporal/codec/decode", empty).status())
        .isEqualTo(200);
    assertThat(as(TestClient.ADMIN).post("/api/v1/temporal/codec/decode", empty).status())
        .isEqualTo(200);
    assertThat(as(TestClient.VIEWER).post("/api/v1/temporal/codec/decode", empty).status())
        .isEqualTo(403);
    // A client role alone (no realm_access claim) is read too: pass_operator is not a venue role.
    assertThat(as(TestClient.PASS).get("/api/v1/sessions").status()).isEqualTo(403);
  }

  @Test
  void anExpiredTokenIs401() throws InterruptedException {
    ApiClient shortLived = as(TestClient.SHORT_LIVED);
    assertThat(shortLived.get("/api/v1/stations").status()).isEqualTo(200);
    Thread.sleep(3_000);
    ApiClient.Answer expired = shortLived.get("/api/v1/stations");
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.body().path("detail").asText()).contains("expired");
  }

  @Test
  void aTokenSignedBySomeoneElseIs401EvenWithKeycloaksClaims() throws Exception {
    RSAKey foreign = new RSAKeyGenerator(2048).keyID("not-keycloak").generate();
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(keycloak.issuer())
            .subject(TestClient.ADMIN.sub())
            .audience("opsflow")
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(300)))
            .claim("preferred_username", "service-account-it-admin")
            .claim("realm_access", Map.of("roles", List.of("admin")))
            .build();
    SignedJWT forged =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(foreign.getKeyID()).build(), claims);
    forged.sign(new RSASSASigner(foreign));
    assertThat(ApiClient.withToken(port, forged.serialize()).get("/api/v1/sessions").status())
        .isEqualTo(401);
    // The same claims from Keycloak itself pass.
    assertThat(as(TestClient.ADMIN).get("/api/v1/sessions").status()).isEqualTo(200);
  }
}
