package io.opsflow.workers;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * Worker pools only (orchestration, devices, the CI job runner, pass executors), as a separate
 * process: it connects to TEMPORAL_ADDRESS (default 127.0.0.1:7233, the all-in-one app's embedded
 * server) and to the PostgreSQL of SPRING_DATASOURCE_URL. Scale it independently of the API.
 */
@SpringBootApplication(
    scanBasePackages = {
      "io.opsflow.session",
      "io.opsflow.build",
      "io.opsflow.workload",
      "io.opsflow.devices",
      "io.opsflow.device",
      "io.opsflow.payments",
      "io.opsflow.events",
      "io.opsflow.pass",
      "io.opsflow.flight"
    })
// The agent's configuration only (conditional on opsflow.agent.node-id): scanning its package would
// also pick up AgentApplication, whose database exclusions must not apply here.
@org.springframework.context.annotation.Import({
  io.opsflow.ActivitiesConfiguration.class,
  io.opsflow.workers.agent.AgentConfiguration.class
})
public class WorkersApplication {

  public static void main(String[] args) {
    VirtualThreads.configure();
    new SpringApplicationBuilder(WorkersApplication.class)
        .web(WebApplicationType.NONE)
        .properties("spring.config.name=workers")
        .run(args);
  }
}
