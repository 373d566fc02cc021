/*
 * Run after `mvn -q -B install -DskipTests`:
 *
 *   mvn -q -B -pl benchmarks compile dependency:copy-dependencies -DincludeScope=runtime \
 *       -DoutputDirectory=target/lib
 *   java -Xmx2g -cp 'benchmarks/target/classes:benchmarks/target/lib/*' \
 *       io.opsflow.benchmarks.BuildDagBenchmark
 *
 * System properties:
 *   bench.parallelism=10   jobs of one build running at once, on both sides
 *   bench.rounds=3         runs of each DAG on each side, alternating; the median is reported
 */
package io.opsflow.benchmarks;

import io.opsflow.api.OpsflowApplication;
import io.opsflow.api.build.BuildService;
import io.opsflow.api.build.PipelineStore;
import io.opsflow.build.BuildView;
import io.opsflow.build.Dag;
import io.opsflow.build.DagScheduler;
import io.opsflow.build.JobOutcome;
import io.opsflow.build.JobRun;
import io.opsflow.build.JobSpec;
import io.opsflow.build.JobStatus;
import io.opsflow.build.PipelineParser;
import io.opsflow.build.local.LocalJobBackend;
import io.opsflow.build.runner.JobBackend;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * CI build overhead: the same DAG of no-op jobs (100 independent jobs; a 10-wide, 10-deep grid
 * where every job needs the whole level above) run by the BuildWorkflow on the local runner,
 * through the real application, and by a plain in-process executor that drives the same local
 * runner backend with a thread pool and the same DAG scheduler. Both sides spawn the same
 * processes; the difference is what Temporal, the runner activity and the database rows cost. The
 * runs alternate in one JVM so a noisy machine hurts both alike.
 */
public final class BuildDagBenchmark {

  private final int parallelism = Integer.getInteger("bench.parallelism", 10);
  private final int rounds = Integer.getInteger("bench.rounds", 3);

  public static void main(String[] args) throws Exception {
    int code = new BuildDagBenchmark().run();
    System.out.flush();
    System.exit(code);
  }

  private record Shape(String name, String yaml, int jobs) {}

  static String fanOut(int n) {
    StringBuilder y = new StringBuilder("name: fan-out\njobs:\n");
    for (int i = 0; i < n; i++) {
      y.append("  j").append(i).append(":\n    steps:\n      - run: \"true\"\n");
    }
    return y.toString();
  }

  static String grid(int width, int depth) {
    StringBuilder y = new StringBuilder("name: grid\njobs:\n");
    for (int level = 0; level < depth; level++) {
      for (int i = 0; i < width; i++) {
        y.append("  l").append(level).append('c').append(i).append(":\n");
        if (level > 0) {
          y.append("    needs: [");
          for (int k = 0; k < width; k++) {
            y.append(k == 0 ? "" : ", ").append('l').append(level - 1).append('c').append(k);
          }
          y.append("]\n");
        }
        y.append("    steps:\n      - run: \"true\"\n");
      }
    }
    return y.toString();
  }

  private int run() throws Exception {
    List<Shape> shapes =
        List.of(
            new Shape("100 independent jobs", fanOut(100), 100),
            new Shape("10x10 grid", grid(10, 10), 100));
    Path workDir = Files.createTempDirectory("opsflow-bench-builds");
    System.out.printf(
        "machine: %d cores; parallelism %d on both sides; %d rounds each, alternating%n",
        Runtime.getRuntime().availableProcessors(), parallelism, rounds);
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(OpsflowApplication.class)
            .run(
                "--server.port=0",
                "--opsflow.embedded.temporal.port=0",
                "--logging.level.root=WARN",
                "--spring.main.banner-mode=off",
                "--spring.jmx.enabled=false",
                "--opsflow.task-queues.instance-id=benchmark",
                "--opsflow.builds.runner=local",
                "--opsflow.builds.parallelism=" + parallelism,
                "--opsflow.builds.local.work-dir=" + workDir.resolve("app"));
    try (context) {
      PipelineStore pipelines = context.getBean(PipelineStore.class);
      BuildService builds = context.getBean(BuildService.class);
      WorkflowClient client = context.getBean(WorkflowClient.class);
      LocalJobBackend plainBackend = new LocalJobBackend(workDir.resolve("plain"));
      List<String[]> table = new ArrayList<>();
      long plainBuildIds = 1_000_000;
      for (Shape shape : shapes) {
        long pipeline =
            pipelines
                .create(
                    "bench-" + shape.name() + "-" + System.nanoTime(),
                    shape.yaml(),
                    "bench",
                    List.of())
                .id();
        Dag dag = PipelineParser.parse(shape.yaml());
        // Warm-up: one of each, not reported.
        temporalBuild(builds, client, pipeline);
        plainBuild(plainBackend, dag, plainBuildIds++);
        double[] temporal = new double[rounds];
        double[] plain = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          plain[r] = plainBuild(plainBackend, dag, plainBuildIds++);
          temporal[r] = temporalBuild(builds, client, pipeline);
          System.out.printf(
              "%s round %d: plain %.0f ms, temporal %.0f ms%n",
              shape.name(), r + 1, plain[r], temporal[r]);
        }
        double t = median(temporal);
        double p = median(plain);
        table.add(
            new String[] {
              shape.name(),
              String.format("%.0f", p),
              String.format("%.0f", t),
              String.format("%.1f", (t - p) / shape.jobs()),
              String.format("%.2f", t / p)
            });
      }
      System.out.printf(
          "%n%-22s | %16s | %18s | %20s | %s%n",
          "DAG (100 no-op jobs)",
          "plain (ms, p50)",
          "temporal (ms, p50)",
          "overhead/job (ms)",
          "ratio");
      for (String[] row : table) {
        System.out.printf("%-22s | %16s | %18s | %20s | %s%n", (Object[]) row);
      }
      boolean met = table.stream().allMatch(row -> Double.parseDouble(row[3]) <= 10.0);
      System.out.printf(
          "aim (<= 10 ms per job over the plain executor): %s%n", met ? "MET" : "MISSED");
      return 0;
    }
  }

  /** Starts a build through the service (row, workflow) and waits for the workflow's result. */
  private static double temporalBuild(BuildService builds, WorkflowClient client, long pipeline)
      throws java.util.concurrent.TimeoutException {
    long began = System.nanoTime();
    long id = builds.start(pipeline, "bench").id();
    BuildView view =
        client
            .newUntypedWorkflowStub("build-" + id)
            .getResult(60, TimeUnit.SECONDS, BuildView.class);
    double ms = (System.nanoTime() - began) / 1e6;
    if (!view.status().name().equals("SUCCEEDED")) {
      throw new IllegalStateException("build " + id + " ended " + view.status());
    }
    return ms;
  }

  /**
   * The plain executor: the same scheduler decisions, the same local backend (process, log file,
   * exit code), a fixed thread pool, no workflow, no database.
   */
  private double plainBuild(JobBackend backend, Dag dag, long buildId) throws Exception {
    long began = System.nanoTime();
    DagScheduler scheduler = new DagScheduler(dag);
    Map<String, JobStatus> statuses = new LinkedHashMap<>();
    BlockingQueue<Map.Entry<String, JobOutcome>> done = new ArrayBlockingQueue<>(dag.jobs().size());
    ExecutorService pool = Executors.newFixedThreadPool(parallelism);
    try {
      int running = 0;
      while (!scheduler.finished(statuses)) {
        DagScheduler.Decision d = scheduler.next(statuses, false);
        d.skip().forEach(j -> statuses.put(j, JobStatus.SKIPPED));
        for (String id : d.run()) {
          if (running >= parallelism) {
            break;
          }
          statuses.put(id, JobStatus.RUNNING);
          running++;
          JobSpec job = dag.job(id);
          JobRun run = new JobRun(buildId, id, 1, null, dag.env(), job.steps(), 600);
          pool.submit(
              () -> {
                backend.ensureStarted(run);
                JobBackend.JobExit exit = backend.follow(run, 0, (n, line) -> {}, () -> {});
                backend.release(run, exit);
                done.add(Map.entry(id, new JobOutcome(exit.exitCode(), exit.message(), 0)));
              });
        }
        if (running == 0 && d.isEmpty()) {
          break;
        }
        Map.Entry<String, JobOutcome> finished = done.poll(60, TimeUnit.SECONDS);
        if (finished == null) {
          throw new IllegalStateException("plain executor: no job finished in 60 s");
        }
        running--;
        statuses.put(
            finished.getKey(),
            finished.getValue().succeeded() ? JobStatus.SUCCEEDED : JobStatus.FAILED);
      }
    } finally {
      pool.shutdownNow();
    }
    backend.deleteWorkspace(buildId);
    return (System.nanoTime() - began) / 1e6;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
