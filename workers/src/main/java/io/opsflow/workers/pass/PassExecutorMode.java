package io.opsflow.workers.pass;

import io.opsflow.pass.PassLinkActivitiesImpl;
import io.opsflow.pass.PassLinks;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Pass-executor mode: with {@code opsflow.pass-executor.pass-id} set, a worker polls the pass's
 * queue with the link activities ({@link PassLinkActivitiesImpl}) on the Temporal starter's client,
 * and the process exits at its deadline. On shutdown the worker stops polling first, then the link
 * is closed and its last TM stored.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "opsflow.pass-executor", name = "pass-id")
@EnableConfigurationProperties(PassExecutorModeProperties.class)
public class PassExecutorMode {

  /**
   * The longest a heartbeat waits before it is sent (as for CI jobs): a cancel reaches a waiting
   * action within about a second.
   */
  static final Duration MAX_HEARTBEAT_THROTTLE = Duration.ofSeconds(1);

  @Bean(destroyMethod = "close")
  PassLinks passLinks(DataSource dataSource) {
    return new PassLinks(new JdbcTemplate(dataSource));
  }

  @Bean
  PassExecutorWorker passExecutorWorker(
      PassExecutorModeProperties properties, WorkflowClient client, PassLinks passLinks) {
    if (properties.passId() == null) {
      throw new IllegalStateException(
          "Pass-executor mode needs a pass id: set opsflow.pass-executor.pass-id (or PASS_ID)");
    }
    return new PassExecutorWorker(properties, client, passLinks);
  }

  /** The worker on {@code pass-<id>}, and the exit at the deadline. */
  static final class PassExecutorWorker implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PassExecutorWorker.class);

    private final PassExecutorModeProperties properties;
    private final PassLinks links;
    private final WorkerFactory factory;
    private volatile boolean running;

    PassExecutorWorker(
        PassExecutorModeProperties properties, WorkflowClient client, PassLinks links) {
      this.properties = properties;
      this.links = links;
      this.factory = WorkerFactory.newInstance(client);
      factory
          .newWorker(
              properties.effectiveTaskQueue(),
              WorkerOptions.newBuilder()
                  .setMaxHeartbeatThrottleInterval(MAX_HEARTBEAT_THROTTLE)
                  .build())
          .registerActivitiesImplementations(new PassLinkActivitiesImpl(links));
    }

    @Override
    public void start() {
      factory.start();
      running = true;
      log.info(
          "Executor of pass {} polling {}{}",
          properties.passId(),
          properties.effectiveTaskQueue(),
          properties.deadline() == null ? "" : ", exits at " + properties.deadline());
      Instant deadline = properties.deadline();
      if (deadline != null) {
        Thread.ofPlatform()
            .daemon()
            .name("pass-executor-deadline")
            .start(
                () -> {
                  try {
                    Thread.sleep(Math.max(0, Duration.between(Instant.now(), deadline).toMillis()));
                  } catch (InterruptedException e) {
                    return;
                  }
                  log.info(
                      "Executor of pass {}: deadline {} reached, exiting",
                      properties.passId(),
                      deadline);
                  // The shutdown hook closes the context: this worker stops, then the link closes.
                  System.exit(0);
                });
      }
    }

    @Override
    public void stop() {
      running = false;
      factory.shutdown();
      factory.awaitTermination(10, TimeUnit.SECONDS);
      links.close();
      log.info("Executor of pass {} stopped", properties.passId());
    }

    @Override
    public boolean isRunning() {
      return running;
    }
  }
}
