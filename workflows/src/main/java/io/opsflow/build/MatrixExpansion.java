package io.opsflow.build;

import io.opsflow.build.expr.Evaluator;
import io.opsflow.build.expr.ExprContext;
import io.opsflow.build.expr.ExprException;
import io.opsflow.build.expr.Template;
import io.opsflow.build.expr.Values;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Replaces each matrix job by its instances, GitHub's way: the cartesian product of the axes (the
 * first axis varying slowest), minus every combination an {@code exclude} entry matches, then each
 * {@code include} entry added to every combination whose original values it does not change (or,
 * matching none, as a combination of its own). An instance is named after its values: {@code test
 * (17, ubuntu)}; a {@code needs} on the job waits for every instance.
 */
public final class MatrixExpansion {

  /** GitHub's limit of jobs per matrix. */
  public static final int MAX_COMBINATIONS = 256;

  private MatrixExpansion() {}

  /** A matrix that cannot be expanded, naming the field. */
  public static final class MatrixException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MatrixException(String message) {
      super(message);
    }
  }

  /**
   * The DAG with every matrix job replaced by its instances; the DAG itself when it has none.
   *
   * @param contexts {@code github}, {@code inputs}, {@code vars} for expressions in the matrix
   * @throws MatrixException naming {@code jobs.<id>.strategy.matrix...}
   */
  public static Dag expand(Dag dag, Map<String, Object> contexts) {
    if (dag.strategies().isEmpty()) {
      return dag;
    }
    ExprContext ctx = BuildContexts.of(contexts);
    Map<String, List<String>> instancesOf = new LinkedHashMap<>();
    List<JobSpec> expanded = new ArrayList<>();
    for (JobSpec job : dag.jobs()) {
      MatrixSpec spec = dag.strategies().get(job.id());
      if (spec == null) {
        expanded.add(job);
        continue;
      }
      String path = "jobs." + job.id() + ".strategy.matrix";
      List<Map<String, Object>> combos = combinations(spec, ctx, path);
      List<String> ids = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < combos.size(); i++) {
        Map<String, Object> values = combos.get(i);
        String label = label(values);
        String id = job.id() + " (" + label + ")";
        for (int n = 2; !seen.add(id); n++) {
          id = job.id() + " (" + label + ") #" + n;
        }
        ids.add(id);
        JobMatrix matrix =
            new JobMatrix(job.id(), values, i, combos.size(), spec.failFast(), spec.maxParallel());
        String name = instanceName(job, label, values, contexts);
        expanded.add(job.expanded(id, name, job.needs(), matrix));
      }
      instancesOf.put(job.id(), ids);
    }
    List<JobSpec> withNeeds = new ArrayList<>();
    for (JobSpec job : expanded) {
      List<String> needs = new ArrayList<>();
      for (String need : job.needs()) {
        needs.addAll(instancesOf.getOrDefault(need, List.of(need)));
      }
      withNeeds.add(job.expanded(job.id(), job.name(), needs, job.matrix()));
    }
    return new Dag(
        dag.name(),
        dag.env(),
        withNeeds,
        dag.ignored(),
        dag.triggers(),
        Map.of(),
        dag.concurrency());
  }

  private static String instanceName(
      JobSpec job, String label, Map<String, Object> values, Map<String, Object> contexts) {
    if (job.name() == null || !job.name().contains("${{")) {
      return (job.name() == null ? job.id() : job.name()) + " (" + label + ")";
    }
    Map<String, Object> withMatrix = new LinkedHashMap<>(contexts);
    withMatrix.put("matrix", values);
    try {
      return Template.render(job.name(), BuildContexts.of(withMatrix));
    } catch (ExprException e) {
      // needs.* is not known yet: the name is rendered again when the instance starts.
      return job.name();
    }
  }

  /** {@code 17, ubuntu}: the combination's values as text, in order. */
  static String label(Map<String, Object> values) {
    List<String> parts = new ArrayList<>();
    values.values().forEach(v -> parts.add(Values.toStr(v)));
    return String.join(", ", parts);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> combinations(MatrixSpec spec, ExprContext ctx, String path) {
    Object matrix = evaluate(spec.matrix(), ctx, path);
    if (!(matrix instanceof Map<?, ?> axesAndLists)) {
      throw new MatrixException(path + ": must be a mapping of axes, got " + Values.toStr(matrix));
    }
    List<Map<String, Object>> combos = new ArrayList<>();
    combos.add(new LinkedHashMap<>());
    List<Object> include = List.of();
    List<Object> exclude = List.of();
    boolean hasAxes = false;
    for (Map.Entry<?, ?> e : axesAndLists.entrySet()) {
      String key = String.valueOf(e.getKey());
      Object value = deep(evaluate(e.getValue(), ctx, path + "." + key), ctx, path + "." + key);
      if (!(value instanceof List<?> list)) {
        throw new MatrixException(
            path + "." + key + ": must be a list, got " + Values.toStr(value));
      }
      if (key.equals("include")) {
        include = (List<Object>) list;
        continue;
      }
      if (key.equals("exclude")) {
        exclude = (List<Object>) list;
        continue;
      }
      if (list.isEmpty()) {
        throw new MatrixException(path + "." + key + ": the axis has no values");
      }
      hasAxes = true;
      List<Map<String, Object>> next = new ArrayList<>();
      for (Map<String, Object> combo : combos) {
        for (Object v : list) {
          Map<String, Object> c = new LinkedHashMap<>(combo);
          c.put(key, v);
          next.add(c);
          if (next.size() > MAX_COMBINATIONS) {
            throw new MatrixException(path + ": more than " + MAX_COMBINATIONS + " combinations");
          }
        }
      }
      combos = next;
    }
    if (!hasAxes) {
      combos = new ArrayList<>();
    }
    for (int i = 0; i < exclude.size(); i++) {
      Map<String, Object> ex = entry(exclude.get(i), path + ".exclude[" + i + "]");
      combos.removeIf(c -> matches(c, ex));
    }
    int originals = combos.size();
    Set<String> originalKeys = combos.isEmpty() ? Set.of() : new HashSet<>(combos.get(0).keySet());
    for (int i = 0; i < include.size(); i++) {
      Map<String, Object> inc = entry(include.get(i), path + ".include[" + i + "]");
      boolean added = false;
      for (int c = 0; c < originals; c++) {
        Map<String, Object> combo = combos.get(c);
        boolean keepsOriginals =
            inc.entrySet().stream()
                .allMatch(
                    e ->
                        !originalKeys.contains(e.getKey())
                            || same(combo.get(e.getKey()), e.getValue()));
        if (keepsOriginals) {
          combo.putAll(inc);
          added = true;
        }
      }
      if (!added) {
        combos.add(new LinkedHashMap<>(inc));
      }
      if (combos.size() > MAX_COMBINATIONS) {
        throw new MatrixException(path + ": more than " + MAX_COMBINATIONS + " combinations");
      }
    }
    if (combos.isEmpty()) {
      throw new MatrixException(path + ": no combinations left (every one is excluded)");
    }
    return combos;
  }

  private static Object evaluate(Object value, ExprContext ctx, String path) {
    if (value instanceof String text && text.contains("${{")) {
      try {
        Template template = Template.parse(text);
        Template.Expression single = template.single();
        return single != null ? Evaluator.evaluate(single.expr(), ctx) : template.render(ctx);
      } catch (ExprException e) {
        throw new MatrixException(path + ": " + e.getMessage());
      }
    }
    return value;
  }

  /** Evaluates the {@code ${{ }}} strings inside lists and mappings too. */
  private static Object deep(Object value, ExprContext ctx, String path) {
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        String at = path + "[" + i + "]";
        out.add(deep(evaluate(list.get(i), ctx, at), ctx, at));
      }
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String at = path + "." + e.getKey();
        out.put(String.valueOf(e.getKey()), deep(evaluate(e.getValue(), ctx, at), ctx, at));
      }
      return out;
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> entry(Object value, String path) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new MatrixException(path + ": must be a mapping, got " + Values.toStr(value));
    }
    return (Map<String, Object>) map;
  }

  private static boolean matches(Map<String, Object> combo, Map<String, Object> partial) {
    return partial.entrySet().stream()
        .allMatch(e -> combo.containsKey(e.getKey()) && same(combo.get(e.getKey()), e.getValue()));
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.doubleValue() == y.doubleValue();
    }
    return Objects.equals(a, b);
  }
}
