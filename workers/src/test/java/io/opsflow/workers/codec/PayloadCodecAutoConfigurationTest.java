package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What every process (app, workers jar, agent) gets from the autoconfiguration. */
class PayloadCodecAutoConfigurationTest {

  final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(PayloadCodecAutoConfiguration.class));

  @Test
  void onByDefaultAsTheStartersMainDataConverter() {
    String key = Base64.getEncoder().encodeToString(PayloadKeys.generate());
    runner
        .withPropertyValues("opsflow.temporal.codec.key=" + key)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              DataConverter converter =
                  context.getBean(
                      PayloadCodecAutoConfiguration.DATA_CONVERTER_BEAN, DataConverter.class);
              assertThat(converter).isInstanceOf(CodecDataConverter.class);
              Payload payload = converter.toPayload("pi_1_secret_x").orElseThrow();
              assertThat(AesGcmPayloadCodec.isEncrypted(payload)).isTrue();
              assertThat(converter.fromPayload(payload, String.class, String.class))
                  .isEqualTo("pi_1_secret_x");
            });
  }

  @Test
  void aProcessWithoutAnyKeyDoesNotStart() {
    runner.run(
        context ->
            assertThat(context)
                .hasFailed()
                .getFailure()
                .rootCause()
                .hasMessageContaining("OPSFLOW_PAYLOAD_KEY"));
  }

  @Test
  void offWhenDisabled() {
    runner
        .withPropertyValues("opsflow.temporal.codec.enabled=false")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(DataConverter.class);
              assertThat(context).doesNotHaveBean(AesGcmPayloadCodec.class);
            });
  }
}
