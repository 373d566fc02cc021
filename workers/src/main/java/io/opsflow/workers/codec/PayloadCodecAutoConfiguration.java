package io.opsflow.workers.codec;

import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.spring.boot.autoconfigure.RootNamespaceAutoConfiguration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Payload encryption for every process that uses the Temporal Spring Boot starter (the all-in-one
 * app, the workers jar, the node agent): a {@link CodecDataConverter} with the {@link
 * AesGcmPayloadCodec}, registered as {@value #DATA_CONVERTER_BEAN}, the name the starter's
 * autoconfiguration takes for its {@code WorkflowClient}, and through it for every worker.
 */
@AutoConfiguration(before = RootNamespaceAutoConfiguration.class)
@EnableConfigurationProperties(CodecProperties.class)
public class PayloadCodecAutoConfiguration {

  /** The bean name the starter prefers among DataConverters. */
  public static final String DATA_CONVERTER_BEAN = "mainDataConverter";

  private static final Logger log = LoggerFactory.getLogger(PayloadCodecAutoConfiguration.class);

  /** On unless {@code opsflow.temporal.codec.enabled=false}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(
      prefix = CodecProperties.PREFIX,
      name = "enabled",
      havingValue = "true",
      matchIfMissing = true)
  static class Encrypted {

    @Bean
    AesGcmPayloadCodec payloadCodec(CodecProperties properties) {
      PayloadKeys keys = PayloadKeys.from(properties);
      log.info("Temporal payloads encrypted (AES-256-GCM) with {}", keys);
      return new AesGcmPayloadCodec(keys);
    }

    @Bean(name = DATA_CONVERTER_BEAN)
    DataConverter mainDataConverter(AesGcmPayloadCodec codec, CodecProperties properties) {
      return new CodecDataConverter(
          DefaultDataConverter.STANDARD_INSTANCE,
          List.of(codec),
          properties.encodeFailureAttributes());
    }
  }

  /** {@code opsflow.temporal.codec.enabled=false}: said once, loudly. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = CodecProperties.PREFIX, name = "enabled", havingValue = "false")
  static class Clear {
    Clear() {
      log.warn(
          "opsflow.temporal.codec.enabled=false: Temporal payloads are NOT encrypted; card client"
              + " secrets and tokens are readable in workflow histories.");
    }
  }
}
