package io.opsflow.build.expr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random expression trees over a fixed set of atoms, printed with minimal and with full
 * parentheses, parsed and evaluated: the result must match a small model that knows each atom's
 * number and truth value from a hand-written table instead of parsing text.
 */
class ExprPropertyTest {

  /** An atom: its source text, its value, its number (as coerced) and its truthiness. */
  record Atom(String text, Object value, double number, boolean truthy) {}

  private static final List<Atom> ATOMS =
      List.of(
          new Atom("null", null, 0, false),
          new Atom("true", true, 1, true),
          new Atom("false", false, 0, false),
          new Atom("0", 0.0, 0, false),
          new Atom("1", 1.0, 1, true),
          new Atom("2.5", 2.5, 2.5, true),
          new Atom("-3", -3.0, -3, true),
          new Atom("0x10", 16.0, 16, true),
          new Atom("NaN", Double.NaN, Double.NaN, false),
          new Atom("''", "", 0, false),
          new Atom("'abc'", "abc", Double.NaN, true),
          new Atom("'ABC'", "ABC", Double.NaN, true),
          new Atom("'b'", "b", Double.NaN, true),
          new Atom("' 1 '", " 1 ", 1, true),
          new Atom("'2.5'", "2.5", 2.5, true),
          new Atom("'0x10'", "0x10", 16, true),
          new Atom("'true'", "true", Double.NaN, true),
          new Atom("matrix.n", 1.0, 1, true),
          new Atom("matrix.s", "Abc", Double.NaN, true),
          new Atom("matrix.missing", null, 0, false));

  private static final Map<String, Object> MATRIX = Map.of("n", 1.0, "s", "Abc");

  /** A generated tree. */
  sealed interface Node {}

  record Leaf(Atom atom) implements Node {}

  record Not(Node operand) implements Node {}

  record Bin(String op, Node left, Node right) implements Node {}

  record Fn(String name, Node a, Node b) implements Node {}

  private static final List<String> OPS = List.of("==", "!=", "<", "<=", ">", ">=", "&&", "||");

  @Provide
  Arbitrary<Node> trees() {
    return Arbitraries.lazyOf(
        () -> Arbitraries.of(ATOMS).map(Leaf::new),
        () -> Arbitraries.of(ATOMS).map(Leaf::new),
        () -> trees().map(Not::new),
        () -> net.jqwik.api.Combinators.combine(Arbitraries.of(OPS), trees(), trees()).as(Bin::new),
        () ->
            net.jqwik.api.Combinators.combine(
                    Arbitraries.of("contains", "startsWith", "endsWith", "format"),
                    Arbitraries.of(ATOMS).map(Leaf::new),
                    Arbitraries.of(ATOMS).map(Leaf::new))
                .as(Fn::new));
  }

  @Property(tries = 1000)
  void evaluatesLikeTheModel(@ForAll("trees") Node tree) {
    Object expected = model(tree);
    for (String text : List.of(print(tree, 0), full(tree))) {
      Object actual = Evaluator.evaluate(ExprParser.parse(text), CONTEXT);
      assertThat(same(actual, expected)).as("%s -> %s, model %s", text, actual, expected).isTrue();
    }
  }

  private static final ExprContext CONTEXT =
      new ExprContext() {
        @Override
        public Object context(String name) {
          return name.equals("matrix") ? MATRIX : null;
        }

        @Override
        public boolean status(String function) {
          return true;
        }
      };

  // ---- the model -------------------------------------------------------------------------

  /** A value with its atom facts, or a computed boolean / string. */
  record MV(Object value, double number, boolean truthy) {}

  private static Object model(Node node) {
    return eval(node).value();
  }

  private static MV eval(Node node) {
    return switch (node) {
      case Leaf leaf -> new MV(leaf.atom().value(), leaf.atom().number(), leaf.atom().truthy());
      case Not not -> bool(!eval(not.operand()).truthy());
      case Bin bin -> binary(bin);
      case Fn fn -> function(fn);
    };
  }

  private static MV bool(boolean b) {
    return new MV(b, b ? 1 : 0, b);
  }

  private static MV binary(Bin bin) {
    MV l = eval(bin.left());
    if (bin.op().equals("&&")) {
      return l.truthy() ? eval(bin.right()) : l;
    }
    if (bin.op().equals("||")) {
      return l.truthy() ? l : eval(bin.right());
    }
    MV r = eval(bin.right());
    String tl = type(l.value());
    String tr = type(r.value());
    Integer order;
    if (!tl.equals(tr) || tl.equals("number")) {
      order =
          Double.isNaN(l.number()) || Double.isNaN(r.number())
              ? null
              : Double.compare(l.number() + 0.0, r.number() + 0.0);
    } else if (tl.equals("string")) {
      order = Integer.signum(((String) l.value()).compareToIgnoreCase((String) r.value()));
    } else if (tl.equals("boolean")) {
      order = Boolean.compare((Boolean) l.value(), (Boolean) r.value());
    } else {
      order = 0; // null, null
    }
    return switch (bin.op()) {
      case "==" -> bool(order != null && order == 0);
      case "!=" -> bool(order == null || order != 0);
      case "<" -> bool(order != null && order < 0);
      case "<=" -> bool(order != null && order <= 0);
      case ">" -> bool(order != null && order > 0);
      default -> bool(order != null && order >= 0);
    };
  }

  private static MV function(Fn fn) {
    String a = text(eval(fn.a()).value());
    String b = text(eval(fn.b()).value());
    return switch (fn.name()) {
      case "contains" -> bool(a.toLowerCase().contains(b.toLowerCase()));
      case "startsWith" -> bool(a.toLowerCase().startsWith(b.toLowerCase()));
      case "endsWith" -> bool(a.toLowerCase().endsWith(b.toLowerCase()));
      default -> {
        String s = "<" + b + ">";
        yield new MV(s, Double.NaN, true);
      }
    };
  }

  private static String type(Object v) {
    return v == null
        ? "null"
        : v instanceof Boolean ? "boolean" : v instanceof Double ? "number" : "string";
  }

  /** Atom numbers as text: the table's few values, written as GitHub writes them. */
  private static String text(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Double d) {
      if (d.isNaN()) {
        return "NaN";
      }
      return d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(d);
    }
    return v.toString();
  }

  private static boolean same(Object actual, Object expected) {
    if (actual instanceof Double a && expected instanceof Double e) {
      return a.equals(e) || (a == 0 && e == 0);
    }
    return Objects.equals(actual, expected);
  }

  // ---- printing --------------------------------------------------------------------------

  private static int precedence(String op) {
    return switch (op) {
      case "||" -> 1;
      case "&&" -> 2;
      case "==", "!=" -> 3;
      default -> 4;
    };
  }

  /** Minimal parentheses: operators are left-associative. */
  private static String print(Node node, int outer) {
    return switch (node) {
      case Leaf leaf -> leaf.atom().text();
      case Not not -> "!" + print(not.operand(), 5);
      case Fn fn -> fn(fn, n -> print(n, 0));
      case Bin bin -> {
        int p = precedence(bin.op());
        String s = print(bin.left(), p) + " " + bin.op() + " " + print(bin.right(), p + 1);
        yield p < outer ? "(" + s + ")" : s;
      }
    };
  }

  private static String full(Node node) {
    return switch (node) {
      case Leaf leaf -> leaf.atom().text();
      case Not not -> "(!" + full(not.operand()) + ")";
      case Fn fn -> fn(fn, ExprPropertyTest::full);
      case Bin bin -> "(" + full(bin.left()) + bin.op() + full(bin.right()) + ")";
    };
  }

  private static String fn(Fn fn, java.util.function.Function<Node, String> print) {
    if (fn.name().equals("format")) {
      return "format('<{0}>', " + print.apply(fn.b()) + ")";
    }
    return fn.name() + "(" + print.apply(fn.a()) + ", " + print.apply(fn.b()) + ")";
  }
}
