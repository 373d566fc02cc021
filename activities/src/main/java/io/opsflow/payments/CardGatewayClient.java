package io.opsflow.payments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.devices.DeviceException;
import io.opsflow.session.PaymentGatewayActivities.CardIntent;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** Stripe-shaped payment intents: form-encoded requests, bearer key, Idempotency-Key header. */
@Component
public class CardGatewayClient {

  private final HttpClient http;
  private final ObjectMapper mapper;
  private final GatewayProperties properties;

  public CardGatewayClient(ObjectMapper mapper, GatewayProperties properties) {
    this.mapper = mapper;
    this.properties = properties;
    this.http = HttpClient.newBuilder().connectTimeout(properties.timeout()).build();
  }

  public CardIntent createIntent(
      long amountMinor, String currency, Map<String, String> metadata, String idempotencyKey)
      throws IOException, InterruptedException, DeviceException {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("amount", Long.toString(amountMinor));
    form.put("currency", currency);
    metadata.forEach((k, v) -> form.put("metadata[" + k + "]", v));
    return intent(send("POST", "/v1/payment_intents", form, idempotencyKey));
  }

  public CardIntent retrieve(String intentId)
      throws IOException, InterruptedException, DeviceException {
    return intent(send("GET", "/v1/payment_intents/" + encode(intentId), null, null));
  }

  public CardIntent cancel(String intentId)
      throws IOException, InterruptedException, DeviceException {
    return intent(
        send("POST", "/v1/payment_intents/" + encode(intentId) + "/cancel", Map.of(), null));
  }

  public String refund(String intentId, String idempotencyKey)
      throws IOException, InterruptedException, DeviceException {
    return send("POST", "/v1/refunds", Map.of("payment_intent", intentId), idempotencyKey)
        .path("id")
        .asText();
  }

  private CardIntent intent(JsonNode json) {
    JsonNode error = json.path("last_payment_error");
    return new CardIntent(
        json.path("id").asText(),
        json.path("status").asText(),
        json.path("client_secret").asText(null),
        json.path("amount").asLong(),
        error.isMissingNode() || error.isNull() ? null : error.path("message").asText(null));
  }

  private JsonNode send(String method, String path, Map<String, String> form, String idemKey)
      throws IOException, InterruptedException, DeviceException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(properties.baseUrl() + path))
            .timeout(properties.timeout())
            .header("Authorization", "Bearer " + properties.secretKey());
    if (idemKey != null) {
      request.header("Idempotency-Key", idemKey);
    }
    if (form == null) {
      request.GET();
    } else {
      String body =
          form.entrySet().stream()
              .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
              .collect(Collectors.joining("&"));
      request
          .header("Content-Type", "application/x-www-form-urlencoded")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      String type = response.statusCode() / 100 == 4 ? "GATEWAY_REJECTED" : "GATEWAY_ERROR";
      throw new DeviceException(
          type, "gateway answered " + response.statusCode() + ": " + errorMessage(response.body()));
    }
    return mapper.readTree(response.body());
  }

  /** Stripe's {@code error.message}, or the body itself when a proxy or outage answered. */
  private String errorMessage(String body) {
    try {
      JsonNode json = mapper.readTree(body);
      return json == null ? body : json.path("error").path("message").asText(body);
    } catch (IOException notJson) {
      return body;
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
