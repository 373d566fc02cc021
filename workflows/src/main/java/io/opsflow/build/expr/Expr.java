package io.opsflow.build.expr;

import java.util.List;

/**
 * A parsed expression of GitHub Actions' expression language. Every node carries the 0-based offset
 * of its first character in the expression text, for error messages.
 */
public sealed interface Expr {

  /** 0-based offset of the node in the expression text. */
  int pos();

  /** {@code null}, {@code true}, {@code 1.5}, {@code 'text'}. */
  record Literal(Object value, int pos) implements Expr {}

  /** A context name at the root of a reference: {@code github}, {@code matrix}, ... */
  record Context(String name, int pos) implements Expr {}

  /** {@code target.name}. */
  record Property(Expr target, String name, int pos) implements Expr {}

  /** {@code target[index]}. */
  record Index(Expr target, Expr index, int pos) implements Expr {}

  /** {@code target.*} or {@code target[*]}: an object filter over an array's items or values. */
  record Star(Expr target, int pos) implements Expr {}

  /** {@code !operand}. */
  record Not(Expr operand, int pos) implements Expr {}

  /** A binary operator. */
  record Binary(Op op, Expr left, Expr right, int pos) implements Expr {}

  /** {@code name(args...)}: a function call. */
  record Call(String name, List<Expr> args, int pos) implements Expr {
    public Call {
      args = List.copyOf(args);
    }
  }

  /** Binary operators, with their text. */
  enum Op {
    AND("&&"),
    OR("||"),
    EQ("=="),
    NE("!="),
    LT("<"),
    LE("<="),
    GT(">"),
    GE(">=");

    final String text;

    Op(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }
}
