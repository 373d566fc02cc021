package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.temporal.api.failure.v1.Failure;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An update validator's rejection reaches the client with its ApplicationFailure type, message and
 * non-retryable flag when failure attributes are encrypted too (sdk-java #2875, fixed in 1.39.0 by
 * sdk-java #3001): what {@code encode-failure-attributes=true} relies on.
 */
class EncodedFailureRejectionTest {

  static final String QUEUE = "codec-rejection";
  static final String MESSAGE = "Session already ended";
  static final String TYPE = "ALREADY_ENDED";

  /** A workflow whose validator refuses every update. */
  @WorkflowInterface
  public interface Guarded {
    @WorkflowMethod
    void run();

    @UpdateMethod
    String poke(String value);

    @UpdateValidatorMethod(updateName = "poke")
    void validatePoke(String value);
  }

  /** Waits until cancelled; {@link #validatePoke} always rejects. */
  public static class GuardedImpl implements Guarded {
    @Override
    public void run() {
      Workflow.await(() -> false);
    }

    @Override
    public String poke(String value) {
      return value;
    }

    @Override
    public void validatePoke(String value) {
      throw ApplicationFailure.newNonRetryableFailure(MESSAGE, TYPE);
    }
  }

  private final DataConverter converter =
      new CodecDataConverter(
          DefaultDataConverter.STANDARD_INSTANCE,
          List.of(new AesGcmPayloadCodec(PayloadKeys.of(Map.of("k", PayloadKeys.generate()), "k"))),
          true);

  private TestWorkflowEnvironment env;

  @BeforeEach
  void start() {
    env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder().setDataConverter(converter).build())
                .build());
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(GuardedImpl.class);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  @Test
  void failureAttributesAreEncrypted() {
    Failure failure =
        converter.exceptionToFailure(ApplicationFailure.newNonRetryableFailure(MESSAGE, TYPE));
    assertThat(failure.getMessage()).isEqualTo("Encoded failure");
    assertThat(failure.toString()).doesNotContain(MESSAGE);
  }

  @Test
  void rejectedUpdateKeepsTypeAndMessage() {
    WorkflowClient client = env.getWorkflowClient();
    Guarded workflow =
        client.newWorkflowStub(
            Guarded.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("guarded").build());
    WorkflowClient.start(workflow::run);

    WorkflowUpdateException rejected =
        catchThrowableOfType(WorkflowUpdateException.class, () -> workflow.poke("x"));

    assertThat(rejected.getCause()).isInstanceOf(ApplicationFailure.class);
    ApplicationFailure cause = (ApplicationFailure) rejected.getCause();
    assertThat(cause.getType()).isEqualTo(TYPE);
    assertThat(cause.getOriginalMessage()).isEqualTo(MESSAGE);
    assertThat(cause.isNonRetryable()).isTrue();
  }
}
