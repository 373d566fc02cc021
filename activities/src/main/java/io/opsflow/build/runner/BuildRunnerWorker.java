package io.opsflow.build.runner;

import io.opsflow.WorkerPools;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
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

  /**
   * The longest time a job activity's heartbeat waits before the SDK sends it to the server. A
   * cancel reaches a running job only in the answer to a sent heartbeat, and the SDK's default is
   * 80 % of the heartbeat timeout (24 s with 30 s): this makes a cancel stop the job within ~1 s.
   */
  static final Duration MAX_HEARTBEAT_THROTTLE = Duration.ofSeconds(1);

  @Bean
  SmartInitializingSingleton buildRunnerWorkerRegistration(
      WorkerFactory factory,
      BuildRunnerInfo runner,
      JobRunnerActivitiesImpl jobRunnerActivities,
      WorkerPools pools) {
    return () -> {
      if (pools.runs(WorkerPools.CI_RUNNER)) {
        factory
            .newWorker(runner.taskQueue(), workerOptions())
            .registerActivitiesImplementations(jobRunnerActivities);
      }
    };
  }

  /** The runner worker's options. */
  static WorkerOptions workerOptions() {
    return WorkerOptions.newBuilder()
        .setMaxHeartbeatThrottleInterval(MAX_HEARTBEAT_THROTTLE)
        .build();
  }
}
