package io.opsflow.api;

import io.opsflow.workers.WorkersApplication;
import io.opsflow.workers.agent.AgentApplication;
import io.opsflow.workers.pass.PassExecutorApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The all-in-one application: REST + SSE + the PC-agent WebSocket, every worker pool, and on the
 * embedded default also the Temporal server and PostgreSQL.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan(
    basePackages = "io.opsflow",
    excludeFilters = {
      @ComponentScan.Filter(type = FilterType.CUSTOM, classes = TypeExcludeFilter.class),
      @ComponentScan.Filter(
          type = FilterType.CUSTOM,
          classes = AutoConfigurationExcludeFilter.class),
      // The worker-only, agent-only and pass-executor processes' entry points are not part of this
      // application.
      @ComponentScan.Filter(
          type = FilterType.ASSIGNABLE_TYPE,
          classes = {
            WorkersApplication.class,
            AgentApplication.class,
            PassExecutorApplication.class
          })
    })
@EnableScheduling
public class OpsflowApplication {

  public static void main(String[] args) {
    io.opsflow.workers.VirtualThreads.configure();
    SpringApplication.run(OpsflowApplication.class, args);
  }
}
