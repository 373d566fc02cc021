package io.opsflow.simulators;

import static io.opsflow.simulators.TestHttp.body;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CardGatewaySimulatorTest {

  private static final String KEY = "sk_test_opsflow";

  private CardGatewaySimulator gateway;

  @BeforeEach
  void start() throws IOException {
    gateway = CardGatewaySimulator.start(KEY);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private HttpResponse<String> post(String path, String form, String idempotencyKey)
      throws IOException {
    HttpRequest.Builder builder =
        request(gateway.baseUrl(), path)
            .header("Authorization", "Bearer " + KEY)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(body(form));
    if (idempotencyKey != null) {
      builder.header("Idempotency-Key", idempotencyKey);
    }
    return send(builder);
  }

  private JsonNode ok(HttpResponse<String> response) throws IOException {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  private JsonNode getIntent(String id) throws IOException {
    return ok(
        send(
            request(gateway.baseUrl(), "/v1/payment_intents/" + id)
                .header("Authorization", "Bearer " + KEY)));
  }

  private JsonNode createIntent(long amount) throws IOException {
    return ok(post("/v1/payment_intents", "amount=" + amount + "&currency=eur", null));
  }

  @Test
  void requestsWithoutTheSecretKeyGet401() throws IOException {
    HttpResponse<String> none =
        send(request(gateway.baseUrl(), "/v1/payment_intents").POST(body("amount=1")));
    HttpResponse<String> wrong =
        send(
            request(gateway.baseUrl(), "/v1/payment_intents")
                .header("Authorization", "Bearer sk_test_wrong")
                .POST(body("amount=100&currency=eur")));

    for (HttpResponse<String> response : java.util.List.of(none, wrong)) {
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(json(response).at("/error/type").asText()).isEqualTo("authentication_error");
      assertThat(json(response).at("/error/message").asText()).isNotBlank();
    }
    assertThat(gateway.intentCount()).isZero();
  }

  @Test
  void createsAPaymentIntentWithMetadata() throws IOException {
    JsonNode intent =
        ok(
            post(
                "/v1/payment_intents",
                "amount=1500&currency=EUR&metadata%5Bsession_id%5D=42&metadata[station]=PC-07",
                null));

    String id = intent.get("id").asText();
    assertThat(id).startsWith("pi_");
    assertThat(intent.get("object").asText()).isEqualTo("payment_intent");
    assertThat(intent.get("amount").asLong()).isEqualTo(1500);
    assertThat(intent.get("currency").asText()).isEqualTo("eur");
    assertThat(intent.get("status").asText()).isEqualTo("requires_payment_method");
    assertThat(intent.get("client_secret").asText()).startsWith(id + "_secret_");
    assertThat(intent.at("/metadata/session_id").asText()).isEqualTo("42");
    assertThat(intent.at("/metadata/station").asText()).isEqualTo("PC-07");
    assertThat(intent.get("created").asLong())
        .isBetween(System.currentTimeMillis() / 1000 - 5, System.currentTimeMillis() / 1000 + 1);
    assertThat(getIntent(id).get("amount").asLong()).isEqualTo(1500);
    assertThat(gateway.intent(id).metadata()).containsEntry("session_id", "42");
  }

  @Test
  void invalidAmountOrCurrencyIsA400NamingTheParam() throws IOException {
    String[][] cases = {
      {"currency=eur", "amount"},
      {"amount=0&currency=eur", "amount"},
      {"amount=-5&currency=eur", "amount"},
      {"amount=12.50&currency=eur", "amount"},
      {"amount=100", "currency"},
    };
    for (String[] c : cases) {
      HttpResponse<String> response = post("/v1/payment_intents", c[0], null);
      assertThat(response.statusCode()).as(c[0]).isEqualTo(400);
      assertThat(json(response).at("/error/type").asText()).isEqualTo("invalid_request_error");
      assertThat(json(response).at("/error/param").asText()).as(c[0]).isEqualTo(c[1]);
      assertThat(json(response).at("/error/message").asText()).isNotBlank();
    }
    assertThat(gateway.intentCount()).isZero();
  }

  @Test
  void sameIdempotencyKeyReturnsTheSameIntent() throws IOException {
    HttpResponse<String> first = post("/v1/payment_intents", "amount=900&currency=eur", "k-1");
    HttpResponse<String> again = post("/v1/payment_intents", "amount=900&currency=eur", "k-1");

    assertThat(ok(again).get("id").asText()).isEqualTo(ok(first).get("id").asText());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(gateway.intentCount()).isEqualTo(1);

    HttpResponse<String> misuse = post("/v1/payment_intents", "amount=901&currency=eur", "k-1");
    assertThat(misuse.statusCode()).isEqualTo(400);
    assertThat(json(misuse).at("/error/type").asText()).isEqualTo("invalid_request_error");

    post("/v1/payment_intents", "amount=900&currency=eur", "k-2");
    assertThat(gateway.intentCount()).isEqualTo(2);
  }

  @Test
  void confirmingWithAGoodCardSucceeds() throws IOException {
    String id = createIntent(1200).get("id").asText();

    JsonNode confirmed =
        ok(post("/v1/payment_intents/" + id + "/confirm", "payment_method=pm_card_visa", null));

    assertThat(confirmed.get("status").asText()).isEqualTo("succeeded");
    assertThat(confirmed.get("amount_received").asLong()).isEqualTo(1200);
    assertThat(confirmed.get("last_payment_error").isNull()).isTrue();
    assertThat(getIntent(id).get("status").asText()).isEqualTo("succeeded");
    assertThat(gateway.intent(id).paymentMethod()).isEqualTo("pm_card_visa");
  }

  @Test
  void declinedCardLeavesTheIntentWaitingForAnotherMethod() throws IOException {
    String id = createIntent(1200).get("id").asText();

    HttpResponse<String> declined =
        post(
            "/v1/payment_intents/" + id + "/confirm",
            "payment_method=pm_card_chargeDeclined",
            null);

    assertThat(declined.statusCode()).isEqualTo(402);
    JsonNode error = json(declined).get("error");
    assertThat(error.get("type").asText()).isEqualTo("card_error");
    assertThat(error.get("code").asText()).isEqualTo("card_declined");
    assertThat(error.at("/payment_intent/status").asText()).isEqualTo("requires_payment_method");

    JsonNode intent = getIntent(id);
    assertThat(intent.get("status").asText()).isEqualTo("requires_payment_method");
    assertThat(intent.at("/last_payment_error/code").asText()).isEqualTo("card_declined");
    assertThat(intent.at("/last_payment_error/message").asText())
        .isEqualTo("Your card was declined.");
    assertThat(gateway.intent(id).lastPaymentErrorCode()).isEqualTo("card_declined");

    JsonNode retried =
        ok(post("/v1/payment_intents/" + id + "/confirm", "payment_method=pm_card_visa", null));
    assertThat(retried.get("status").asText()).isEqualTo("succeeded");
    assertThat(retried.get("last_payment_error").isNull()).isTrue();
  }

  @Test
  void convenienceConfirmActsLikeTheFrontend() throws IOException {
    String id = createIntent(700).get("id").asText();

    assertThat(gateway.confirm(id, "pm_card_chargeDeclined").status())
        .isEqualTo("requires_payment_method");
    assertThat(gateway.confirm(id, "pm_card_visa").status()).isEqualTo("succeeded");
    assertThat(getIntent(id).get("status").asText()).isEqualTo("succeeded");
    assertThatThrownBy(() -> gateway.confirm(id, "pm_card_visa"))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> gateway.confirm("pi_missing", "pm_card_visa"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cancelOnlyBeforeSuccess() throws IOException {
    String open = createIntent(500).get("id").asText();
    JsonNode canceled = ok(post("/v1/payment_intents/" + open + "/cancel", "", null));
    assertThat(canceled.get("status").asText()).isEqualTo("canceled");
    assertThat(canceled.get("canceled_at").asLong()).isPositive();

    String paid = createIntent(500).get("id").asText();
    gateway.confirm(paid, "pm_card_visa");
    assertThat(post("/v1/payment_intents/" + paid + "/cancel", "", null).statusCode())
        .isEqualTo(400);
  }

  @Test
  void refundsASucceededIntentOnceAndHonoursTheIdempotencyKey() throws IOException {
    String id = createIntent(2500).get("id").asText();
    HttpResponse<String> tooEarly = post("/v1/refunds", "payment_intent=" + id, null);
    assertThat(tooEarly.statusCode()).isEqualTo(400);

    gateway.confirm(id, "pm_card_visa");
    JsonNode refund = ok(post("/v1/refunds", "payment_intent=" + id, "refund-1"));
    JsonNode replay = ok(post("/v1/refunds", "payment_intent=" + id, "refund-1"));

    assertThat(refund.get("id").asText()).startsWith("re_");
    assertThat(refund.get("object").asText()).isEqualTo("refund");
    assertThat(refund.get("payment_intent").asText()).isEqualTo(id);
    assertThat(refund.get("amount").asLong()).isEqualTo(2500);
    assertThat(refund.get("status").asText()).isEqualTo("succeeded");
    assertThat(replay.get("id").asText()).isEqualTo(refund.get("id").asText());
    assertThat(gateway.refunds()).hasSize(1);
    assertThat(gateway.intent(id).amountRefunded()).isEqualTo(2500);

    HttpResponse<String> twice = post("/v1/refunds", "payment_intent=" + id, null);
    assertThat(twice.statusCode()).isEqualTo(400);
    assertThat(json(twice).at("/error/code").asText()).isEqualTo("charge_already_refunded");
  }

  @Test
  void partialRefundsUpToTheAmount() throws IOException {
    String id = createIntent(1000).get("id").asText();
    gateway.confirm(id, "pm_card_visa");

    assertThat(
            ok(post("/v1/refunds", "payment_intent=" + id + "&amount=400", null))
                .get("amount")
                .asLong())
        .isEqualTo(400);
    assertThat(post("/v1/refunds", "payment_intent=" + id + "&amount=700", null).statusCode())
        .isEqualTo(400);
    assertThat(ok(post("/v1/refunds", "payment_intent=" + id, null)).get("amount").asLong())
        .isEqualTo(600);
  }

  @Test
  void unknownIdsAre404ResourceMissing() throws IOException {
    HttpResponse<String> response =
        send(
            request(gateway.baseUrl(), "/v1/payment_intents/pi_nope")
                .header("Authorization", "Bearer " + KEY));
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(json(response).at("/error/code").asText()).isEqualTo("resource_missing");
    assertThat(
            post("/v1/payment_intents/pi_nope/confirm", "payment_method=pm_card_visa", null)
                .statusCode())
        .isEqualTo(404);
    assertThat(post("/v1/refunds", "payment_intent=pi_nope", null).statusCode()).isEqualTo(404);
  }

  @Test
  void unreachableGatewayRefusesConnections() throws IOException {
    gateway.setReachable(false);
    assertThatThrownBy(() -> createIntent(100)).isInstanceOf(ConnectException.class);
    gateway.setReachable(true);
    createIntent(100);
    assertThat(gateway.intentCount()).isEqualTo(1);
  }
}
