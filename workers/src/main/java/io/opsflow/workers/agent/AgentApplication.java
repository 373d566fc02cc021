package io.opsflow.workers.agent;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/**
 * The workers app in agent-only mode: one {@link NodeAgent} and nothing else. No database (an agent
 * on a remote node holds no database credentials) and none of the other worker pools: it reads
 * {@code agent.yml}, which configures no {@code spring.temporal.workers} and turns the embedded
 * servers off. Run from the workers jar:
 *
 * <pre>
 * AGENT_SECRET=... TEMPORAL_ADDRESS=127.0.0.1:7233 java -cp workers-exec.jar \
 *   -Dloader.main=io.opsflow.workers.agent.AgentApplication \
 *   org.springframework.boot.loader.launch.PropertiesLauncher \
 *   --opsflow.agent.node-id=node-1 --opsflow.agent.api-url=http://127.0.0.1:8080
 * </pre>
 */
@SpringBootConfiguration
@EnableAutoConfiguration(
    exclude = {
      DataSourceAutoConfiguration.class,
      DataSourceTransactionManagerAutoConfiguration.class,
      HibernateJpaAutoConfiguration.class,
      FlywayAutoConfiguration.class
    })
@Import(AgentConfiguration.class)
public class AgentApplication {

  /** The configuration file name ({@code agent.yml}). */
  public static final String CONFIG_NAME = "agent";

  public static void main(String[] args) {
    io.opsflow.workers.VirtualThreads.configure();
    builder().run(args);
  }

  /** The agent application, as main runs it (tests add properties). */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(AgentApplication.class)
        .web(WebApplicationType.NONE)
        .properties("spring.config.name=" + CONFIG_NAME);
  }
}
