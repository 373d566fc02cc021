package io.opsflow.build.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluates an {@link Expr} against an {@link ExprContext}. Pure: no clocks, no I/O (but for a
 * context's {@link ExprContext#hashFiles}), so workflow code may call it.
 */
public final class Evaluator {

  /** The array an object filter ({@code .*}) produced: property access maps over its items. */
  static final class Filtered extends ArrayList<Object> {
    private static final long serialVersionUID = 1L;
  }

  private final ExprContext context;

  private Evaluator(ExprContext context) {
    this.context = context;
  }

  /**
   * @throws ExprException when a function fails (e.g. {@code fromJSON} of text that is not JSON)
   */
  public static Object evaluate(Expr expr, ExprContext context) {
    Object value = new Evaluator(context).eval(expr);
    return value instanceof Filtered filtered ? new ArrayList<>(filtered) : value;
  }

  private Object eval(Expr expr) {
    return switch (expr) {
      case Expr.Literal literal -> literal.value();
      case Expr.Context ctx -> context.context(ctx.name());
      case Expr.Property property -> property(eval(property.target()), property.name());
      case Expr.Index index -> index(eval(index.target()), eval(index.index()));
      case Expr.Star star -> star(eval(star.target()));
      case Expr.Not not -> !Values.truthy(eval(not.operand()));
      case Expr.Binary binary -> binary(binary);
      case Expr.Call call -> call(call);
    };
  }

  private static Object property(Object target, String name) {
    if (target instanceof Filtered items) {
      Filtered result = new Filtered();
      for (Object item : items) {
        if (item instanceof Map<?, ?>) {
          Object value = Values.property(item, name);
          if (value != null) {
            result.add(value);
          }
        }
      }
      return result;
    }
    return Values.property(target, name);
  }

  private static Object index(Object target, Object index) {
    if (target instanceof Filtered items) {
      Filtered result = new Filtered();
      for (Object item : items) {
        Object value = index(item, index);
        if (value != null) {
          result.add(value);
        }
      }
      return result;
    }
    if (target instanceof List<?> list) {
      double d = Values.toNumber(index);
      if (Double.isNaN(d) || d < 0 || d != Math.floor(d) || d >= list.size()) {
        return null;
      }
      return list.get((int) d);
    }
    if (target instanceof Map<?, ?>) {
      return Values.property(target, Values.toStr(index));
    }
    return null;
  }

  private static Object star(Object target) {
    Filtered result = new Filtered();
    if (target instanceof Filtered items) {
      // A filter over a filter flattens one level.
      for (Object item : items) {
        addItems(item, result);
      }
    } else {
      addItems(target, result);
    }
    return result;
  }

  private static void addItems(Object target, Filtered into) {
    if (target instanceof List<?> list) {
      into.addAll(list);
    } else if (target instanceof Map<?, ?> map) {
      into.addAll(map.values());
    }
  }

  private Object binary(Expr.Binary binary) {
    Object left = eval(binary.left());
    switch (binary.op()) {
      case AND -> {
        return Values.truthy(left) ? plain(eval(binary.right())) : plain(left);
      }
      case OR -> {
        return Values.truthy(left) ? plain(left) : plain(eval(binary.right()));
      }
      default -> {}
    }
    Object right = eval(binary.right());
    return switch (binary.op()) {
      case EQ -> Values.looseEquals(left, right);
      case NE -> !Values.looseEquals(left, right);
      case LT -> ordered(left, right, c -> c < 0);
      case LE -> ordered(left, right, c -> c <= 0);
      case GT -> ordered(left, right, c -> c > 0);
      case GE -> ordered(left, right, c -> c >= 0);
      default -> throw new IllegalStateException(binary.op().name());
    };
  }

  private static Object plain(Object value) {
    return value instanceof Filtered filtered ? new ArrayList<>(filtered) : value;
  }

  private static boolean ordered(Object left, Object right, java.util.function.IntPredicate holds) {
    Integer c = Values.compare(left, right);
    return c != null && holds.test(c);
  }

  private Object call(Expr.Call call) {
    List<Object> args = new ArrayList<>();
    for (Expr arg : call.args()) {
      args.add(eval(arg));
    }
    try {
      return Functions.call(call.name(), args, context);
    } catch (ExprException e) {
      throw e.position() < 0 ? new ExprException(e.getMessage(), call.pos()) : e;
    }
  }

  /** Whether {@code expr} calls one of the status functions anywhere. */
  public static boolean callsStatusFunction(Expr expr) {
    return switch (expr) {
      case Expr.Call call ->
          Functions.STATUS.contains(call.name().toLowerCase(Locale.ROOT))
              || call.args().stream().anyMatch(Evaluator::callsStatusFunction);
      case Expr.Property p -> callsStatusFunction(p.target());
      case Expr.Index i -> callsStatusFunction(i.target()) || callsStatusFunction(i.index());
      case Expr.Star s -> callsStatusFunction(s.target());
      case Expr.Not n -> callsStatusFunction(n.operand());
      case Expr.Binary b -> callsStatusFunction(b.left()) || callsStatusFunction(b.right());
      case Expr.Literal l -> false;
      case Expr.Context c -> false;
    };
  }

  /** Every context the expression names, in lower case. */
  public static java.util.Set<String> contexts(Expr expr) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    collect(expr, names);
    return names;
  }

  private static void collect(Expr expr, java.util.Set<String> names) {
    switch (expr) {
      case Expr.Context c -> names.add(c.name());
      case Expr.Call call -> call.args().forEach(a -> collect(a, names));
      case Expr.Property p -> collect(p.target(), names);
      case Expr.Index i -> {
        collect(i.target(), names);
        collect(i.index(), names);
      }
      case Expr.Star s -> collect(s.target(), names);
      case Expr.Not n -> collect(n.operand(), names);
      case Expr.Binary b -> {
        collect(b.left(), names);
        collect(b.right(), names);
      }
      case Expr.Literal l -> {}
    }
  }

  /** Whether {@code expr} calls the function {@code name} (lower case) anywhere. */
  public static boolean calls(Expr expr, String name) {
    return switch (expr) {
      case Expr.Call call ->
          call.name().equals(name) || call.args().stream().anyMatch(a -> calls(a, name));
      case Expr.Property p -> calls(p.target(), name);
      case Expr.Index i -> calls(i.target(), name) || calls(i.index(), name);
      case Expr.Star s -> calls(s.target(), name);
      case Expr.Not n -> calls(n.operand(), name);
      case Expr.Binary b -> calls(b.left(), name) || calls(b.right(), name);
      case Expr.Literal l -> false;
      case Expr.Context c -> false;
    };
  }
}
