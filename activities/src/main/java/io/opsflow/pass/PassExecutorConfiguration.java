package io.opsflow.pass;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.opsflow.build.runner.BuildRunnerConfiguration;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.kubernetes.KubernetesApiGuard;
import io.opsflow.kubernetes.KubernetesClients;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.util.StringUtils;

/**
 * Chooses where pass executors run ({@code opsflow.passes.executor.backend}) and creates the {@code
 * passExecutorActivitiesImpl} bean around it: {@code auto} takes Kubernetes when a cluster is
 * configured (KUBECONFIG, ~/.kube/config or in-cluster, as the CI job runner decides), else local
 * processes. Executors get this process's database, Temporal and payload-key settings.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PassExecutorProperties.class)
public class PassExecutorConfiguration {

  private static final Logger log = LoggerFactory.getLogger(PassExecutorConfiguration.class);

  /** Properties an executor gets from the launching process, when set. */
  static final List<String> FORWARDED =
      List.of(
          "spring.datasource.url",
          "spring.datasource.username",
          "spring.datasource.password",
          "spring.temporal.connection.target",
          "spring.temporal.namespace");

  /** Prefixes of properties forwarded as well: payload keys and Temporal TLS. */
  static final List<String> FORWARDED_PREFIXES =
      List.of("opsflow.temporal.codec.", "opsflow.temporal.tls.");

  @Bean
  ExecutorBackend passExecutorBackend(
      PassExecutorProperties properties,
      ConfigurableEnvironment environment,
      InstallationToken installationToken,
      ObjectProvider<MeterRegistry> meters) {
    String kind =
        switch (properties.backend()) {
          case "auto" -> BuildRunnerConfiguration.kubernetesConfigured() ? "kubernetes" : "local";
          default -> properties.backend();
        };
    ExecutorBackend backend =
        switch (kind) {
          case "kubernetes" -> {
            PassExecutorProperties.Kubernetes k = properties.kubernetes();
            KubernetesClient client = KubernetesClients.connect();
            yield new KubernetesExecutorBackend(
                client,
                k,
                properties.exitGrace(),
                orElse(
                    k.temporalAddress(),
                    environment.getProperty("spring.temporal.connection.target", "127.0.0.1:7233")),
                environment.getProperty("spring.temporal.namespace", "default"),
                orElse(k.datasourceUrl(), environment.getProperty("spring.datasource.url", "")),
                orElse(
                    k.datasourceUsername(),
                    environment.getProperty("spring.datasource.username", "")),
                KubernetesApiGuard.of(client, k.breakerWaitInOpen(), meters.getIfAvailable()));
          }
          default ->
              new LocalExecutorBackend(
                  logDir(properties, environment),
                  installationToken.value(),
                  properties.local().javaOptions(),
                  properties.mainClass(),
                  properties.exitGrace(),
                  properties.local().killGrace(),
                  forwarded(environment));
        };
    log.info(
        "Pass executors run as {}",
        kind.equals("kubernetes") ? "Kubernetes Pods" : "local processes");
    return backend;
  }

  @Bean
  PassExecutorActivitiesImpl passExecutorActivitiesImpl(ExecutorBackend passExecutorBackend) {
    return new PassExecutorActivitiesImpl(passExecutorBackend);
  }

  /** The configured log directory, else {@code pass-executors} in the data directory. */
  static Path logDir(PassExecutorProperties properties, ConfigurableEnvironment environment) {
    if (StringUtils.hasText(properties.local().logDir())) {
      return Path.of(properties.local().logDir());
    }
    return io.opsflow.DataDirectories.orDefault(environment).resolve("pass-executors");
  }

  /** The resolved values of the forwarded properties that are set. */
  static Map<String, String> forwarded(ConfigurableEnvironment environment) {
    Map<String, String> values = new TreeMap<>();
    for (String name : FORWARDED) {
      put(values, environment, name);
    }
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable) {
        for (String name : enumerable.getPropertyNames()) {
          if (FORWARDED_PREFIXES.stream().anyMatch(name::startsWith)) {
            put(values, environment, name);
          }
        }
      }
    }
    return new LinkedHashMap<>(values);
  }

  private static void put(
      Map<String, String> values, ConfigurableEnvironment environment, String name) {
    try {
      String value = environment.getProperty(name);
      if (StringUtils.hasText(value)) {
        values.put(name, value);
      }
    } catch (IllegalArgumentException e) {
      // an unresolvable placeholder: not a setting the executor can use
    }
  }

  private static String orElse(String value, String fallback) {
    return StringUtils.hasText(value) ? value : fallback;
  }
}
