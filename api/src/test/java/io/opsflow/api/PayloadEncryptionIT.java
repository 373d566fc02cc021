package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opsflow.simulators.CardGatewaySimulator;
import io.opsflow.workers.codec.AesGcmPayloadCodec;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A card payment's client secret (answered to the API caller) never reaches Temporal in clear: the
 * session's raw history, fetched without the codec, does not contain it anywhere, while the same
 * payloads decoded through the app's codec endpoint over HTTP do. The app on its embedded default
 * (the real dev server), the card gateway simulator over a real socket.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=codec-it",
      "opsflow.payments.gateway.secret-key=sk_test_codec"
    })
class PayloadEncryptionIT {

  static final CardGatewaySimulator gateway =
      Started.at(() -> CardGatewaySimulator.start("sk_test_codec"));

  @DynamicPropertySource
  static void devices(DynamicPropertyRegistry registry) {
    registry.add("opsflow.payments.gateway.base-url", () -> gateway.baseUrl().toString());
  }

  @AfterAll
  static void stopGateway() {
    gateway.close();
  }

  @LocalServerPort int port;

  @Value("${spring.temporal.connection.target}")
  String target;

  @Value("${spring.temporal.namespace:default}")
  String namespace;

  @Test
  void cardClientSecretIsNowhereInTheRawHistoryButDecodesThroughTheCodecEndpoint()
      throws Exception {
    ApiClient api = new ApiClient(port);
    long user = api.ok(api.post("/api/v1/users", "{\"name\":\"cy\"}"), 201).path("id").asLong();
    long station =
        api.ok(api.post("/api/v1/stations", "{\"name\":\"pc-codec\",\"type\":\"PC\"}"), 201)
            .path("station")
            .path("id")
            .asLong();
    JsonNode pending =
        api.ok(
            api.post(
                "/api/v1/sessions/start",
                "{\"station_id\":"
                    + station
                    + ",\"duration\":30,\"user_id\":"
                    + user
                    + ",\"payment_method\":\"CARD\",\"amount\":10.00}"),
            202);
    String secret = pending.path("client_secret").asText();
    assertThat(secret).contains("_secret_");
    gateway.confirm(secret.substring(0, secret.indexOf("_secret_")), "pm_card_visa");
    api.ok(
        api.post("/api/v1/payments/" + pending.path("payment_id").asLong() + "/confirm", ""), 201);

    // The history as the Temporal server stores it, read by a client without the codec.
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    WorkflowExecutionHistory history;
    try {
      history =
          WorkflowClient.newInstance(
                  stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build())
              .fetchHistory("session-" + pending.path("id").asLong());
    } finally {
      stubs.shutdownNow();
    }
    byte[] raw = history.getHistory().toByteArray();
    assertThat(indexOf(raw, secret.getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
    assertThat(history.toJson(false)).doesNotContain(secret);

    // Not absent by accident: the workflow's input, memo and results are all there, encrypted.
    List<Payload> payloads = new ArrayList<>();
    int updateResults = 0;
    for (HistoryEvent event : history.getEvents()) {
      if (event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
        var started = event.getWorkflowExecutionStartedEventAttributes();
        assertThat(started.getInput().getPayloadsList())
            .isNotEmpty()
            .allMatch(AesGcmPayloadCodec::isEncrypted);
        assertThat(started.getMemo().getFieldsMap().values())
            .isNotEmpty()
            .allMatch(AesGcmPayloadCodec::isEncrypted);
      }
      if (event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) {
        var outcome = event.getWorkflowExecutionUpdateCompletedEventAttributes().getOutcome();
        assertThat(outcome.getSuccess().getPayloadsList())
            .allMatch(AesGcmPayloadCodec::isEncrypted);
        updateResults += outcome.getSuccess().getPayloadsCount();
      }
      collect(event, payloads);
    }
    assertThat(updateResults).isPositive();

    // The Temporal UI's view: the same payloads through POST /api/v1/temporal/codec/decode.
    String request = JsonFormat.printer().print(Payloads.newBuilder().addAllPayloads(payloads));
    ApiClient.Answer decoded = api.post("/api/v1/temporal/codec/decode", request);
    assertThat(decoded.status()).isEqualTo(200);
    JsonNode answered = decoded.body().path("payloads");
    assertThat(answered.size()).isEqualTo(payloads.size());
    List<String> texts = new ArrayList<>();
    for (JsonNode payload : answered) {
      assertThat(payload.path("metadata").has("encryption-key-id")).isFalse();
      texts.add(
          new String(
              Base64.getDecoder().decode(payload.path("data").asText("")), StandardCharsets.UTF_8));
    }
    assertThat(texts).anyMatch(text -> text.contains(secret));

    // The UI's encode (a signal typed in the UI) gives payloads the workers decode.
    ApiClient.Answer encoded = api.post("/api/v1/temporal/codec/encode", decoded.body().toString());
    assertThat(encoded.status()).isEqualTo(200);
    JsonNode reEncrypted = encoded.body().path("payloads");
    assertThat(reEncrypted.size()).isEqualTo(payloads.size());
    assertThat(reEncrypted.toString()).doesNotContain(secret);
    ApiClient.Answer again = api.post("/api/v1/temporal/codec/decode", encoded.body().toString());
    assertThat(again.body()).isEqualTo(decoded.body());
  }

  @Test
  void aPayloadOfAnUnknownKeyIsA400NamingTheKeyId() {
    ApiClient api = new ApiClient(port);
    String foreign =
        "{\"payloads\":[{\"metadata\":{\"encoding\":\""
            + b64("binary/encrypted")
            + "\",\"encryption-key-id\":\""
            + b64("k-elsewhere")
            + "\"},\"data\":\""
            + Base64.getEncoder().encodeToString(new byte[40])
            + "\"}]}";
    ApiClient.Answer answer = api.post("/api/v1/temporal/codec/decode", foreign);
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body().path("detail").asText()).contains("'k-elsewhere'");
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Every Payload inside a message, at any depth (maps included). */
  private static void collect(Message message, List<Payload> out) {
    if (message instanceof Payload payload) {
      out.add(payload);
      return;
    }
    message
        .getAllFields()
        .forEach(
            (field, value) -> {
              if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                return;
              }
              if (field.isRepeated()) {
                for (Object element : (List<?>) value) {
                  collect((Message) element, out);
                }
              } else {
                collect((Message) value, out);
              }
            });
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
