package io.opsflow.api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The all-in-one application: REST + SSE + the PC-agent WebSocket, every worker pool, and on the
 * embedded default also the Temporal server and PostgreSQL.
 */
@SpringBootApplication(scanBasePackages = "io.opsflow")
@EnableScheduling
public class OpsflowApplication {

  public static void main(String[] args) {
    SpringApplication.run(OpsflowApplication.class, args);
  }
}
