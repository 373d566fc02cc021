package io.opsflow.api.temporal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.BuildWorkflowImpl;
import io.opsflow.build.ConcurrencyWorkflowImpl;
import io.opsflow.device.DeviceOnboardingWorkflowImpl;
import io.opsflow.device.connectivity.ConnectivitySupervisorWorkflowImpl;
import io.opsflow.device.connectivity.ConnectivityWorkflowImpl;
import io.opsflow.flight.FlightHistoryWorkflowImpl;
import io.opsflow.pass.PassWorkflowImpl;
import io.opsflow.session.SessionWorkflowImpl;
import io.opsflow.workers.codec.AesGcmPayloadCodec;
import io.opsflow.workers.codec.PayloadKeys;
import io.opsflow.workload.NodeWorkflowImpl;
import io.opsflow.workload.WorkloadWorkflowImpl;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every history recorded before payload encryption existed (the workflows module's replay
 * histories, all in clear) still replays on workers that encrypt: the codec leaves payloads without
 * its encoding as they are.
 */
class ClearHistoryReplayTest {

  TestWorkflowEnvironment environment;

  /** A fresh environment per history: the replayer registers the types on its worker. */
  @BeforeEach
  void encryptingWorkers() {
    var converter =
        new CodecDataConverter(
            DefaultDataConverter.STANDARD_INSTANCE,
            List.of(
                new AesGcmPayloadCodec(
                    PayloadKeys.of(Map.of("now", PayloadKeys.generate()), "now"))),
            true);
    environment =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder().setDataConverter(converter).build())
                .build());
  }

  @AfterEach
  void close() {
    environment.close();
  }

  static Stream<Path> histories() throws Exception {
    Path here = Path.of("").toAbsolutePath();
    Path root = here.getFileName().toString().equals("api") ? here.getParent() : here;
    Path dir = root.resolve("workflows/src/test/resources/histories");
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(40);
    return files.stream();
  }

  @ParameterizedTest
  @MethodSource("histories")
  void replaysWithTheCodec(Path file) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(
        WorkflowExecutionHistory.fromJson(Files.readString(file)),
        environment,
        SessionWorkflowImpl.class,
        BuildWorkflowImpl.class,
        WorkloadWorkflowImpl.class,
        NodeWorkflowImpl.class,
        PassWorkflowImpl.class,
        ConcurrencyWorkflowImpl.class,
        DeviceOnboardingWorkflowImpl.class,
        ConnectivityWorkflowImpl.class,
        ConnectivitySupervisorWorkflowImpl.class,
        FlightHistoryWorkflowImpl.class);
  }
}
