package io.opsflow.simulators;

import static io.opsflow.simulators.TestHttp.basic;
import static io.opsflow.simulators.TestHttp.body;
import static io.opsflow.simulators.TestHttp.eventually;
import static io.opsflow.simulators.TestHttp.json;
import static io.opsflow.simulators.TestHttp.request;
import static io.opsflow.simulators.TestHttp.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterOsSimulatorTest {

  private static final String FILTER = "/rest/ip/firewall/filter";
  private static final String LIST = "/rest/ip/firewall/address-list";
  private static final String MAC = "AA:BB:CC:DD:EE:01";

  private RouterOsSimulator router;

  @BeforeEach
  void start() throws IOException {
    router = RouterOsSimulator.start("admin", "secret");
  }

  @AfterEach
  void stop() {
    router.close();
  }

  private HttpResponse<String> call(String method, String path, String json) throws IOException {
    HttpRequest.Builder builder =
        request(router.baseUrl(), path)
            .header("Authorization", basic("admin", "secret"))
            .header("Content-Type", "application/json")
            .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : body(json));
    return send(builder);
  }

  private JsonNode ok(String method, String path, String json) throws IOException {
    HttpResponse<String> response = call(method, path, json);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  private String blockRule(String mac) {
    return """
        {"chain":"forward","action":"drop","src-mac-address":"%s","comment":"opsflow block"}"""
        .formatted(mac);
  }

  @Test
  void wrongOrMissingCredentialsGet401() throws IOException {
    HttpResponse<String> none = TestHttp.get(router.baseUrl(), FILTER);
    HttpResponse<String> wrong =
        send(request(router.baseUrl(), FILTER).header("Authorization", basic("admin", "nope")));

    for (HttpResponse<String> response : java.util.List.of(none, wrong)) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(json(response).get("error").asInt()).isEqualTo(401);
      assertThat(json(response).get("message").asText()).isEqualTo("Unauthorized");
    }
    assertThat(router.filterRules()).isEmpty();
  }

  @Test
  void createListGetPatchAndDeleteAFilterRule() throws IOException {
    JsonNode created = ok("PUT", FILTER, blockRule(MAC));
    String id = created.get(".id").asText();
    assertThat(id).isEqualTo("*1");
    assertThat(created.get("disabled").asText()).isEqualTo("false");
    assertThat(created.get("src-mac-address").asText()).isEqualTo(MAC);
    assertThat(router.isMacBlocked(MAC.toLowerCase(java.util.Locale.ROOT))).isTrue();
    assertThat(router.blockRuleAddCount(MAC)).isEqualTo(1);

    ok("PUT", FILTER, "{\"chain\":\"input\",\"action\":\"accept\"}");
    JsonNode filtered = ok("GET", FILTER + "?src-mac-address=" + MAC, null);
    assertThat(filtered).hasSize(1);
    assertThat(filtered.get(0).get(".id").asText()).isEqualTo(id);
    assertThat(ok("GET", FILTER, null)).hasSize(2);
    assertThat(ok("GET", FILTER + "/" + id, null).get("action").asText()).isEqualTo("drop");

    JsonNode patched = ok("PATCH", FILTER + "/" + id, "{\"disabled\":\"true\"}");
    assertThat(patched.get("disabled").asText()).isEqualTo("true");
    assertThat(router.isMacBlocked(MAC)).isFalse();

    assertThat(call("DELETE", FILTER + "/" + id, null).statusCode()).isEqualTo(204);
    HttpResponse<String> gone = call("GET", FILTER + "/" + id, null);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(json(gone).get("error").asInt()).isEqualTo(404);
    assertThat(json(gone).get("message").asText()).isEqualTo("Not Found");
    assertThat(router.filterRules()).hasSize(1);
    assertThat(router.blockRuleAddCount(MAC)).isEqualTo(1);
    assertThat(router.requests()).contains("PUT " + FILTER, "DELETE " + FILTER + "/" + id);
  }

  @Test
  void macIsOnlyBlockedByAnUnrestrictedForwardDropRule() throws IOException {
    ok(
        "PUT",
        FILTER,
        "{\"chain\":\"input\",\"action\":\"drop\",\"src-mac-address\":\"" + MAC + "\"}");
    ok(
        "PUT",
        FILTER,
        "{\"chain\":\"forward\",\"action\":\"drop\",\"src-mac-address\":\""
            + MAC
            + "\",\"src-address-list\":\"paid\"}");
    assertThat(router.isMacBlocked(MAC)).isFalse();
    assertThat(router.blockRuleAddCount(MAC)).isEqualTo(2);
  }

  @Test
  void placeBeforeKeepsRuleOrder() throws IOException {
    ok("PUT", FILTER, "{\"chain\":\"forward\",\"action\":\"accept\"}");
    JsonNode second = ok("PUT", FILTER, blockRule(MAC));
    ok("PUT", FILTER, "{\"chain\":\"forward\",\"action\":\"reject\",\"place-before\":\"*1\"}");

    assertThat(router.filterRules())
        .extracting(r -> r.get("action"))
        .containsExactly("reject", "accept", "drop");
    assertThat(router.filterRules().get(2).get(".id")).isEqualTo(second.get(".id").asText());
    assertThat(router.filterRules().get(0)).doesNotContainKey("place-before");
  }

  @Test
  void removeCommandDeletesSeveral() throws IOException {
    ok("PUT", FILTER, blockRule(MAC));
    ok("PUT", FILTER, blockRule("AA:BB:CC:DD:EE:02"));
    ok("PUT", FILTER, blockRule("AA:BB:CC:DD:EE:03"));

    JsonNode result = ok("POST", FILTER + "/remove", "{\".id\":\"*1,*2\"}");

    assertThat(result.isArray()).isTrue();
    assertThat(result).isEmpty();
    assertThat(router.filterRules()).extracting(r -> r.get(".id")).containsExactly("*3");
    assertThat(call("POST", FILTER + "/remove", "{\".id\":\"*9\"}").statusCode()).isEqualTo(400);
  }

  @Test
  void invalidBodiesAndUnknownIdsAreRejected() throws IOException {
    HttpResponse<String> noChain = call("PUT", FILTER, "{\"action\":\"drop\"}");
    assertThat(noChain.statusCode()).isEqualTo(400);
    assertThat(json(noChain).get("error").asInt()).isEqualTo(400);
    assertThat(json(noChain).get("message").asText()).isEqualTo("Bad Request");
    assertThat(json(noChain).get("detail").asText()).contains("chain");

    assertThat(call("PUT", FILTER, "{not json").statusCode()).isEqualTo(400);
    assertThat(call("PUT", FILTER, "[1]").statusCode()).isEqualTo(400);
    assertThat(call("PUT", FILTER, "{\"chain\":\"forward\",\"action\":\"explode\"}").statusCode())
        .isEqualTo(400);
    assertThat(call("PATCH", FILTER + "/*7", "{\"disabled\":\"true\"}").statusCode())
        .isEqualTo(404);
    assertThat(call("DELETE", LIST + "/*7", null).statusCode()).isEqualTo(404);
    assertThat(router.filterRules()).isEmpty();
  }

  @Test
  void addressListEntryExpiresWhenItsTimeoutRunsOut() throws IOException {
    JsonNode created =
        ok("PUT", LIST, "{\"list\":\"paid\",\"address\":\"192.168.88.20\",\"timeout\":\"1s\"}");
    assertThat(created.get("dynamic").asText()).isEqualTo("true");
    assertThat(created.get("timeout").asText()).isEqualTo("1s");
    assertThat(created.get("disabled").asText()).isEqualTo("false");
    assertThat(router.hasAddressListEntry("paid", "192.168.88.20")).isTrue();

    eventually(Duration.ofSeconds(3), () -> !router.hasAddressListEntry("paid", "192.168.88.20"));

    assertThat(ok("GET", LIST + "?list=paid", null)).isEmpty();
    assertThat(call("GET", LIST + "/" + created.get(".id").asText(), null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void addressListShowsRemainingTimeoutAndPatchRestartsIt() throws IOException {
    JsonNode created =
        ok("PUT", LIST, "{\"list\":\"paid\",\"address\":\"10.0.0.5\",\"timeout\":\"01:00:00\"}");
    assertThat(created.get("timeout").asText()).matches("1h|59m5\\ds");
    String id = created.get(".id").asText();

    JsonNode patched = ok("PATCH", LIST + "/" + id, "{\"timeout\":\"1h2m3s\"}");
    assertThat(patched.get("timeout").asText()).matches("1h2m[0-3]s");

    JsonNode permanent = ok("PUT", LIST, "{\"list\":\"vip\",\"address\":\"10.0.0.6\"}");
    assertThat(permanent.get("dynamic").asText()).isEqualTo("false");
    assertThat(permanent.has("timeout")).isFalse();
    assertThat(router.addressList()).hasSize(2);

    HttpResponse<String> duplicate =
        call("PUT", LIST, "{\"list\":\"vip\",\"address\":\"10.0.0.6\"}");
    assertThat(duplicate.statusCode()).isEqualTo(400);
    assertThat(json(duplicate).get("detail").asText()).contains("already have");
    assertThat(
            call("PUT", LIST, "{\"list\":\"x\",\"address\":\"10.0.0.7\",\"timeout\":\"soon\"}")
                .statusCode())
        .isEqualTo(400);
  }

  @Test
  void unreachableRouterRefusesConnections() throws IOException {
    ok("PUT", FILTER, blockRule(MAC));
    router.setReachable(false);
    assertThatThrownBy(() -> call("GET", FILTER, null)).isInstanceOf(ConnectException.class);
    router.setReachable(true);
    assertThat(ok("GET", FILTER, null)).hasSize(1);
  }
}
