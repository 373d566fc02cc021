package io.opsflow.build;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the {@code needs} graph: every need names a job, no job needs itself, no cycles. A cycle
 * is reported once, at a {@code needs} entry of its first job in YAML order, as {@code cycle: a ->
 * b -> a} where each arrow points from a job to a job that needs it (the order they would run in).
 */
final class PipelineGraph {

  // A cycle through thousands of jobs is named by its start, not listed in full.
  private static final int MAX_SHOWN = 100;

  private final Map<String, PipelineJob> jobs = new LinkedHashMap<>();
  private final Map<String, Integer> order = new HashMap<>();
  private final Map<String, List<PipelineJob.Need>> edges = new HashMap<>();
  private final PipelineProblems problems;

  private PipelineGraph(List<PipelineJob> jobs, PipelineProblems problems) {
    for (PipelineJob job : jobs) {
      order.put(job.id(), this.jobs.size());
      this.jobs.put(job.id(), job);
    }
    this.problems = problems;
  }

  static void check(List<PipelineJob> jobs, PipelineProblems problems) {
    new PipelineGraph(jobs, problems).check();
  }

  private void check() {
    for (PipelineJob job : jobs.values()) {
      for (PipelineJob.Need need : job.needs()) {
        if (need.id().equals(job.id())) {
          problems.at(need.node(), need.path(), "job '" + job.id() + "' needs itself");
        } else if (!jobs.containsKey(need.id())) {
          problems.at(need.node(), need.path(), "needs unknown job '" + need.id() + "'");
        }
      }
    }
    for (Set<String> component : stronglyConnected()) {
      if (component.size() > 1) {
        reportCycle(component);
      }
    }
  }

  /** The needs that form graph edges: known jobs other than the job itself. */
  private List<PipelineJob.Need> edges(String id) {
    return edges.computeIfAbsent(
        id,
        k ->
            jobs.get(k).needs().stream()
                .filter(n -> !n.id().equals(k) && jobs.containsKey(n.id()))
                .toList());
  }

  /**
   * Tarjan's strongly connected components, iterative: a generated or hostile pipeline may chain
   * thousands of jobs, deeper than a recursive walk's stack.
   */
  private List<Set<String>> stronglyConnected() {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<Set<String>> components = new ArrayList<>();
    Map<String, Integer> nextEdge = new HashMap<>();
    for (String root : jobs.keySet()) {
      if (index.containsKey(root)) {
        continue;
      }
      Deque<String> call = new ArrayDeque<>();
      call.push(root);
      while (!call.isEmpty()) {
        String v = call.peek();
        if (!index.containsKey(v)) {
          index.put(v, index.size());
          low.put(v, index.get(v));
          stack.push(v);
          onStack.add(v);
          nextEdge.put(v, 0);
        }
        List<PipelineJob.Need> out = edges(v);
        int i = nextEdge.get(v);
        if (i < out.size()) {
          nextEdge.put(v, i + 1);
          String w = out.get(i).id();
          if (!index.containsKey(w)) {
            call.push(w);
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.get(v), index.get(w)));
          }
          continue;
        }
        call.pop();
        if (!call.isEmpty()) {
          String parent = call.peek();
          low.put(parent, Math.min(low.get(parent), low.get(v)));
        }
        if (low.get(v).equals(index.get(v))) {
          Set<String> component = new HashSet<>();
          String w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          components.add(component);
        }
      }
    }
    return components;
  }

  /** Reports the shortest cycle through the component's first job. */
  private void reportCycle(Set<String> component) {
    String start =
        component.stream().min((a, b) -> Integer.compare(order.get(a), order.get(b))).orElseThrow();
    // Breadth-first along needs, inside the component, back to the start.
    Map<String, String> parent = new HashMap<>();
    Deque<String> todo = new ArrayDeque<>(List.of(start));
    String last = null;
    while (last == null && !todo.isEmpty()) {
      String v = todo.poll();
      for (PipelineJob.Need need : edges(v)) {
        String w = need.id();
        if (w.equals(start)) {
          last = v;
          break;
        }
        if (component.contains(w) && !parent.containsKey(w)) {
          parent.put(w, v);
          todo.add(w);
        }
      }
    }
    // Needs lead start => p1 => ... => last => start; walking parents back from last lists the
    // jobs in run order: start -> last -> ... -> p1 -> start.
    List<String> runOrder = new ArrayList<>(List.of(start));
    for (String v = last; !v.equals(start); v = parent.get(v)) {
      runOrder.add(v);
    }
    String firstNeed = runOrder.get(runOrder.size() - 1);
    runOrder.add(start);
    PipelineJob.Need at =
        edges(start).stream().filter(n -> n.id().equals(firstNeed)).findFirst().orElseThrow();
    String shown =
        runOrder.size() <= MAX_SHOWN
            ? String.join(" -> ", runOrder)
            : String.join(" -> ", runOrder.subList(0, MAX_SHOWN - 1))
                + " -> ... ("
                + (runOrder.size() - MAX_SHOWN)
                + " more) -> "
                + start;
    problems.at(at.node(), at.path(), "cycle: " + shown);
  }
}
