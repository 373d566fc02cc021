package io.opsflow.build.expr;

import java.util.List;

/**
 * An {@code if:} value: an expression with or without {@code ${{ }}}. Without a status function it
 * is evaluated as {@code success() && (expression)}, as on GitHub.
 */
public final class Condition {

  private Condition() {}

  /**
   * The condition as it is evaluated.
   *
   * @throws ExprException at the offset in {@code text} of the problem
   */
  public static Expr parse(String text) {
    Expr written;
    if (text.contains("${{")) {
      Template template = Template.parse(text);
      Template.Expression single = template.single();
      if (single == null) {
        throw new ExprException(
            "if: mixes text and ${{ }}; write the whole condition as one expression", 0);
      }
      written = single.expr();
    } else {
      written = ExprParser.parse(text);
    }
    if (Evaluator.callsStatusFunction(written)) {
      return written;
    }
    return new Expr.Binary(
        Expr.Op.AND, new Expr.Call("success", List.of(), 0), written, written.pos());
  }

  /** Where the expression's text starts in {@code text} (after a {@code ${{}, if any). */
  public static int offset(String text) {
    if (!text.contains("${{")) {
      return 0;
    }
    Template.Expression single = Template.parse(text).single();
    return single == null ? 0 : single.offset();
  }

  /** Whether the condition holds. */
  public static boolean holds(Expr condition, ExprContext context) {
    return Values.truthy(Evaluator.evaluate(condition, context));
  }
}
