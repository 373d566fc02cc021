package io.opsflow.build;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated pipeline: jobs in the order written, acyclic, every {@code needs} known.
 *
 * @param name the pipeline's {@code name}, or null
 * @param env the workflow-level {@code env}
 * @param jobs the jobs, in the order of the YAML
 * @param ignored keys accepted but not run ({@code on}, {@code runs-on}, {@code uses}, ...) as
 *     dotted paths, e.g. {@code jobs.build.runs-on}
 * @param triggers the {@code on:} events with their filters and {@code workflow_dispatch} inputs;
 *     null when the pipeline has no {@code on:} (any trigger starts it)
 * @param strategies each matrix job's {@code strategy}, by job id, until {@link
 *     MatrixExpansion#expand} has replaced the job by its instances (empty afterwards)
 * @param concurrency the top-level {@code concurrency}, or null
 */
public record Dag(
    String name,
    Map<String, String> env,
    List<JobSpec> jobs,
    List<String> ignored,
    PipelineTriggers triggers,
    Map<String, MatrixSpec> strategies,
    ConcurrencySpec concurrency) {

  /** A pipeline without {@code on:} and without matrix jobs. */
  public Dag(String name, Map<String, String> env, List<JobSpec> jobs, List<String> ignored) {
    this(name, env, jobs, ignored, null, null, null);
  }

  /** A pipeline without {@code concurrency}. */
  public Dag(
      String name,
      Map<String, String> env,
      List<JobSpec> jobs,
      List<String> ignored,
      PipelineTriggers triggers,
      Map<String, MatrixSpec> strategies) {
    this(name, env, jobs, ignored, triggers, strategies, null);
  }

  public Dag {
    // Insertion order kept: the workflow iterates env in this order.
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    jobs = List.copyOf(jobs);
    ignored = ignored == null ? List.of() : List.copyOf(ignored);
    strategies =
        strategies == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(strategies));
  }

  public JobSpec job(String id) {
    for (JobSpec job : jobs) {
      if (job.id().equals(id)) {
        return job;
      }
    }
    throw new IllegalArgumentException("no job " + id);
  }

  /** Every edge as {@code [need, job]}. */
  public List<List<String>> edges() {
    List<List<String>> edges = new ArrayList<>();
    for (JobSpec job : jobs) {
      for (String need : job.needs()) {
        edges.add(List.of(need, job.id()));
      }
    }
    return edges;
  }

  /**
   * Jobs grouped by depth: level 0 has no needs, level n needs something at level n-1. With
   * unlimited parallelism and every job succeeding, each level runs as one wave.
   */
  public List<List<String>> levels() {
    Map<String, Integer> depth = new HashMap<>();
    Map<String, JobSpec> byId = new LinkedHashMap<>();
    jobs.forEach(j -> byId.put(j.id(), j));
    List<List<String>> levels = new ArrayList<>();
    for (JobSpec job : jobs) {
      int d = depthOf(job.id(), byId, depth);
      while (levels.size() <= d) {
        levels.add(new ArrayList<>());
      }
    }
    for (JobSpec job : jobs) {
      levels.get(depth.get(job.id())).add(job.id());
    }
    return levels.stream().map(List::copyOf).toList();
  }

  private static int depthOf(String id, Map<String, JobSpec> byId, Map<String, Integer> depth) {
    Integer known = depth.get(id);
    if (known != null) {
      return known;
    }
    // Iterative over an explicit stack: pipelines are small but random test DAGs may be deep.
    ArrayList<String> stack = new ArrayList<>();
    stack.add(id);
    while (!stack.isEmpty()) {
      String top = stack.get(stack.size() - 1);
      if (depth.containsKey(top)) {
        stack.remove(stack.size() - 1);
        continue;
      }
      int d = 0;
      boolean ready = true;
      for (String need : byId.get(top).needs()) {
        Integer nd = depth.get(need);
        if (nd == null) {
          ready = false;
          stack.add(need);
        } else {
          d = Math.max(d, nd + 1);
        }
      }
      if (ready) {
        depth.put(top, d);
        stack.remove(stack.size() - 1);
      }
    }
    return depth.get(id);
  }
}
