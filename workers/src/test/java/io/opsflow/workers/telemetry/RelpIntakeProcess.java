package io.opsflow.workers.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opsflow.device.telemetry.EndpointDirectory;
import io.opsflow.device.telemetry.SyslogIntake;
import io.opsflow.device.telemetry.SyslogProperties;
import io.opsflow.device.telemetry.TelemetryStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The syslog intake with only its RELP listener, as a process of its own, so that a test can
 * SIGKILL it mid-stream: {@code RelpIntakeProcess JDBC_URL USER PASSWORD RELP_PORT}. Prints {@code
 * READY <port>} once listening.
 */
public final class RelpIntakeProcess {

  private RelpIntakeProcess() {}

  public static void main(String[] args) throws InterruptedException {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(args[0]);
    config.setUsername(args[1]);
    config.setPassword(args[2]);
    config.setMaximumPoolSize(4);
    HikariDataSource data = new HikariDataSource(config);
    JdbcTemplate jdbc = new JdbcTemplate(data);
    TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(data));
    SyslogProperties p = SyslogProperties.onPorts(-1, -1, Integer.parseInt(args[3]));
    SyslogIntake intake =
        new SyslogIntake(
            p,
            new TelemetryStore(jdbc, tx, new ObjectMapper()),
            new EndpointDirectory(jdbc, Duration.ofSeconds(30), Clock.systemUTC()),
            List.of(),
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    intake.start();
    System.out.println("READY " + intake.relpPort());
    System.out.flush();
    Thread.sleep(Duration.ofHours(1));
  }
}
