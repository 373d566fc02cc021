package io.opsflow.build.runner;

import io.temporal.worker.WorkerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Polls the chosen runner's task queue with the job runner activities. Its name depends on the
 * runner detected at start-up ({@code builds-docker}, {@code builds-local}, {@code kubernetes}), so
 * the worker is added in code, before the starter starts the worker factory, instead of in YAML.
 */
@Configuration(proxyBeanMethods = false)
public class BuildRunnerWorker {

  @Bean
  SmartInitializingSingleton buildRunnerWorkerRegistration(
      WorkerFactory factory, BuildRunnerInfo runner, JobRunnerActivitiesImpl jobRunnerActivities) {
    return () ->
        factory
            .newWorker(runner.taskQueue())
            .registerActivitiesImplementations(jobRunnerActivities);
  }
}
