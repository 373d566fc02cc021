package io.opsflow;

import io.opsflow.devices.DeviceProperties;
import io.opsflow.payments.GatewayProperties;
import io.opsflow.session.SessionProperties;
import org.springframework.boot.autoconfigure.domain.EntityScan;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;

/** Persistence and adapter configuration shared by the api and workers applications. */
@Configuration(proxyBeanMethods = false)
@EntityScan("io.opsflow")
@EnableJpaRepositories("io.opsflow")
@EnableConfigurationProperties({
  DeviceProperties.class,
  GatewayProperties.class,
  SessionProperties.class,
  TaskQueueProperties.class
})
public class ActivitiesConfiguration {

  /** Runs only the worker pools named in {@value WorkerPools#PROPERTY} (all when empty). */
  @Bean
  static WorkerPools workerPools(Environment environment) {
    return WorkerPools.of(environment);
  }
}
