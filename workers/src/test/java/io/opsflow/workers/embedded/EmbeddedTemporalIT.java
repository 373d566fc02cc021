package io.opsflow.workers.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EmbeddedTemporalIT {

  private static final String TASK_QUEUE = "embedded-temporal-it";

  /** A workflow with a durable timer. */
  @WorkflowInterface
  public interface SleepyGreeting {
    @WorkflowMethod
    String greet(String name, long sleepMillis);
  }

  /** Sleeps, then greets. */
  public static class SleepyGreetingImpl implements SleepyGreeting {
    @Override
    public String greet(String name, long sleepMillis) {
      long before = Workflow.currentTimeMillis();
      Workflow.sleep(Duration.ofMillis(sleepMillis));
      long workflowElapsed = Workflow.currentTimeMillis() - before;
      return "hello " + name + " after " + workflowElapsed + " ms";
    }
  }

  @Test
  void runsWorkflowsWithRealTimeTimersOnLoopback() throws Exception {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      assertThat(temporal.port()).isPositive();
      assertThat(temporal.target()).isEqualTo("127.0.0.1:" + temporal.port());
      assertThat(ListeningSockets.listeners(temporal.port())).containsExactly("127.0.0.1");

      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      WorkerFactory factory = null;
      try {
        WorkflowClient client = WorkflowClient.newInstance(stubs);
        factory = WorkerFactory.newInstance(client);
        Worker worker = factory.newWorker(TASK_QUEUE);
        worker.registerWorkflowImplementationTypes(SleepyGreetingImpl.class);
        factory.start();

        SleepyGreeting workflow =
            client.newWorkflowStub(
                SleepyGreeting.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue(TASK_QUEUE)
                    .setWorkflowId("sleepy-" + System.nanoTime())
                    .setWorkflowRunTimeout(Duration.ofMinutes(1))
                    .build());
        long start = System.nanoTime();
        String result = workflow.greet("opsflow", 2000);
        long wallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(result).startsWith("hello opsflow after ");
        long workflowMillis = Long.parseLong(result.replaceAll("\\D+", " ").trim());
        // Time skipping is locked: the 2 s timer takes 2 s of wall-clock time.
        assertThat(wallMillis).isGreaterThanOrEqualTo(2000).isLessThan(30_000);
        assertThat(workflowMillis).isGreaterThanOrEqualTo(2000);
      } finally {
        if (factory != null) {
          factory.shutdownNow();
          factory.awaitTermination(10, TimeUnit.SECONDS);
        }
        stubs.shutdownNow();
        stubs.awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void reportsAPortInUseAndFreesItsPortOnClose() throws Exception {
    int port;
    try (EmbeddedTemporal first = EmbeddedTemporal.start(0)) {
      port = first.port();
      assertThatThrownBy(() -> EmbeddedTemporal.start(port).close())
          .isInstanceOf(EmbeddedTemporal.PortInUseException.class)
          .hasMessageContaining("already in use");
      assertThat(first.isRunning()).isTrue();
    }
    assertThat(ListeningSockets.listeners(port)).isEmpty();
    try (EmbeddedTemporal again = EmbeddedTemporal.start(port)) {
      assertThat(again.port()).isEqualTo(port);
    }
  }

  /**
   * A worker that is replaced (shut down, a new one started) does not strand the workflows it had
   * cached: the embedded server routes every task to the normal queue.
   */
  @Test
  void aWorkflowCarriesOnWhenItsWorkerIsReplaced() throws Exception {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0, false)) {
      WorkflowServiceStubs stubs =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(temporal.target()).build());
      try {
        WorkflowClient client = WorkflowClient.newInstance(stubs);
        WorkerFactory first = WorkerFactory.newInstance(client);
        first.newWorker("replaced").registerWorkflowImplementationTypes(SleepyGreetingImpl.class);
        first.start();
        SleepyGreeting greeting =
            client.newWorkflowStub(
                SleepyGreeting.class,
                WorkflowOptions.newBuilder()
                    .setTaskQueue("replaced")
                    .setWorkflowId("replaced-" + System.nanoTime())
                    .build());
        WorkflowClient.start(greeting::greet, "again", 4_000L);
        Thread.sleep(1_000); // the first worker has run (and cached) the workflow
        first.shutdown();
        first.awaitTermination(10, TimeUnit.SECONDS);

        WorkerFactory second = WorkerFactory.newInstance(client);
        second.newWorker("replaced").registerWorkflowImplementationTypes(SleepyGreetingImpl.class);
        second.start();
        try {
          String result =
              io.temporal.client.WorkflowStub.fromTyped(greeting)
                  .getResult(30, TimeUnit.SECONDS, String.class);
          assertThat(result).startsWith("hello again");
        } finally {
          second.shutdown();
        }
      } finally {
        stubs.shutdown();
      }
    }
  }
}
