package io.opsflow.build.expr;

import io.opsflow.build.expr.Expr.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses the text of one expression (what goes between {@code ${{} and {@code }}}, or a whole
 * {@code if:}) into an {@link Expr}.
 *
 * <p>Grammar, loosest first: {@code ||}, {@code &&}, {@code == !=}, {@code < <= > >=}, unary {@code
 * !}, then postfix property access {@code a.b}, {@code a.*}, indexing {@code a[...]}, and
 * primaries: literals ({@code null}, {@code true}, {@code false}, numbers in JSON form or {@code
 * 0x}-hex / {@code 0o}-octal, {@code NaN}, {@code Infinity}, {@code 'strings'} with {@code ''} for
 * a quote), grouping, function calls and context names. Function and context names are
 * case-insensitive, as on GitHub; an unknown one is an error, as is a wrong number of arguments.
 */
public final class ExprParser {

  /** Contexts an expression may name. */
  public static final Set<String> CONTEXTS =
      Set.of(
          "github",
          "env",
          "vars",
          "matrix",
          "needs",
          "steps",
          "job",
          "jobs",
          "runner",
          "inputs",
          "strategy",
          "secrets");

  /** Functions and their minimum and maximum number of arguments. */
  static final Map<String, int[]> FUNCTIONS =
      Map.ofEntries(
          Map.entry("contains", new int[] {2, 2}),
          Map.entry("startswith", new int[] {2, 2}),
          Map.entry("endswith", new int[] {2, 2}),
          Map.entry("format", new int[] {1, Integer.MAX_VALUE}),
          Map.entry("join", new int[] {1, 2}),
          Map.entry("tojson", new int[] {1, 1}),
          Map.entry("fromjson", new int[] {1, 1}),
          Map.entry("hashfiles", new int[] {1, Integer.MAX_VALUE}),
          Map.entry("success", new int[] {0, 0}),
          Map.entry("failure", new int[] {0, 0}),
          Map.entry("always", new int[] {0, 0}),
          Map.entry("cancelled", new int[] {0, 0}));

  /** Deepest nesting accepted (GitHub's limit too): keeps hostile input from the stack. */
  static final int MAX_DEPTH = 50;

  /** Longest expression accepted. */
  static final int MAX_LENGTH = 21_000;

  private final String text;
  private int at;
  private int depth;

  private ExprParser(String text) {
    this.text = text;
  }

  /**
   * @throws ExprException with the offset of the problem
   */
  public static Expr parse(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new ExprException(
          "expression is longer than " + MAX_LENGTH + " characters", MAX_LENGTH);
    }
    ExprParser parser = new ExprParser(text);
    parser.skipSpace();
    if (parser.at >= text.length()) {
      throw new ExprException("expression is empty", 0);
    }
    Expr expr = parser.or();
    parser.skipSpace();
    if (parser.at < text.length()) {
      throw new ExprException(
          "unexpected " + parser.describeHere() + " after a complete expression", parser.at);
    }
    return expr;
  }

  private Expr or() {
    Expr left = and();
    while (accept("||")) {
      int pos = at - 2;
      left = new Expr.Binary(Op.OR, left, and(), pos);
    }
    return left;
  }

  private Expr and() {
    Expr left = equality();
    while (accept("&&")) {
      int pos = at - 2;
      left = new Expr.Binary(Op.AND, left, equality(), pos);
    }
    return left;
  }

  private Expr equality() {
    Expr left = comparison();
    while (true) {
      skipSpace();
      int pos = at;
      if (accept("==")) {
        left = new Expr.Binary(Op.EQ, left, comparison(), pos);
      } else if (accept("!=")) {
        left = new Expr.Binary(Op.NE, left, comparison(), pos);
      } else {
        return left;
      }
    }
  }

  private Expr comparison() {
    Expr left = unary();
    while (true) {
      skipSpace();
      int pos = at;
      if (accept("<=")) {
        left = new Expr.Binary(Op.LE, left, unary(), pos);
      } else if (accept(">=")) {
        left = new Expr.Binary(Op.GE, left, unary(), pos);
      } else if (accept("<")) {
        left = new Expr.Binary(Op.LT, left, unary(), pos);
      } else if (accept(">")) {
        left = new Expr.Binary(Op.GT, left, unary(), pos);
      } else {
        return left;
      }
    }
  }

  private Expr unary() {
    skipSpace();
    int pos = at;
    if (peek() == '!' && peek(1) != '=') {
      at++;
      enter(pos);
      Expr operand = unary();
      depth--;
      return new Expr.Not(operand, pos);
    }
    return postfix(primary());
  }

  private Expr postfix(Expr target) {
    while (true) {
      skipSpace();
      int pos = at;
      if (peek() == '.') {
        at++;
        skipSpace();
        if (peek() == '*') {
          at++;
          target = new Expr.Star(target, pos);
        } else if (isIdentStart(peek())) {
          target = new Expr.Property(target, identifier(), pos);
        } else {
          throw new ExprException(
              "expected a property name or '*' after '.', got " + describeHere(), at);
        }
      } else if (peek() == '[') {
        at++;
        enter(pos);
        skipSpace();
        if (peek() == '*') {
          at++;
          target = new Expr.Star(target, pos);
        } else {
          target = new Expr.Index(target, or(), pos);
        }
        depth--;
        expect(']', "to close the index opened at offset " + pos);
      } else {
        return target;
      }
    }
  }

  private Expr primary() {
    skipSpace();
    int pos = at;
    char c = peek();
    if (c == 0) {
      throw new ExprException("unexpected end of expression", at);
    }
    if (c == '(') {
      at++;
      enter(pos);
      Expr inner = or();
      depth--;
      expect(')', "to close the '(' at offset " + pos);
      return inner;
    }
    if (c == '\'') {
      return new Expr.Literal(string(), pos);
    }
    if (c == '"') {
      throw new ExprException("strings must be in single quotes ('text'), not double quotes", at);
    }
    if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
      return new Expr.Literal(number(), pos);
    }
    if (isIdentStart(c)) {
      String name = identifier();
      skipSpace();
      if (peek() == '(') {
        return call(name, pos);
      }
      switch (name) {
        case "true":
          return new Expr.Literal(Boolean.TRUE, pos);
        case "false":
          return new Expr.Literal(Boolean.FALSE, pos);
        case "null":
          return new Expr.Literal(null, pos);
        case "NaN":
          return new Expr.Literal(Double.NaN, pos);
        case "Infinity":
          return new Expr.Literal(Double.POSITIVE_INFINITY, pos);
        default:
          break;
      }
      String context = name.toLowerCase(Locale.ROOT);
      if (!CONTEXTS.contains(context)) {
        throw new ExprException(
            "unrecognized named-value '"
                + name
                + "'; the contexts are "
                + String.join(", ", CONTEXTS.stream().sorted().toList()),
            pos);
      }
      return new Expr.Context(context, pos);
    }
    throw new ExprException("unexpected " + describeHere(), at);
  }

  private Expr call(String name, int pos) {
    String function = name.toLowerCase(Locale.ROOT);
    int[] arity = FUNCTIONS.get(function);
    if (arity == null) {
      throw new ExprException("unrecognized function '" + name + "'", pos);
    }
    at++; // (
    enter(pos);
    List<Expr> args = new ArrayList<>();
    skipSpace();
    if (peek() != ')') {
      do {
        args.add(or());
        skipSpace();
      } while (accept(","));
    }
    depth--;
    expect(')', "to close the call of " + name + "()");
    if (args.size() < arity[0] || args.size() > arity[1]) {
      String expected =
          arity[0] == arity[1]
              ? String.valueOf(arity[0])
              : arity[1] == Integer.MAX_VALUE
                  ? "at least " + arity[0]
                  : arity[0] + " or " + arity[1];
      throw new ExprException(
          name
              + "() takes "
              + expected
              + " argument"
              + ("1".equals(expected) ? "" : "s")
              + ", got "
              + args.size(),
          pos);
    }
    return new Expr.Call(function, args, pos);
  }

  private String string() {
    int start = at;
    at++;
    StringBuilder value = new StringBuilder();
    while (true) {
      if (at >= text.length()) {
        throw new ExprException("unterminated string: a ' is missing", start);
      }
      char c = text.charAt(at++);
      if (c == '\'') {
        if (peek() == '\'') {
          value.append('\'');
          at++;
        } else {
          return value.toString();
        }
      } else {
        value.append(c);
      }
    }
  }

  private Double number() {
    int start = at;
    while (at < text.length() && isNumberChar(text.charAt(at))) {
      at++;
    }
    String token = text.substring(start, at);
    double value = Values.parseNumber(token, false);
    if (Double.isNaN(value)) {
      throw new ExprException("invalid number '" + token + "'", start);
    }
    return value;
  }

  private static boolean isNumberChar(char c) {
    return Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '+' || c == '_';
  }

  private String identifier() {
    int start = at;
    while (at < text.length()
        && (isIdentStart(text.charAt(at))
            || Character.isDigit(text.charAt(at))
            || text.charAt(at) == '-')) {
      at++;
    }
    return text.substring(start, at);
  }

  private static boolean isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private void enter(int pos) {
    if (++depth > MAX_DEPTH) {
      throw new ExprException("expression is nested deeper than " + MAX_DEPTH + " levels", pos);
    }
  }

  private void expect(char c, String why) {
    skipSpace();
    if (peek() != c) {
      throw new ExprException("expected '" + c + "' " + why + ", got " + describeHere(), at);
    }
    at++;
  }

  private boolean accept(String token) {
    skipSpace();
    if (text.startsWith(token, at)) {
      at += token.length();
      return true;
    }
    return false;
  }

  private void skipSpace() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private char peek() {
    return peek(0);
  }

  private char peek(int ahead) {
    return at + ahead < text.length() ? text.charAt(at + ahead) : 0;
  }

  private String describeHere() {
    if (at >= text.length()) {
      return "end of expression";
    }
    int end = Math.min(text.length(), at + 10);
    return "'" + text.substring(at, end) + (end < text.length() ? "...'" : "'");
  }
}
