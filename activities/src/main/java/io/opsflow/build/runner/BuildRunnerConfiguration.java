package io.opsflow.build.runner;

import io.opsflow.build.docker.DockerClients;
import io.opsflow.build.docker.DockerJobBackend;
import io.opsflow.build.local.LocalJobBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Chooses the job runner ({@code opsflow.builds.runner}) and creates the {@code
 * jobRunnerActivities} bean around it. {@code auto} takes Docker when the engine ({@code
 * opsflow.builds.docker.host}, {@code DOCKER_HOST} or {@code unix:///var/run/docker.sock}) answers
 * a ping, else local processes.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(BuildProperties.class)
public class BuildRunnerConfiguration {

  private static final Logger log = LoggerFactory.getLogger(BuildRunnerConfiguration.class);
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);

  @Bean
  JobBackend buildJobBackend(BuildProperties properties) {
    String host = DockerClients.resolveHost(properties.docker().host());
    String kind = chooseKind(properties.runner(), () -> DockerClients.answers(host, PING_TIMEOUT));
    JobBackend backend =
        switch (kind) {
          case "docker" ->
              new DockerJobBackend(
                  DockerClients.connect(host),
                  properties.docker().network(),
                  properties.docker().pull(),
                  properties.docker().stopGrace());
          case "local" ->
              new LocalJobBackend(
                  Path.of(properties.local().workDir()), properties.local().killGrace());
          default -> throw new IllegalStateException("no backend for runner kind " + kind);
        };
    log.info("CI jobs run on the {} runner (task queue {})", kind, properties.taskQueueFor(kind));
    return backend;
  }

  @Bean
  BuildRunnerInfo buildRunnerInfo(JobBackend buildJobBackend, BuildProperties properties) {
    String kind = buildJobBackend.kind();
    return new BuildRunnerInfo(kind, properties.taskQueueFor(kind));
  }

  @Bean
  JobRunnerActivitiesImpl jobRunnerActivities(JobBackend buildJobBackend, BuildLogStore logs) {
    return new JobRunnerActivitiesImpl(buildJobBackend, logs);
  }

  /**
   * The runner kind for {@code opsflow.builds.runner}: {@code docker} or {@code local} as given;
   * {@code auto} is {@code docker} when the engine answers, else {@code local}.
   */
  static String chooseKind(String runner, BooleanSupplier dockerAnswers) {
    return switch (runner) {
      case "docker", "local" -> runner;
      case "auto" -> dockerAnswers.getAsBoolean() ? "docker" : "local";
      default ->
          throw new IllegalArgumentException(
              "opsflow.builds.runner must be one of "
                  + BuildProperties.RUNNERS
                  + ", was '"
                  + runner
                  + "'");
    };
  }
}
