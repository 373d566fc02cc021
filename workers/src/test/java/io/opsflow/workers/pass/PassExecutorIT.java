package io.opsflow.workers.pass;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.pass.ExecutorHandle;
import io.opsflow.pass.LocalExecutorBackend;
import io.opsflow.pass.NodeParameters;
import io.opsflow.pass.ParameterCondition;
import io.opsflow.pass.PassExecutorActivities;
import io.opsflow.pass.PassExecutorActivities.ExecutorSpec;
import io.opsflow.pass.PassExecutorActivitiesImpl;
import io.opsflow.pass.PassLinkActivities;
import io.opsflow.pass.PassLinkActivities.ActionResult;
import io.opsflow.pass.PassLinkActivities.ActionRun;
import io.opsflow.pass.PassLinkActivities.LinkSpec;
import io.opsflow.pass.PassLinkActivities.LinkStatus;
import io.opsflow.pass.Verifier;
import io.opsflow.simulators.GroundStationSimulator;
import io.opsflow.simulators.GroundStationSimulator.Options;
import io.opsflow.workers.codec.AesGcmPayloadCodec;
import io.opsflow.workers.codec.PayloadKeys;
import io.opsflow.workers.embedded.ChildProcesses;
import io.opsflow.workers.embedded.EmbeddedTemporal;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The executor as a real JVM process launched by the local backend from this classpath, polling
 * {@code pass-<id>} on a Temporal server on a loopback port, linked to the ground-station simulator
 * over TCP and storing packets in PostgreSQL; called by a workflow as the pass workflow calls it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PassExecutorIT {

  static final String CALLER_QUEUE = "pass-executor-it";
  static final byte[] KEY = PayloadKeys.generate();
  static final String INSTALLATION = "0a1b2c3d";

  private static PassDatabase db;
  private static EmbeddedTemporal temporal;

  @TempDir Path logs;

  /** What the test workflow saw. */
  public record Seen(
      LinkStatus opened, ActionResult mode, ActionResult waited, LinkStatus closed) {}

  /** Preprocessing, two actions and postprocessing on the executor's queue. */
  @WorkflowInterface
  public interface LinkCaller {
    @WorkflowMethod
    Seen run(LinkSpec link);
  }

  public static class LinkCallerImpl implements LinkCaller {
    @Override
    public Seen run(LinkSpec link) {
      PassLinkActivities executor =
          Workflow.newActivityStub(
              PassLinkActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue("pass-" + link.passId())
                  // the JVM starts meanwhile
                  .setScheduleToStartTimeout(Duration.ofSeconds(120))
                  .setStartToCloseTimeout(Duration.ofSeconds(60))
                  .setHeartbeatTimeout(Duration.ofSeconds(10))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      LinkStatus opened = executor.open(link);
      ActionResult mode =
          executor.sendTelecommand(
              new ActionRun(
                  link.passId(),
                  link,
                  "mode",
                  "mode/1/1",
                  "send_telecommand",
                  new NodeParameters(
                      0x10,
                      "SET_MODE",
                      "02",
                      new Verifier(Verifier.PARAMETER, new ParameterCondition("mode", "eq", 2.0)),
                      null,
                      15,
                      null,
                      null)));
      ActionResult waited =
          executor.waitTelemetry(
              new ActionRun(
                  link.passId(),
                  link,
                  "battery",
                  "battery/1/1",
                  "wait_telemetry",
                  new NodeParameters(
                      null,
                      null,
                      null,
                      null,
                      new ParameterCondition("battery_voltage", "gt", 1.0),
                      15,
                      null,
                      null)));
      Workflow.sleep(Duration.ofSeconds(1));
      LinkStatus closed = executor.close(link);
      return new Seen(opened, mode, waited, closed);
    }
  }

  /** What the pass workflow does around the link: launch, the link, terminate. */
  @WorkflowInterface
  public interface ExecutorCaller {
    @WorkflowMethod
    Seen run(LinkSpec link, Instant deadline);
  }

  public static class ExecutorCallerImpl implements ExecutorCaller {
    @Override
    public Seen run(LinkSpec link, Instant deadline) {
      PassExecutorActivities executors =
          Workflow.newActivityStub(
              PassExecutorActivities.class,
              ActivityOptions.newBuilder()
                  .setTaskQueue("pass-executors")
                  .setStartToCloseTimeout(Duration.ofSeconds(60))
                  .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
                  .build());
      ExecutorHandle handle =
          executors.launch(new ExecutorSpec(link.passId(), "pass-" + link.passId(), deadline));
      Seen seen = new LinkCallerImpl().run(link);
      boolean aliveBefore = executors.alive(handle);
      executors.terminate(link.passId());
      boolean aliveAfter = executors.alive(handle);
      return new Seen(
          seen.opened(),
          seen.mode(),
          new ActionResult(aliveBefore && !aliveAfter, handle.kind(), handle.id(), null),
          seen.closed());
    }
  }

  @BeforeAll
  static void infrastructure() {
    db = new PassDatabase();
    temporal = EmbeddedTemporal.start(0);
  }

  @AfterAll
  static void stop() {
    temporal.close();
    db.close();
  }

  @Test
  void aLocalExecutorServesItsPassStoresEveryPacketIsOneProcessAndIsTerminated() throws Exception {
    db.empty();
    try (GroundStationSimulator station =
        GroundStationSimulator.start(
            0, Options.defaults().withTelemetryInterval(Duration.ofMillis(50)))) {
      long pass = pass(station);
      ExecutorSpec spec = new ExecutorSpec(pass, "pass-" + pass, Instant.now().plusSeconds(180));
      PassExecutorActivitiesImpl executors = executors();
      try {
        ExecutorHandle first = executors.launch(spec);
        ExecutorHandle again = executors.launch(spec);
        // A restarted worker (a new backend) re-attaches too.
        ExecutorHandle afterRestart = executors().launch(spec);

        assertThat(first.kind()).isEqualTo("process");
        assertThat(again.id()).isEqualTo(first.id());
        assertThat(afterRestart.id()).isEqualTo(first.id());
        assertThat(executors.alive(first)).isTrue();
        long pid = Long.parseLong(first.id());
        assertThat(Files.readString(Path.of("/proc", first.id(), "cmdline")).split("\0"))
            .contains(
                LocalExecutorBackend.PASS_ID_ARG + pass,
                LocalExecutorBackend.INSTALLATION_ARG + INSTALLATION);

        Seen seen = call(new LinkSpec(pass, "127.0.0.1", station.port()));

        assertThat(seen.opened().up()).isTrue();
        assertThat(seen.mode().succeeded()).as(seen.mode().detail()).isTrue();
        assertThat(seen.mode().detail()).startsWith("mode = 2.0 at ");
        assertThat(station.mode()).isEqualTo(2);
        assertThat(seen.waited().succeeded()).isTrue();
        assertThat(seen.closed().tcSent()).isEqualTo(1);
        // Stored by the executor process: the TC, and every TM the station sent.
        assertThat(count(pass, "tc")).isEqualTo(1);
        assertThat(count(pass, "tm"))
            .isEqualTo(station.tmSent())
            .isEqualTo(seen.closed().tmReceived())
            .isPositive();

        executors.terminate(pass);

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(executors.alive(first)).isFalse();
        executors.terminate(pass); // gone is fine
      } finally {
        executors.terminate(pass);
        System.out.println(ChildProcesses.tail(logs.resolve("pass-" + pass + "-executor.log")));
      }
    }
  }

  @Test
  void anExecutorExitsByItselfAtItsDeadline() throws Exception {
    db.empty();
    try (GroundStationSimulator station = GroundStationSimulator.start()) {
      long pass = pass(station);
      PassExecutorActivitiesImpl executors = executors();
      try {
        ExecutorHandle handle =
            executors.launch(new ExecutorSpec(pass, "pass-" + pass, Instant.now().plusSeconds(20)));
        assertThat(executors.alive(handle)).isTrue();

        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (executors.alive(handle) && System.nanoTime() < end) {
          Thread.sleep(250);
        }
        assertThat(executors.alive(handle)).isFalse();
      } finally {
        executors.terminate(pass);
        System.out.println(ChildProcesses.tail(logs.resolve("pass-" + pass + "-executor.log")));
      }
      assertThat(ChildProcesses.tail(logs.resolve("pass-" + pass + "-executor.log")))
          .contains("deadline")
          .contains("reached, exiting");
    }
  }

  /**
   * The workers app as configured by workers.yml: its pass-executors worker launches a real
   * executor process (settings forwarded from the app: database, Temporal, payload key), which
   * serves the pass's link, and terminates it.
   */
  @Test
  void theWorkersAppLaunchesAnExecutorThatServesThePassAndTerminatesIt() throws Exception {
    db.empty();
    try (GroundStationSimulator station =
            GroundStationSimulator.start(
                0, Options.defaults().withTelemetryInterval(Duration.ofMillis(100)));
        ConfigurableApplicationContext workers =
            new SpringApplicationBuilder(io.opsflow.workers.WorkersApplication.class)
                .web(WebApplicationType.NONE)
                .properties("spring.config.name=workers")
                .run(
                    "--spring.datasource.url=" + db.postgres.jdbcUrl(),
                    "--spring.datasource.username=" + db.postgres.username(),
                    "--spring.datasource.password=" + db.postgres.password(),
                    "--spring.temporal.connection.target=" + temporal.target(),
                    "--opsflow.temporal.codec.key=" + Base64.getEncoder().encodeToString(KEY),
                    "--opsflow.builds.runner=local",
                    "--opsflow.builds.local.work-dir=" + logs.resolve("builds"),
                    "--opsflow.passes.executor.backend=local",
                    "--opsflow.passes.executor.exit-grace=0s",
                    "--opsflow.passes.executor.local.log-dir=" + logs,
                    "--opsflow.telemetry.syslog.udp-port=0",
                    "--opsflow.telemetry.syslog.tcp-port=0",
                    "--opsflow.connectivity.supervisor.enabled=false")) {
      long pass = pass(station);
      assertThat(workers.getBean("passStoreActivitiesImpl")).isNotNull();
      // The devices pool also hosts the connectivity probes and the syslog intake.
      assertThat(workers.getBean("connectivityActivitiesImpl")).isNotNull();
      assertThat(workers.getBean(io.opsflow.device.telemetry.SyslogIntake.class).udpPort())
          .isPositive();
      assertThat(workers.getBean(WorkerFactory.class).tryGetWorker("orchestration")).isNotNull();
      assertThat(workers.getBean(WorkerFactory.class).tryGetWorker("pass-executors")).isNotNull();
      try {
        Seen seen =
            callWith(
                ExecutorCallerImpl.class,
                client ->
                    client
                        .newWorkflowStub(
                            ExecutorCaller.class,
                            WorkflowOptions.newBuilder()
                                .setTaskQueue(CALLER_QUEUE)
                                .setWorkflowExecutionTimeout(Duration.ofMinutes(3))
                                .build())
                        .run(
                            new LinkSpec(pass, "127.0.0.1", station.port()),
                            Instant.now().plusSeconds(180)));

        assertThat(seen.mode().succeeded()).as(seen.mode().detail()).isTrue();
        assertThat(station.mode()).isEqualTo(2);
        // launched as a process, alive while the pass ran, gone after terminate
        assertThat(seen.waited().outcome()).isEqualTo("process");
        assertThat(seen.waited().succeeded()).isTrue();
        assertThat(
                ProcessHandle.of(Long.parseLong(seen.waited().detail()))
                    .map(ProcessHandle::isAlive))
            .isNotEqualTo(java.util.Optional.of(true));
        assertThat(count(pass, "tm")).isEqualTo(station.tmSent()).isPositive();
      } finally {
        workers.getBean(PassExecutorActivitiesImpl.class).terminate(pass);
        System.out.println(ChildProcesses.tail(logs.resolve("pass-" + pass + "-executor.log")));
      }
    }
  }

  private long pass(GroundStationSimulator station) {
    long gs = db.groundStation("gs-" + station.port(), station.port());
    return db.pass(
        gs,
        "SAT-1",
        Instant.now().plusSeconds(60),
        Instant.now().plusSeconds(180),
        "{\"nodes\": [], \"links\": []}");
  }

  /** The pass-executors worker's activities with the local backend, as a worker configures them. */
  private PassExecutorActivitiesImpl executors() {
    Map<String, String> settings =
        Map.of(
            "spring.datasource.url", db.postgres.jdbcUrl(),
            "spring.datasource.username", db.postgres.username(),
            "spring.datasource.password", db.postgres.password(),
            "spring.temporal.connection.target", temporal.target(),
            "opsflow.temporal.codec.key", Base64.getEncoder().encodeToString(KEY));
    return new PassExecutorActivitiesImpl(
        new LocalExecutorBackend(
            logs,
            INSTALLATION,
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
            PassExecutorApplication.class.getName(),
            Duration.ZERO,
            Duration.ofSeconds(5),
            settings));
  }

  private Seen call(LinkSpec link) throws Exception {
    return callWith(
        LinkCallerImpl.class,
        client ->
            client
                .newWorkflowStub(
                    LinkCaller.class,
                    WorkflowOptions.newBuilder()
                        .setTaskQueue(CALLER_QUEUE)
                        .setWorkflowExecutionTimeout(Duration.ofMinutes(3))
                        .build())
                .run(link));
  }

  /** Runs a test workflow on the caller queue with the deployment's payload key. */
  private static Seen callWith(
      Class<?> workflow, java.util.function.Function<WorkflowClient, Seen> run) throws Exception {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
    WorkerFactory workers = null;
    try {
      String id = PayloadKeys.idOf(KEY);
      WorkflowClient client =
          WorkflowClient.newInstance(
              stubs,
              WorkflowClientOptions.newBuilder()
                  .setDataConverter(
                      new CodecDataConverter(
                          DefaultDataConverter.STANDARD_INSTANCE,
                          List.of(new AesGcmPayloadCodec(PayloadKeys.of(Map.of(id, KEY), id))),
                          true))
                  .build());
      workers = WorkerFactory.newInstance(client);
      workers.newWorker(CALLER_QUEUE).registerWorkflowImplementationTypes(workflow);
      workers.start();
      return run.apply(client);
    } finally {
      if (workers != null) {
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
      }
      stubs.shutdownNow();
    }
  }

  private static long count(long pass, String direction) {
    return db.jdbc.queryForObject(
        "select count(*) from pass_packets where pass_id = ? and direction = ?",
        Long.class,
        pass,
        direction);
  }
}
