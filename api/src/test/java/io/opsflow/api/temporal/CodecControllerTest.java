package io.opsflow.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.workers.codec.AesGcmPayloadCodec;
import io.opsflow.workers.codec.PayloadKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The codec-server protocol and the CORS the Temporal UI needs, without the rest of the app (and
 * without its security filters: who may call the endpoint is RouteSecurityIT's and
 * PayloadEncryptionIT's).
 */
@AutoConfigureMockMvc(addFilters = false)
@WebMvcTest(
    controllers = CodecController.class,
    properties = {
      "opsflow.embedded.postgres.enabled=false",
      "opsflow.embedded.temporal.enabled=false"
    })
class CodecControllerTest {

  static final String PATH = "/api/v1/temporal/codec";

  @TestConfiguration
  static class Keys {
    @Bean
    AesGcmPayloadCodec payloadCodec() {
      return new AesGcmPayloadCodec(PayloadKeys.of(Map.of("test", PayloadKeys.generate()), "test"));
    }
  }

  @Autowired MockMvc mvc;
  final ObjectMapper json = new ObjectMapper();

  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void encodeThenDecodeGivesThePayloadsBackInTheProtocolsJson() throws Exception {
    String clear =
        "{\"payloads\":[{\"metadata\":{\"encoding\":\""
            + b64("json/plain")
            + "\"},\"data\":\""
            + b64("\"pi_1_secret_x\"")
            + "\"},{\"metadata\":{\"encoding\":\""
            + b64("binary/null")
            + "\"}}]}";
    String encoded =
        mvc.perform(
                post(PATH + "/encode")
                    .contentType(MediaType.APPLICATION_JSON)
                    .header("X-Namespace", "default")
                    .content(clear))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.payloads.length()").value(2))
            .andExpect(jsonPath("$.payloads[0].metadata.encoding").value(b64("binary/encrypted")))
            .andExpect(jsonPath("$.payloads[0].metadata['encryption-key-id']").value(b64("test")))
            .andReturn()
            .getResponse()
            .getContentAsString();
    assertThat(encoded).doesNotContain(b64("\"pi_1_secret_x\""));

    String decoded =
        mvc.perform(
                post(PATH + "/decode")
                    .contentType(MediaType.APPLICATION_JSON)
                    .header("X-Namespace", "default")
                    .content(encoded))
            .andExpect(status().isOk())
            .andExpect(header().string("Content-Type", MediaType.APPLICATION_JSON_VALUE))
            .andReturn()
            .getResponse()
            .getContentAsString();
    JsonNode expected = json.readTree(clear);
    assertThat(json.readTree(decoded)).isEqualTo(expected);
  }

  @Test
  void theTemporalUisPreflightIsAllowedWithItsHeaderAndCredentials() throws Exception {
    for (String origin : CodecCorsConfiguration.DEFAULT_ORIGINS) {
      mvc.perform(
              options(PATH + "/decode")
                  .header("Origin", origin)
                  .header("Access-Control-Request-Method", "POST")
                  .header("Access-Control-Request-Headers", "content-type,x-namespace"))
          .andExpect(status().isOk())
          .andExpect(header().string("Access-Control-Allow-Origin", origin))
          .andExpect(header().string("Access-Control-Allow-Credentials", "true"))
          .andExpect(
              result ->
                  assertThat(result.getResponse().getHeader("Access-Control-Allow-Headers"))
                      .containsIgnoringCase("x-namespace"));
    }
    mvc.perform(
            post(PATH + "/decode")
                .header("Origin", "http://localhost:8233")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"payloads\":[]}"))
        .andExpect(status().isOk())
        .andExpect(header().string("Access-Control-Allow-Origin", "http://localhost:8233"));
  }

  @Test
  void anotherOriginIsRefused() throws Exception {
    mvc.perform(
            options(PATH + "/decode")
                .header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "POST"))
        .andExpect(status().isForbidden());
  }

  @Test
  void tamperedOrMalformedInputIsA400SayingWhy() throws Exception {
    String foreign =
        "{\"payloads\":[{\"metadata\":{\"encoding\":\""
            + b64("binary/encrypted")
            + "\",\"encryption-key-id\":\""
            + b64("test")
            + "\"},\"data\":\""
            + Base64.getEncoder().encodeToString(new byte[40])
            + "\"}]}";
    mvc.perform(post(PATH + "/decode").contentType(MediaType.APPLICATION_JSON).content(foreign))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("'test'")));
    mvc.perform(post(PATH + "/decode").contentType(MediaType.APPLICATION_JSON).content("[1,2"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.field").value("payloads"));
  }
}
