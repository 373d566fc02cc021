package io.opsflow.api.build;

import io.opsflow.build.Dag;
import io.opsflow.build.JobSpec;
import io.opsflow.build.StepSpec;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response bodies of the pipeline routes (snake_case on the wire). */
public final class PipelineDtos {

  private PipelineDtos() {}

  /**
   * @param name unique pipeline name
   * @param yaml the pipeline definition (GitHub Actions job model)
   * @param members users who may start builds besides the creator
   */
  public record CreatePipeline(
      @NotBlank @Size(max = 200) String name,
      @NotBlank String yaml,
      List<@NotBlank String> members) {}

  /** Every field optional; members, when given, replace the list. */
  public record UpdatePipeline(
      @Size(min = 1, max = 200) String name, String yaml, List<@NotBlank String> members) {}

  public record ValidatePipeline(@NotBlank String yaml) {}

  public record PipelineView(
      long id,
      String name,
      String yaml,
      int version,
      String createdBy,
      List<String> members,
      Instant createdAt,
      Instant updatedAt,
      DagView dag) {}

  /** The parsed DAG: jobs, edges ({@code [need, job]}), levels (waves) and ignored keys. */
  public record DagView(
      String name,
      Map<String, String> env,
      List<JobNode> jobs,
      List<List<String>> edges,
      List<List<String>> levels,
      List<String> ignored) {

    static DagView of(Dag dag) {
      return new DagView(
          dag.name(),
          dag.env(),
          dag.jobs().stream().map(JobNode::of).toList(),
          dag.edges(),
          dag.levels(),
          dag.ignored());
    }
  }

  public record JobNode(
      String id,
      String name,
      List<String> needs,
      String image,
      Map<String, String> env,
      List<StepNode> steps,
      Integer timeoutMinutes,
      boolean continueOnError,
      String condition,
      int retries) {

    static JobNode of(JobSpec job) {
      return new JobNode(
          job.id(),
          job.name(),
          job.needs(),
          job.image(),
          job.env(),
          job.steps().stream().map(StepNode::of).toList(),
          job.timeoutMinutes(),
          job.continueOnError(),
          switch (job.condition()) {
            case SUCCESS -> "success()";
            case FAILURE -> "failure()";
            case ALWAYS -> "always()";
            case NOT_CANCELLED -> "!cancelled()";
          },
          job.retries());
    }
  }

  public record StepNode(String name, String run, Map<String, String> env) {
    static StepNode of(StepSpec step) {
      return new StepNode(step.name(), step.run(), step.env());
    }
  }
}
