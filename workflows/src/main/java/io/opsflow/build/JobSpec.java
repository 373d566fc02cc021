package io.opsflow.build;

import java.util.List;
import java.util.Map;

/**
 * One job of a pipeline as parsed from {@code jobs.<id>}.
 *
 * @param id the key under {@code jobs}
 * @param name the job's {@code name}, or the id
 * @param needs ids of the jobs that must finish first, in the order written
 * @param image {@code container.image} or {@code image}; null runs on the runner's default image
 * @param env the job's {@code env}, applied over the pipeline's
 * @param steps the steps, at least one
 * @param timeoutMinutes {@code timeout-minutes}, or null for the runner's default
 * @param continueOnError {@code continue-on-error}: a failure does not fail the build nor skip
 *     dependents
 * @param condition the job's {@code if:}
 * @param retries {@code retries} (opsflow, like Argo's retryStrategy.limit): extra attempts after a
 *     failed one, each a new resource {@code build-<id>-<job>-<attempt>}
 * @param ifExpression the {@code if:} as written when it is an expression (evaluated by the
 *     scheduler, {@link #condition} then only tells the legacy form); null without {@code if:} and
 *     in builds started before expressions existed
 * @param matrix the matrix combination this job is an instance of, or null
 * @param outputs {@code outputs}: name to expression (over {@code steps.<id>.outputs}), evaluated
 *     once the job has run; dependents read them as {@code needs.<id>.outputs.<name>}
 */
public record JobSpec(
    String id,
    String name,
    List<String> needs,
    String image,
    Map<String, String> env,
    List<StepSpec> steps,
    Integer timeoutMinutes,
    boolean continueOnError,
    JobCondition condition,
    int retries,
    String ifExpression,
    JobMatrix matrix,
    Map<String, String> outputs) {

  public JobSpec(
      String id,
      String name,
      List<String> needs,
      String image,
      Map<String, String> env,
      List<StepSpec> steps,
      Integer timeoutMinutes,
      boolean continueOnError,
      JobCondition condition,
      int retries,
      String ifExpression,
      JobMatrix matrix) {
    this(
        id,
        name,
        needs,
        image,
        env,
        steps,
        timeoutMinutes,
        continueOnError,
        condition,
        retries,
        ifExpression,
        matrix,
        null);
  }

  /** A job without an {@code if:} expression and without a matrix. */
  public JobSpec(
      String id,
      String name,
      List<String> needs,
      String image,
      Map<String, String> env,
      List<StepSpec> steps,
      Integer timeoutMinutes,
      boolean continueOnError,
      JobCondition condition,
      int retries) {
    this(
        id,
        name,
        needs,
        image,
        env,
        steps,
        timeoutMinutes,
        continueOnError,
        condition,
        retries,
        null,
        null);
  }

  /** The id under {@code jobs:} this job was written as (a matrix instance's job). */
  public String group() {
    return matrix != null ? matrix.group() : id;
  }

  /** The same job with other needs and matrix (matrix expansion). */
  JobSpec expanded(String newId, String newName, List<String> newNeeds, JobMatrix newMatrix) {
    return new JobSpec(
        newId,
        newName,
        newNeeds,
        image,
        env,
        steps,
        timeoutMinutes,
        continueOnError,
        condition,
        retries,
        ifExpression,
        newMatrix,
        outputs);
  }

  public JobSpec {
    needs = needs == null ? List.of() : List.copyOf(needs);
    env = env == null ? Map.of() : Map.copyOf(env);
    steps = steps == null ? List.of() : List.copyOf(steps);
    condition = condition == null ? JobCondition.SUCCESS : condition;
    outputs =
        outputs == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
  }
}
