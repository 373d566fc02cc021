package io.opsflow.build;

import io.opsflow.build.expr.Condition;
import io.opsflow.build.expr.Expr;
import io.opsflow.build.expr.ExprContext;
import io.opsflow.build.expr.ExprException;
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
 * The DAG engine's decision, pure and deterministic so the workflow can call it: given every job's
 * status, which pending jobs run now, which are skipped and which are cancelled. A job is decided
 * only once all its needs have finished; its {@code if:} then decides (GitHub Actions semantics).
 */
public final class DagScheduler {

  /**
   * What to do with the pending jobs whose needs have all finished, each list in pipeline order.
   */
  public record Decision(
      List<String> run, List<String> skip, List<String> cancel, Map<String, String> fail) {

    public Decision(List<String> run, List<String> skip, List<String> cancel) {
      this(run, skip, cancel, Map.of());
    }

    public Decision {
      fail =
          fail == null
              ? Map.of()
              : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fail));
    }

    public boolean isEmpty() {
      return run.isEmpty() && skip.isEmpty() && cancel.isEmpty() && fail.isEmpty();
    }
  }

  private final Dag dag;
  private final Map<String, Expr> conditions = new HashMap<>();
  private Map<String, Object> contexts;
  private final Map<String, Map<String, String>> outputs = new HashMap<>();

  /** What job {@code id} reported as its {@code outputs}, for {@code needs.<id>.outputs}. */
  public void outputs(String id, Map<String, String> values) {
    outputs.put(id, values);
  }

  public DagScheduler(Dag dag) {
    this.dag = dag;
  }

  /**
   * From now on a job's {@code if:} expression is evaluated (GitHub semantics) against {@code
   * contexts} ({@code github}, {@code inputs}, {@code vars}) and the {@code needs} results; without
   * this call only the legacy status-function form is read (builds started before expressions).
   */
  public DagScheduler withExpressions(Map<String, Object> contexts) {
    this.contexts = contexts;
    return this;
  }

  /**
   * @param statuses every job's status; a job missing from the map is PENDING
   * @param cancelled whether the build was cancelled
   */
  public Decision next(Map<String, JobStatus> statuses, boolean cancelled) {
    List<String> run = new ArrayList<>();
    List<String> skip = new ArrayList<>();
    List<String> cancel = new ArrayList<>();
    Map<String, String> fail = new LinkedHashMap<>();
    for (JobSpec job : dag.jobs()) {
      if (status(statuses, job.id()) != JobStatus.PENDING) {
        continue;
      }
      boolean needsFinished = job.needs().stream().allMatch(n -> status(statuses, n).finished());
      if (!needsFinished) {
        continue;
      }
      if (contexts != null && job.ifExpression() != null) {
        boolean holds;
        try {
          holds = evaluate(job, statuses, cancelled);
        } catch (ExprException e) {
          fail.put(job.id(), "jobs." + job.group() + ".if: " + e.getMessage());
          continue;
        }
        (holds ? run : cancelled ? cancel : skip).add(job.id());
        continue;
      }
      if (cancelled && job.condition() != JobCondition.ALWAYS) {
        cancel.add(job.id());
        continue;
      }
      boolean ok =
          switch (job.condition()) {
            case SUCCESS -> job.needs().stream().allMatch(n -> succeeded(statuses, n));
            case FAILURE -> anyAncestorFailed(job, statuses);
            case ALWAYS, NOT_CANCELLED -> true;
          };
      (ok ? run : skip).add(job.id());
    }
    return new Decision(List.copyOf(run), List.copyOf(skip), List.copyOf(cancel), fail);
  }

  private boolean evaluate(JobSpec job, Map<String, JobStatus> statuses, boolean cancelled) {
    Expr condition =
        conditions.computeIfAbsent(job.id(), id -> Condition.parse(job.ifExpression()));
    Map<String, Object> values = new HashMap<>(contexts);
    values.put("needs", needsContext(job, statuses));
    boolean success = !cancelled && job.needs().stream().allMatch(n -> succeeded(statuses, n));
    boolean failure = !cancelled && anyAncestorFailed(job, statuses);
    ExprContext context =
        new ExprContext() {
          @Override
          public Object context(String name) {
            return values.get(name);
          }

          @Override
          public boolean status(String function) {
            return switch (function) {
              case "success" -> success;
              case "failure" -> failure;
              case "cancelled" -> cancelled;
              default -> true;
            };
          }
        };
    return Condition.holds(condition, context);
  }

  /**
   * The {@code needs} context: per job id written under {@code needs:} its {@code result} ({@code
   * success}, {@code failure}, {@code cancelled}, {@code skipped}; a matrix job's aggregates its
   * instances: failure if one failed, else cancelled if one was, else skipped if all were) and its
   * {@code outputs}.
   */
  public Map<String, Object> needsContext(JobSpec job, Map<String, JobStatus> statuses) {
    Map<String, List<String>> results = new LinkedHashMap<>();
    Map<String, Map<String, String>> groupOutputs = new LinkedHashMap<>();
    for (String need : job.needs()) {
      JobSpec needed = dag.job(need);
      results.computeIfAbsent(needed.group(), g -> new ArrayList<>()).add(result(statuses, needed));
      // A matrix job's outputs: every instance's, later ones over earlier ones.
      groupOutputs
          .computeIfAbsent(needed.group(), g -> new LinkedHashMap<>())
          .putAll(outputs.getOrDefault(need, Map.of()));
    }
    Map<String, Object> needs = new LinkedHashMap<>();
    results.forEach(
        (group, list) -> {
          String result =
              list.contains("failure")
                  ? "failure"
                  : list.contains("cancelled")
                      ? "cancelled"
                      : list.stream().allMatch("skipped"::equals) ? "skipped" : "success";
          Map<String, Object> need = new LinkedHashMap<>();
          need.put("result", result);
          need.put("outputs", groupOutputs.getOrDefault(group, Map.of()));
          needs.put(group, need);
        });
    return needs;
  }

  private static String result(Map<String, JobStatus> statuses, JobSpec job) {
    return switch (status(statuses, job.id())) {
      case SUCCEEDED -> "success";
      case FAILED -> job.continueOnError() ? "success" : "failure";
      case SKIPPED -> "skipped";
      case CANCELLED -> "cancelled";
      default -> "";
    };
  }

  /**
   * The build's result once every job has finished: CANCELLED if it was cancelled, FAILED if a job
   * without continue-on-error failed, else SUCCEEDED.
   */
  public BuildStatus result(Map<String, JobStatus> statuses, boolean cancelled) {
    if (cancelled) {
      return BuildStatus.CANCELLED;
    }
    for (JobSpec job : dag.jobs()) {
      if (status(statuses, job.id()) == JobStatus.FAILED && !job.continueOnError()) {
        return BuildStatus.FAILED;
      }
    }
    return BuildStatus.SUCCEEDED;
  }

  /** True when every job has finished. */
  public boolean finished(Map<String, JobStatus> statuses) {
    return dag.jobs().stream().allMatch(j -> status(statuses, j.id()).finished());
  }

  private boolean succeeded(Map<String, JobStatus> statuses, String id) {
    JobStatus s = status(statuses, id);
    return s == JobStatus.SUCCEEDED || (s == JobStatus.FAILED && dag.job(id).continueOnError());
  }

  private boolean anyAncestorFailed(JobSpec job, Map<String, JobStatus> statuses) {
    Deque<String> todo = new ArrayDeque<>(job.needs());
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      String id = todo.pop();
      if (!seen.add(id)) {
        continue;
      }
      JobSpec ancestor = dag.job(id);
      if (status(statuses, id) == JobStatus.FAILED && !ancestor.continueOnError()) {
        return true;
      }
      todo.addAll(ancestor.needs());
    }
    return false;
  }

  private static JobStatus status(Map<String, JobStatus> statuses, String id) {
    return statuses.getOrDefault(id, JobStatus.PENDING);
  }
}
