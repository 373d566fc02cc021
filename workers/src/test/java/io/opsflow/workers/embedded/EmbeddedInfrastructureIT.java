package io.opsflow.workers.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** Runs plain Spring applications (no auto-configuration) to see what the post-processor does. */
class EmbeddedInfrastructureIT {

  @Configuration(proxyBeanMethods = false)
  static class Empty {}

  private static ConfigurableApplicationContext run(Map<String, Object> properties) {
    SpringApplication application = new SpringApplication(Empty.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    application.setDefaultProperties(properties);
    return application.run();
  }

  @Test
  void startsBothWhenNothingIsConfiguredAndStopsThemWithTheContext() throws Exception {
    Path dataDirectory;
    int temporalPort;
    try (ConfigurableApplicationContext context =
        run(Map.of("opsflow.embedded.temporal.port", 0))) {
      Environment environment = context.getEnvironment();
      EmbeddedPostgres postgres =
          context.getBean(EmbeddedInfrastructure.POSTGRES_BEAN, EmbeddedPostgres.class);
      EmbeddedTemporal temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, EmbeddedTemporal.class);
      dataDirectory = postgres.dataDirectory();
      temporalPort = temporal.port();

      assertThat(environment.getProperty("spring.datasource.url")).isEqualTo(postgres.jdbcUrl());
      assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("postgres");
      assertThat(environment.getProperty("spring.temporal.connection.target"))
          .isEqualTo(temporal.target())
          .startsWith("127.0.0.1:");
      try (Connection connection =
          DriverManager.getConnection(
              environment.getProperty("spring.datasource.url"),
              environment.getProperty("spring.datasource.username"),
              environment.getProperty("spring.datasource.password"))) {
        assertThat(connection.isValid(5)).isTrue();
      }
    }
    assertThat(Files.exists(dataDirectory)).isFalse();
    assertThat(ListeningSockets.listeners(temporalPort)).isEmpty();
  }

  @Test
  void usesConfiguredServersAndStartsNothing() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("spring.datasource.url", "jdbc:postgresql://db.example:5432/opsflow");
    properties.put("spring.temporal.connection.target", "temporal.example:7233");
    properties.put("TEMPORAL_ADDRESS", "ignored.example:7233");
    try (ConfigurableApplicationContext context = run(properties)) {
      assertThat(context.getEnvironment().getProperty("spring.datasource.url"))
          .isEqualTo("jdbc:postgresql://db.example:5432/opsflow");
      assertThat(context.getEnvironment().getProperty("spring.temporal.connection.target"))
          .isEqualTo("temporal.example:7233");
      assertThat(context.containsBean(EmbeddedInfrastructure.POSTGRES_BEAN)).isFalse();
      assertThat(context.containsBean(EmbeddedInfrastructure.TEMPORAL_BEAN)).isFalse();
      assertThat(context.getEnvironment().getProperty("spring.datasource.username", "(unset)"))
          .isEqualTo("(unset)");
    }
  }

  @Test
  void takesTheTemporalAddressFromTheEnvironmentVariable() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("TEMPORAL_ADDRESS", "temporal.example:7233");
    properties.put("opsflow.embedded.postgres.enabled", "false");
    try (ConfigurableApplicationContext context = run(properties)) {
      assertThat(context.getEnvironment().getProperty("spring.temporal.connection.target"))
          .isEqualTo("temporal.example:7233");
      assertThat(context.getEnvironment().getProperty("spring.datasource.url")).isNull();
      assertThat(context.containsBean(EmbeddedInfrastructure.POSTGRES_BEAN)).isFalse();
      assertThat(context.containsBean(EmbeddedInfrastructure.TEMPORAL_BEAN)).isFalse();
    }
  }

  @Test
  void emptyDatasourceUrlCountsAsUnset() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("spring.datasource.url", "");
    properties.put("opsflow.embedded.temporal.enabled", "false");
    try (ConfigurableApplicationContext context = run(properties)) {
      assertThat(context.getEnvironment().getProperty("spring.datasource.url"))
          .startsWith("jdbc:postgresql://127.0.0.1:");
      assertThat(context.getEnvironment().getProperty("spring.temporal.connection.target"))
          .isNull();
      assertThat(context.containsBean(EmbeddedInfrastructure.POSTGRES_BEAN)).isTrue();
    }
  }

  @Test
  void explainsATakenTemporalPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Map<String, Object> properties = new HashMap<>();
      properties.put("opsflow.embedded.temporal.port", taken.getLocalPort());
      properties.put("opsflow.embedded.postgres.enabled", "false");
      assertThatThrownBy(() -> run(properties).close())
          .hasMessageContaining("already in use")
          .hasMessageContaining("TEMPORAL_ADDRESS")
          .hasMessageContaining("opsflow.embedded.temporal.port");
    }
  }
}
