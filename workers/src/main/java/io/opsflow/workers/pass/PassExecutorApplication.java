package io.opsflow.workers.pass;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/**
 * The workers app in pass-executor mode: the ephemeral executor of one pass (seed 000's PPS Pod),
 * one worker on {@code pass-<id>} with the ground-station link activities, and nothing else. It
 * stores packets, so it has the database, but migrates nothing (the deployment's workers do) and
 * runs none of the other worker pools: it reads {@code pass-executor.yml}. It exits by itself at
 * its deadline (the window's end plus a grace), closing its link on the way out. Launched by the
 * {@code pass-executors} worker (a Pod, or a process from the same jar):
 *
 * <pre>
 * PASS_ID=42 PASS_DEADLINE=2030-01-01T10:11:00Z TEMPORAL_ADDRESS=127.0.0.1:7233 \
 *   SPRING_DATASOURCE_URL=jdbc:postgresql://127.0.0.1:5432/opsflow OPSFLOW_PAYLOAD_KEY=... \
 *   java -cp workers-exec.jar -Dloader.main=io.opsflow.workers.pass.PassExecutorApplication \
 *   org.springframework.boot.loader.launch.PropertiesLauncher --opsflow.pass-executor.pass-id=42
 * </pre>
 */
@SpringBootConfiguration
@EnableAutoConfiguration(
    exclude = {
      HibernateJpaAutoConfiguration.class,
      JpaRepositoriesAutoConfiguration.class,
      FlywayAutoConfiguration.class
    })
@Import(PassExecutorMode.class)
public class PassExecutorApplication {

  /** The configuration file name ({@code pass-executor.yml}). */
  public static final String CONFIG_NAME = "pass-executor";

  public static void main(String[] args) {
    io.opsflow.workers.VirtualThreads.configure();
    builder().run(args);
  }

  /** The executor application, as main runs it (tests add properties). */
  public static SpringApplicationBuilder builder() {
    return new SpringApplicationBuilder(PassExecutorApplication.class)
        .web(WebApplicationType.NONE)
        .properties("spring.config.name=" + CONFIG_NAME);
  }
}
