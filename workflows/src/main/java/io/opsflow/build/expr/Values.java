package io.opsflow.build.expr;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The value model and GitHub's coercion rules. Values are plain Java objects: {@code null}, {@link
 * Boolean}, {@link Number} (read as double), {@link String}, {@link List} (array) and {@link Map}
 * with string keys (object, keys looked up case-insensitively).
 *
 * <ul>
 *   <li>Truthiness: {@code false}, {@code 0}, {@code -0}, {@code NaN}, {@code ''} and {@code null}
 *       are false; everything else (arrays and objects included) is true.
 *   <li>{@code ==}, {@code !=}, {@code <} ...: operands of different types are both converted to
 *       numbers ({@code null} 0, {@code true} 1, {@code false} 0, a string parsed after trimming,
 *       {@code ''} 0, anything unparsable NaN, arrays and objects NaN); NaN equals nothing. Strings
 *       compare ignoring case; arrays and objects are equal only to themselves and never ordered.
 *   <li>As text: {@code null} is {@code ''}, booleans {@code true}/{@code false}, numbers without a
 *       trailing {@code .0}, arrays {@code Array}, objects {@code Object}.
 * </ul>
 */
public final class Values {

  /** The types of the language. */
  public enum Kind {
    NULL,
    BOOLEAN,
    NUMBER,
    STRING,
    ARRAY,
    OBJECT
  }

  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
  private static final Pattern JSON_NUMBER =
      Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");
  private static final Pattern HEX = Pattern.compile("0x[0-9a-fA-F]+");
  private static final Pattern OCTAL = Pattern.compile("0o[0-7]+");

  private Values() {}

  public static Kind kind(Object value) {
    if (value == null) {
      return Kind.NULL;
    }
    if (value instanceof Boolean) {
      return Kind.BOOLEAN;
    }
    if (value instanceof Number) {
      return Kind.NUMBER;
    }
    if (value instanceof CharSequence) {
      return Kind.STRING;
    }
    if (value instanceof List<?>) {
      return Kind.ARRAY;
    }
    if (value instanceof Map<?, ?>) {
      return Kind.OBJECT;
    }
    throw new IllegalArgumentException("not an expression value: " + value.getClass().getName());
  }

  public static boolean truthy(Object value) {
    return switch (kind(value)) {
      case NULL -> false;
      case BOOLEAN -> (Boolean) value;
      case NUMBER -> {
        double d = ((Number) value).doubleValue();
        yield d != 0 && !Double.isNaN(d);
      }
      case STRING -> !value.toString().isEmpty();
      case ARRAY, OBJECT -> true;
    };
  }

  public static double toNumber(Object value) {
    return switch (kind(value)) {
      case NULL -> 0;
      case BOOLEAN -> (Boolean) value ? 1 : 0;
      case NUMBER -> ((Number) value).doubleValue();
      case STRING -> parseNumber(value.toString(), true);
      case ARRAY, OBJECT -> Double.NaN;
    };
  }

  /**
   * Parses a number: decimal with optional sign and exponent, {@code 0x} hex, {@code 0o} octal,
   * {@code Infinity}. NaN when the text is none of these.
   *
   * @param coercion a string being converted (surrounding white space ignored, {@code ''} is 0,
   *     {@code NaN} accepted) rather than a literal (JSON form or hex/octal/Infinity only)
   */
  public static double parseNumber(String text, boolean coercion) {
    String t = coercion ? text.strip() : text;
    if (coercion && t.isEmpty()) {
      return 0;
    }
    if (HEX.matcher(t).matches()) {
      return new BigInteger(t.substring(2), 16).doubleValue();
    }
    if (OCTAL.matcher(t).matches()) {
      return new BigInteger(t.substring(2), 8).doubleValue();
    }
    switch (t) {
      case "Infinity", "+Infinity" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-Infinity" -> {
        return Double.NEGATIVE_INFINITY;
      }
      default -> {}
    }
    if ((coercion ? DECIMAL : JSON_NUMBER).matcher(t).matches()) {
      return Double.parseDouble(t);
    }
    return Double.NaN;
  }

  public static String toStr(Object value) {
    return switch (kind(value)) {
      case NULL -> "";
      case BOOLEAN -> value.toString();
      case NUMBER -> formatNumber(((Number) value).doubleValue());
      case STRING -> value.toString();
      case ARRAY -> "Array";
      case OBJECT -> "Object";
    };
  }

  /** {@code 3}, {@code 0.5}, {@code -2.99E-2} kept to 15 significant digits; {@code -0} is 0. */
  public static String formatNumber(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return "0";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    BigDecimal rounded = new BigDecimal(d).round(new MathContext(15)).stripTrailingZeros();
    if (Math.abs(d) >= 1e15 || Math.abs(d) < 1e-6) {
      return rounded.toString();
    }
    return rounded.toPlainString();
  }

  /** {@code ==}: GitHub's loose equality. */
  public static boolean looseEquals(Object a, Object b) {
    Kind ka = kind(a);
    Kind kb = kind(b);
    if (ka != kb) {
      double x = toNumber(a);
      double y = toNumber(b);
      return x == y;
    }
    return switch (ka) {
      case NULL -> true;
      case BOOLEAN -> a.equals(b);
      case NUMBER -> ((Number) a).doubleValue() == ((Number) b).doubleValue();
      case STRING -> upper(a).equals(upper(b));
      case ARRAY, OBJECT -> a == b;
    };
  }

  /**
   * The order of {@code a} and {@code b} for {@code < <= > >=}: negative, zero or positive, or null
   * when they are not ordered (NaN involved, arrays, objects).
   */
  public static Integer compare(Object a, Object b) {
    Kind ka = kind(a);
    Kind kb = kind(b);
    if (ka != kb || ka == Kind.NUMBER) {
      double x = toNumber(a);
      double y = toNumber(b);
      if (Double.isNaN(x) || Double.isNaN(y)) {
        return null;
      }
      return Double.compare(x == 0 ? 0 : x, y == 0 ? 0 : y);
    }
    return switch (ka) {
      case NULL -> 0;
      case BOOLEAN -> Boolean.compare((Boolean) a, (Boolean) b);
      case STRING -> Integer.signum(upper(a).compareTo(upper(b)));
      default -> null;
    };
  }

  /** The property {@code name} of an object (case-insensitive), else null. */
  public static Object property(Object target, String name) {
    if (!(target instanceof Map<?, ?> map)) {
      return null;
    }
    if (map.containsKey(name)) {
      return map.get(name);
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (e.getKey() instanceof String key && key.equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static String upper(Object s) {
    return fold(s.toString());
  }

  /**
   * Upper-cases each character on its own (an ordinal comparison ignoring case, as GitHub's): no
   * locale rules, and no character turns into two ({@code ß} stays).
   */
  public static String fold(String s) {
    char[] chars = s.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      chars[i] = Character.toUpperCase(chars[i]);
    }
    return new String(chars);
  }
}
