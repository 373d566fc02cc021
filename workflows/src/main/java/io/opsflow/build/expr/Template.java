package io.opsflow.build.expr;

import java.util.ArrayList;
import java.util.List;

/**
 * A string that may hold {@code ${{ expression }}} parts, as any value of a workflow file may.
 *
 * @param text the string as written
 * @param parts the literal and expression parts in order
 */
public record Template(String text, List<Part> parts) {

  /** A piece of the string: literal text, or an expression and where its text starts. */
  public sealed interface Part {}

  /** Literal text, kept as written. */
  public record Text(String value) implements Part {}

  /**
   * {@code ${{ expr }}}.
   *
   * @param expr the parsed expression
   * @param offset 0-based offset of the expression's text (after {@code ${{}) in the string
   */
  public record Expression(Expr expr, int offset) implements Part {}

  public Template {
    parts = List.copyOf(parts);
  }

  private static final String OPEN = "${{";
  private static final String CLOSE = "}}";

  /**
   * @throws ExprException at the offset in {@code text} of the first problem
   */
  public static Template parse(String text) {
    List<Part> parts = new ArrayList<>();
    int from = 0;
    while (true) {
      int open = text.indexOf(OPEN, from);
      if (open < 0) {
        if (from < text.length()) {
          parts.add(new Text(text.substring(from)));
        }
        return new Template(text, parts);
      }
      if (open > from) {
        parts.add(new Text(text.substring(from, open)));
      }
      int start = open + OPEN.length();
      int close = closing(text, start);
      if (close < 0) {
        throw new ExprException("'${{' is not closed by '}}'", open);
      }
      try {
        parts.add(new Expression(ExprParser.parse(text.substring(start, close)), start));
      } catch (ExprException e) {
        throw e.shifted(start);
      }
      from = close + CLOSE.length();
    }
  }

  /** The offset of the {@code }}} closing the expression starting at {@code from}, or -1. */
  private static int closing(String text, int from) {
    boolean quoted = false;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'') {
        quoted = !quoted; // '' inside a string toggles twice: still inside
      } else if (!quoted && text.startsWith(CLOSE, i)) {
        return i;
      }
    }
    return -1;
  }

  public boolean hasExpressions() {
    return parts.stream().anyMatch(p -> p instanceof Expression);
  }

  /** The single expression when the whole string (but for white space) is one {@code ${{ }}}. */
  public Expression single() {
    List<Part> meaningful =
        parts.stream().filter(p -> !(p instanceof Text t && t.value().isBlank())).toList();
    return meaningful.size() == 1 && meaningful.get(0) instanceof Expression e ? e : null;
  }

  /** Every expression of the string. */
  public List<Expression> expressions() {
    return parts.stream().filter(Expression.class::isInstance).map(Expression.class::cast).toList();
  }

  /**
   * The string with every expression replaced by its value as text.
   *
   * @throws ExprException at the offset in {@link #text} of the failing expression
   */
  public String render(ExprContext context) {
    StringBuilder out = new StringBuilder();
    for (Part part : parts) {
      switch (part) {
        case Text t -> out.append(t.value());
        case Expression e -> {
          try {
            out.append(Values.toStr(Evaluator.evaluate(e.expr(), context)));
          } catch (ExprException ex) {
            throw ex.shifted(e.offset());
          }
        }
      }
    }
    return out.toString();
  }

  /** Renders {@code text}, or returns it unchanged when it holds no expression. */
  public static String render(String text, ExprContext context) {
    if (text == null || !text.contains(OPEN)) {
      return text;
    }
    return parse(text).render(context);
  }
}
