package io.opsflow.device.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The syslog intake, where {@code opsflow.telemetry.syslog.enabled} is true. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SyslogProperties.class)
public class TelemetryConfiguration {

  @Bean
  TelemetryStore telemetryStore(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      ObjectProvider<ObjectMapper> json) {
    return new TelemetryStore(
        jdbc, new TransactionTemplate(transactions), json.getIfAvailable(ObjectMapper::new));
  }

  @Bean
  @ConditionalOnProperty(
      prefix = "opsflow.telemetry.syslog",
      name = "enabled",
      havingValue = "true")
  SyslogIntake syslogIntake(
      SyslogProperties properties,
      TelemetryStore store,
      JdbcTemplate jdbc,
      List<FirstContactListener> listeners,
      ObjectProvider<MeterRegistry> meters) {
    Clock clock = Clock.systemUTC();
    return new SyslogIntake(
        properties,
        store,
        new EndpointDirectory(jdbc, properties.endpointRefresh(), clock),
        listeners,
        meters.getIfAvailable(SimpleMeterRegistry::new),
        clock);
  }
}
