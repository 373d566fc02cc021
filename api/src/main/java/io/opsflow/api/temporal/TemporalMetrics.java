package io.opsflow.api.temporal;

import io.micrometer.core.instrument.config.MeterFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Keeps the Temporal SDK's client metrics exportable to Prometheus. */
@Configuration(proxyBeanMethods = false)
public class TemporalMetrics {

  /**
   * The SDK tags update-with-start requests with {@code update_name}, other long requests not;
   * Prometheus needs one tag set per meter name, so without this the first update-with-start
   * latency is dropped ("could not be registered"). Updates are told apart in their own meters.
   */
  @Bean
  MeterFilter temporalUpdateNameTag() {
    return MeterFilter.ignoreTags("update_name");
  }
}
