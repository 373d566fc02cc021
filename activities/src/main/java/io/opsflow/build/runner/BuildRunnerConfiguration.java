package io.opsflow.build.runner;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.build.docker.DockerJobBackend;
import io.opsflow.build.kubernetes.KubernetesJobBackend;
import io.opsflow.build.kubernetes.KubernetesRunnerProperties;
import io.opsflow.build.local.LocalJobBackend;
import io.opsflow.docker.DockerConnections;
import io.opsflow.docker.EngineGuard;
import io.opsflow.kubernetes.KubernetesApiGuard;
import io.opsflow.kubernetes.KubernetesClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Chooses the job runner ({@code opsflow.builds.runner}) and creates the {@code
 * jobRunnerActivities} bean around it. {@code auto} takes Docker when the engine ({@code
 * opsflow.builds.docker.host}, {@code DOCKER_HOST} or {@code unix:///var/run/docker.sock}) answers
 * a ping, else local processes. The local and Docker runners key their resources by this
 * installation's {@link InstallationToken} as well as by build id.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({BuildProperties.class, KubernetesRunnerProperties.class})
public class BuildRunnerConfiguration {

  private static final Logger log = LoggerFactory.getLogger(BuildRunnerConfiguration.class);
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(3);

  /** Read once at start-up: stable for one database, so re-attach after a restart still works. */
  @Bean
  InstallationToken installationToken(DataSource dataSource) {
    InstallationToken token = InstallationToken.read(dataSource);
    log.info("CI runner installation token {}", token);
    return token;
  }

  @Bean
  JobBackend buildJobBackend(
      BuildProperties properties,
      KubernetesRunnerProperties kubernetesProperties,
      InstallationToken installationToken,
      ObjectProvider<MeterRegistry> meters) {
    String host = DockerConnections.resolveHost(properties.docker().host());
    String kind =
        chooseKind(
            properties.runner(),
            BuildRunnerConfiguration::kubernetesConfigured,
            () -> DockerConnections.answers(host, PING_TIMEOUT));
    JobBackend backend =
        switch (kind) {
          // A cluster namespace is the isolation there: Job names stay as they were.
          case "kubernetes" -> {
            KubernetesClient client = KubernetesClients.connect();
            yield new KubernetesJobBackend(
                client,
                kubernetesProperties,
                KubernetesApiGuard.of(
                    client, kubernetesProperties.breakerWaitInOpen(), meters.getIfAvailable()));
          }
          case "docker" ->
              new DockerJobBackend(
                  DockerConnections.connect(host, properties.docker().responseTimeout()),
                  DockerConnections.connect(host, null),
                  EngineGuard.of(
                      host, properties.docker().breakerWaitInOpen(), meters.getIfAvailable()),
                  installationToken,
                  properties.docker().network(),
                  properties.docker().pull(),
                  properties.docker().stopGrace());
          case "local" ->
              LocalJobBackend.forInstallation(
                  Path.of(properties.local().workDir()),
                  installationToken,
                  properties.local().killGrace());
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
   * Whether a cluster is configured the way fabric8 finds one: KUBECONFIG, ~/.kube/config, or the
   * in-cluster service environment. Only then does {@code auto} choose Kubernetes (DESIGN).
   */
  public static boolean kubernetesConfigured() {
    String kubeconfig = System.getenv("KUBECONFIG");
    if (kubeconfig != null && !kubeconfig.isBlank()) {
      return true;
    }
    if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      return true;
    }
    return java.nio.file.Files.isRegularFile(
        Path.of(System.getProperty("user.home"), ".kube", "config"));
  }

  /**
   * The runner kind for {@code opsflow.builds.runner}: {@code docker} or {@code local} as given;
   * {@code auto} is {@code docker} when the engine answers, else {@code local}.
   */
  static String chooseKind(
      String runner, BooleanSupplier kubernetesConfigured, BooleanSupplier dockerAnswers) {
    return switch (runner) {
      case "kubernetes", "docker", "local" -> runner;
      case "auto" ->
          kubernetesConfigured.getAsBoolean()
              ? "kubernetes"
              : dockerAnswers.getAsBoolean() ? "docker" : "local";
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
