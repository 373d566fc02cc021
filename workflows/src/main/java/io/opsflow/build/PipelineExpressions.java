package io.opsflow.build;

import io.opsflow.build.expr.Condition;
import io.opsflow.build.expr.Evaluator;
import io.opsflow.build.expr.Expr;
import io.opsflow.build.expr.ExprException;
import io.opsflow.build.expr.ShellCompiler;
import io.opsflow.build.expr.Template;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Checks the {@code ${{ }}} expressions of a pipeline value when it is read: syntax (with the line
 * and column of the problem), and that it names only the contexts available where it stands
 * (GitHub's context availability table, restricted to what opsflow provides).
 */
final class PipelineExpressions {

  /** {@code env} at the top and {@code on:}: only what is known before any job. */
  static final Set<String> WORKFLOW = Set.of("github", "inputs", "vars");

  /** {@code jobs.<id>.if}. */
  static final Set<String> JOB_IF = Set.of("github", "inputs", "vars", "needs");

  /** {@code strategy}. */
  static final Set<String> STRATEGY = Set.of("github", "inputs", "vars");

  /** A job's {@code name}, {@code env}, {@code container}. */
  static final Set<String> JOB = Set.of("github", "inputs", "vars", "needs", "strategy", "matrix");

  /**
   * A step's {@code run}, {@code name}, {@code env}, {@code if}, {@code working-directory}: what
   * names {@code steps} (or calls {@code hashFiles}) is left to the runner and must be in the
   * subset {@link ShellCompiler} compiles.
   */
  static final Set<String> STEP =
      Set.of(
          "github",
          "inputs",
          "vars",
          "needs",
          "strategy",
          "matrix",
          "env",
          "job",
          "runner",
          "steps");

  /** A job's {@code outputs}: what its steps reported. */
  static final Set<String> JOB_OUTPUTS =
      Set.of(
          "github",
          "inputs",
          "vars",
          "needs",
          "strategy",
          "matrix",
          "env",
          "job",
          "runner",
          "steps");

  /** Contexts GitHub has that opsflow does not provide (yet), with why. */
  private static final List<String[]> UNSUPPORTED =
      List.of(
          new String[] {"secrets", "opsflow has no secrets store; pass values through env"},
          new String[] {
            "jobs", "it exists only in reusable workflows, which opsflow does not run"
          });

  private PipelineExpressions() {}

  /** Checks every {@code ${{ }}} of a string value; true when it has none or all are valid. */
  static boolean check(
      ScalarNode node, String path, Set<String> allowed, PipelineProblems problems) {
    String value = node.getValue();
    if (!value.contains("${{")) {
      return true;
    }
    Template template;
    try {
      template = Template.parse(value);
    } catch (ExprException e) {
      problems.atOffset(node, e.position(), path, "invalid expression: " + e.getMessage());
      return false;
    }
    boolean ok = true;
    for (Template.Expression e : template.expressions()) {
      ok &= contexts(node, path, e.expr(), e.offset(), allowed, false, problems);
    }
    return ok;
  }

  /**
   * An {@code if:}: parsed as an expression with or without {@code ${{ }}}.
   *
   * @return whether it is valid
   */
  static boolean checkCondition(
      ScalarNode node, String path, Set<String> allowed, PipelineProblems problems) {
    Expr expr;
    try {
      expr = Condition.parse(node.getValue());
    } catch (ExprException e) {
      problems.atOffset(node, e.position(), path, "invalid expression: " + e.getMessage());
      return false;
    }
    return contexts(node, path, expr, Condition.offset(node.getValue()), allowed, true, problems);
  }

  private static boolean contexts(
      ScalarNode node,
      String path,
      Expr expr,
      int offset,
      Set<String> allowed,
      boolean condition,
      PipelineProblems problems) {
    for (String name : Evaluator.contexts(expr)) {
      if (allowed.contains(name)) {
        continue;
      }
      String why =
          UNSUPPORTED.stream()
              .filter(u -> u[0].equals(name))
              .map(u -> "; " + u[1])
              .findFirst()
              .orElse("");
      problems.atOffset(
          node,
          offset + position(expr, name),
          path,
          "context '"
              + name
              + "' is not available here (available: "
              + String.join(", ", new TreeSet<>(allowed))
              + ")"
              + why);
      return false;
    }
    if (allowed == STEP && ShellCompiler.needsRunner(expr)) {
      try {
        ShellCompiler.check(expr, condition);
      } catch (ExprException e) {
        problems.atOffset(node, offset + Math.max(e.position(), 0), path, e.getMessage());
        return false;
      }
    } else if (Evaluator.calls(expr, "hashfiles")) {
      problems.atOffset(
          node,
          offset + expr.pos(),
          path,
          "hashFiles() is available only in a step's run, env, name, if and working-directory (it"
              + " needs the runner's workspace)");
      return false;
    }
    return true;
  }

  /** Offset of the first reference to context {@code name} in {@code expr}. */
  private static int position(Expr expr, String name) {
    return switch (expr) {
      case Expr.Context c -> c.name().equals(name) ? c.pos() : -1;
      case Expr.Property p -> position(p.target(), name);
      case Expr.Index i -> first(position(i.target(), name), position(i.index(), name));
      case Expr.Star s -> position(s.target(), name);
      case Expr.Not n -> position(n.operand(), name);
      case Expr.Binary b -> first(position(b.left(), name), position(b.right(), name));
      case Expr.Call call -> {
        int found = -1;
        for (Expr arg : call.args()) {
          found = first(found, position(arg, name));
        }
        yield found;
      }
      case Expr.Literal l -> -1;
    };
  }

  private static int first(int a, int b) {
    return a >= 0 ? a : b;
  }
}
