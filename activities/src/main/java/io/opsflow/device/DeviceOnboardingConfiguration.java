package io.opsflow.device;

import io.opsflow.device.connectivity.ConnectivityMonitors;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.StringUtils;

/** The tenant CAs, device certificates and the onboarding activities. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DeviceOnboardingProperties.class)
public class DeviceOnboardingConfiguration {

  /** Set by the embedded infrastructure to the data directory it opened (temporary ones too). */
  static final String EMBEDDED_DATA_DIR = "opsflow.embedded.data-dir-path";

  /** The configured key at once (a bad one fails start-up); the data directory's on first use. */
  static Supplier<DeviceCaKeys> deviceCaKeys(
      DeviceOnboardingProperties properties, Environment environment) {
    if (StringUtils.hasText(properties.caKey())) {
      DeviceCaKeys configured = DeviceCaKeys.fromBase64(properties.caKey());
      return () -> configured;
    }
    Path dataDir = dataDirectory(environment);
    return new Supplier<>() {
      private DeviceCaKeys loaded;

      @Override
      public synchronized DeviceCaKeys get() {
        if (loaded == null) {
          loaded = DeviceCaKeys.inDataDirectory(dataDir);
        }
        return loaded;
      }
    };
  }

  /** The embedded one, else {@code opsflow.data-dir}, else OPSFLOW_DATA_DIR, else opsflow-data. */
  static Path dataDirectory(Environment environment) {
    String embedded = environment.getProperty(EMBEDDED_DATA_DIR);
    if (StringUtils.hasText(embedded)) {
      return Path.of(embedded.strip());
    }
    return io.opsflow.DataDirectories.orDefault(environment);
  }

  @Bean
  TenantCas tenantCas(
      JdbcTemplate jdbc, DeviceOnboardingProperties properties, Environment environment) {
    return new TenantCas(jdbc, deviceCaKeys(properties, environment), Clock.systemUTC());
  }

  @Bean
  DeviceCertificates deviceCertificates(JdbcTemplate jdbc, TenantCas tenantCas) {
    return new DeviceCertificates(jdbc, tenantCas, Clock.systemUTC());
  }

  @Bean
  DeviceOnboardingActivitiesImpl deviceOnboardingActivitiesImpl(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      DeviceCertificates deviceCertificates,
      ConnectivityMonitors connectivityMonitors) {
    return new DeviceOnboardingActivitiesImpl(
        jdbc,
        new TransactionTemplate(transactions),
        deviceCertificates,
        Clock.systemUTC(),
        connectivityMonitors::start);
  }
}
