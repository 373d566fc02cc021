package io.opsflow.build;

import io.opsflow.build.expr.Condition;
import io.opsflow.build.expr.Expr;
import io.opsflow.build.expr.ExprContext;
import io.opsflow.build.expr.ExprException;
import io.opsflow.build.expr.ShellCompiler;
import io.opsflow.build.expr.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's {@code ${{ }}} expressions evaluated when it starts, in workflow code (pure): env at
 * pipeline, job and step level, the image, step names and {@code run} scripts. Contexts: {@code
 * github}, {@code inputs}, {@code vars}, {@code needs} (results of the jobs it needs), {@code
 * matrix} and {@code strategy} of a matrix instance, {@code env}, {@code job} and {@code runner}.
 */
final class JobRender {

  /** The job as its runner gets it. */
  record Rendered(String image, Map<String, String> env, List<StepSpec> steps) {}

  private JobRender() {}

  /**
   * @param base {@code github}, {@code inputs}, {@code vars}
   * @param needs the {@code needs} context of the job
   * @param runnerName the runner's task queue (the {@code runner.name})
   * @throws IllegalArgumentException naming the field whose expression failed
   */
  static Rendered render(
      Dag dag,
      JobSpec job,
      Map<String, Object> base,
      Map<String, Object> needs,
      String runnerName,
      Map<String, String> defaults) {
    Map<String, Object> ctx = new LinkedHashMap<>(base);
    @SuppressWarnings("unchecked")
    Map<String, Object> github = new LinkedHashMap<>((Map<String, Object>) base.get("github"));
    github.put("job", job.group());
    ctx.put("github", github);
    ctx.put("needs", needs);
    ctx.put("matrix", job.matrix() == null ? Map.of() : job.matrix().values());
    Map<String, Object> strategy = new LinkedHashMap<>();
    strategy.put("fail-fast", job.matrix() == null || job.matrix().failFast());
    strategy.put("job-index", job.matrix() == null ? 0.0 : (double) job.matrix().index());
    strategy.put("job-total", job.matrix() == null ? 1.0 : (double) job.matrix().total());
    strategy.put(
        "max-parallel",
        job.matrix() == null || job.matrix().maxParallel() == null
            ? (job.matrix() == null ? 1.0 : (double) job.matrix().total())
            : (double) job.matrix().maxParallel());
    ctx.put("strategy", strategy);
    ctx.put("job", Map.of("status", "success"));
    ctx.put("runner", Map.of("os", "Linux", "name", runnerName, "environment", "self-hosted"));
    String path = "jobs." + job.group();

    Map<String, String> env = new LinkedHashMap<>(defaults);
    Map<String, Object> workflowCtx = new LinkedHashMap<>(base);
    workflowCtx.put("github", github);
    for (Map.Entry<String, String> e : dag.env().entrySet()) {
      env.put(e.getKey(), render(e.getValue(), workflowCtx, "env." + e.getKey()));
    }
    for (Map.Entry<String, String> e : job.env().entrySet()) {
      env.put(e.getKey(), render(e.getValue(), ctx, path + ".env." + e.getKey()));
    }
    String image = job.image() == null ? null : render(job.image(), ctx, path + ".container.image");
    List<StepSpec> steps = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    job.steps().forEach(step -> ids.add(step.id()));
    for (int i = 0; i < job.steps().size(); i++) {
      StepSpec step = job.steps().get(i);
      String stepPath = path + ".steps[" + i + "]";
      Map<String, Object> stepCtx = new LinkedHashMap<>(ctx);
      stepCtx.put("env", env);
      Residuals left = new Residuals(ids, i);
      Map<String, String> stepEnv = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : step.env().entrySet()) {
        String envPath = stepPath + ".env." + e.getKey();
        String code = left.text(e.getValue(), stepCtx, envPath);
        if (code != null) {
          left.env.put(e.getKey(), code);
        } else {
          stepEnv.put(e.getKey(), render(e.getValue(), stepCtx, envPath));
        }
      }
      Map<String, String> allEnv = new LinkedHashMap<>(env);
      allEnv.putAll(stepEnv);
      stepCtx.put("env", allEnv);
      refuseRunnerEnv(step, left.env.keySet(), stepPath);
      String name = null;
      if (step.name() != null) {
        String code = left.text(step.name(), stepCtx, stepPath + ".name");
        left.name = code;
        name = code != null ? step.name() : render(step.name(), stepCtx, stepPath + ".name");
      }
      String run = step.run();
      left.run = left.text(run, stepCtx, stepPath + ".run");
      if (left.run == null) {
        run = render(run, stepCtx, stepPath + ".run");
      }
      String dir = step.workingDirectory();
      if (dir != null) {
        left.dir = left.text(dir, stepCtx, stepPath + ".working-directory");
        if (left.dir == null) {
          dir = render(dir, stepCtx, stepPath + ".working-directory");
        }
      }
      left.condition = left.condition(step.ifExpression(), stepCtx, stepPath + ".if");
      String when =
          left.condition != null ? "always" : when(step.ifExpression(), stepCtx, stepPath + ".if");
      steps.add(step.rendered(name, run, stepEnv, dir, when, left.residual()));
    }
    return new Rendered(image, env, steps);
  }

  /**
   * Refuses {@code env.<name>} in the step's {@code if}, {@code name}, {@code run} or {@code
   * working-directory} when the step's own env value {@code name} is known only on the runner: the
   * workflow cannot give its value (the script reads it as {@code $name}).
   */
  private static void refuseRunnerEnv(StepSpec step, java.util.Set<String> names, String path) {
    if (names.isEmpty()) {
      return;
    }
    String[][] fields = {
      {"if", step.ifExpression()},
      {"name", step.name()},
      {"run", step.run()},
      {"working-directory", step.workingDirectory()}
    };
    for (String[] field : fields) {
      String text = field[1];
      if (text == null || (!field[0].equals("if") && !text.contains("${{"))) {
        continue;
      }
      List<Expr> exprs = new ArrayList<>();
      try {
        if (field[0].equals("if")) {
          exprs.add(Condition.parse(text));
        } else {
          Template.parse(text).expressions().forEach(e -> exprs.add(e.expr()));
        }
      } catch (ExprException e) {
        continue; // reported when the field is rendered
      }
      for (Expr expr : exprs) {
        String name = envReference(expr, names);
        if (name != null) {
          throw new IllegalArgumentException(
              path
                  + "."
                  + field[0]
                  + ": env."
                  + name
                  + " is this step's env value computed on the runner (it names steps or calls"
                  + " hashFiles); read it as $"
                  + name
                  + " in the script");
        }
      }
    }
  }

  /** The first of {@code names} that {@code expr} reads as {@code env.<name>}, or null. */
  private static String envReference(Expr expr, java.util.Set<String> names) {
    return switch (expr) {
      case Expr.Property p ->
          p.target() instanceof Expr.Context c && c.name().equals("env")
              ? names.stream().filter(n -> n.equalsIgnoreCase(p.name())).findFirst().orElse(null)
              : envReference(p.target(), names);
      case Expr.Index i -> {
        if (i.target() instanceof Expr.Context c
            && c.name().equals("env")
            && i.index() instanceof Expr.Literal l
            && l.value() instanceof String key) {
          yield names.stream().filter(n -> n.equalsIgnoreCase(key)).findFirst().orElse(null);
        }
        String found = envReference(i.target(), names);
        yield found != null ? found : envReference(i.index(), names);
      }
      case Expr.Star st -> envReference(st.target(), names);
      case Expr.Not n -> envReference(n.operand(), names);
      case Expr.Binary b -> {
        String found = envReference(b.left(), names);
        yield found != null ? found : envReference(b.right(), names);
      }
      case Expr.Call call ->
          call.args().stream()
              .map(a -> envReference(a, names))
              .filter(java.util.Objects::nonNull)
              .findFirst()
              .orElse(null);
      case Expr.Literal l -> null;
      case Expr.Context c -> null;
    };
  }

  /** What of one step's expressions is left to the runner, compiled as it is rendered. */
  private static final class Residuals {
    private final List<String> ids;
    private final int index;
    private final Map<String, String> env = new LinkedHashMap<>();
    private String condition;
    private String name;
    private String run;
    private String dir;

    Residuals(List<String> ids, int index) {
      this.ids = ids;
      this.index = index;
    }

    /** The commands printing {@code text}, or null when the workflow renders it itself. */
    String text(String text, Map<String, Object> ctx, String path) {
      if (text == null || !text.contains("${{")) {
        return null;
      }
      try {
        Template template = Template.parse(text);
        if (!ShellCompiler.needsRunner(template)) {
          return null;
        }
        return ShellCompiler.text(template, BuildContexts.of(ctx), ids, index);
      } catch (ExprException e) {
        throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
      }
    }

    /** The commands deciding the {@code if:}, or null when {@link #when} decides it. */
    String condition(String text, Map<String, Object> ctx, String path) {
      if (text == null) {
        return null;
      }
      try {
        Expr expr = Condition.parse(text);
        if (!ShellCompiler.needsRunner(expr)) {
          return null;
        }
        return ShellCompiler.condition(expr, BuildContexts.of(ctx), ids, index);
      } catch (ExprException e) {
        throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
      }
    }

    StepResidual residual() {
      return new StepResidual(condition, name, run, dir, env);
    }
  }

  /**
   * A step's {@code if:} decided for the runner. Its only unknowns at job start are the status
   * functions, which depend on the earlier steps: evaluated once as if they all succeeded and once
   * as if one failed, the two answers say when the step runs.
   */
  static String when(String condition, Map<String, Object> ctx, String path) {
    if (condition == null) {
      return null;
    }
    try {
      Expr expr = Condition.parse(condition);
      boolean ok = Condition.holds(expr, statusContext(ctx, false));
      boolean failed = Condition.holds(expr, statusContext(ctx, true));
      return ok && failed ? "always" : ok ? "success" : failed ? "failure" : "never";
    } catch (ExprException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }

  private static ExprContext statusContext(Map<String, Object> ctx, boolean failed) {
    return new ExprContext() {
      @Override
      public Object context(String name) {
        return ctx.get(name);
      }

      @Override
      public boolean status(String function) {
        return switch (function) {
          case "success" -> !failed;
          case "failure" -> failed;
          case "cancelled" -> false;
          default -> true;
        };
      }
    };
  }

  /**
   * The job's {@code outputs} once it has run, from what its steps wrote to {@code $GITHUB_OUTPUT}.
   *
   * @throws IllegalArgumentException naming the output whose expression failed
   */
  static Map<String, String> outputs(
      JobSpec job, Map<String, Object> base, Map<String, Object> needs, JobOutcome outcome) {
    if (job.outputs().isEmpty()) {
      return Map.of();
    }
    Map<String, Object> ctx = new LinkedHashMap<>(base);
    ctx.put("needs", needs);
    ctx.put("matrix", job.matrix() == null ? Map.of() : job.matrix().values());
    Map<String, Object> steps = new LinkedHashMap<>();
    outcome.stepOutputs().forEach((id, values) -> steps.put(id, Map.of("outputs", values)));
    ctx.put("steps", steps);
    Map<String, String> outputs = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : job.outputs().entrySet()) {
      outputs.put(
          e.getKey(), render(e.getValue(), ctx, "jobs." + job.group() + ".outputs." + e.getKey()));
    }
    return outputs;
  }

  private static String render(String text, Map<String, Object> ctx, String path) {
    try {
      return Template.render(text, BuildContexts.of(ctx));
    } catch (ExprException e) {
      throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
    }
  }

  /** GitHub's default variables a script may read, from the trigger. */
  static Map<String, String> defaultEnv(Map<String, Object> github, JobSpec job) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CI", "true");
    env.put("GITHUB_EVENT_NAME", (String) github.get("event_name"));
    env.put("GITHUB_REF", (String) github.get("ref"));
    env.put("GITHUB_REF_NAME", (String) github.get("ref_name"));
    env.put("GITHUB_REF_TYPE", (String) github.get("ref_type"));
    env.put("GITHUB_SHA", (String) github.get("sha"));
    env.put("GITHUB_ACTOR", (String) github.get("actor"));
    env.put("GITHUB_REPOSITORY", (String) github.get("repository"));
    env.put("GITHUB_WORKFLOW", (String) github.get("workflow"));
    env.put("GITHUB_RUN_ID", (String) github.get("run_id"));
    env.put("GITHUB_RUN_NUMBER", (String) github.get("run_number"));
    env.put("GITHUB_JOB", job.group());
    env.put("RUNNER_OS", "Linux");
    return env;
  }
}
