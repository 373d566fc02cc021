package io.opsflow.build.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The built-in functions, by lower-case name (arity is checked by the parser). */
final class Functions {

  static final Set<String> STATUS = Set.of("success", "failure", "always", "cancelled");

  private Functions() {}

  static Object call(String name, List<Object> args, ExprContext context) {
    return switch (name) {
      case "contains" -> contains(args.get(0), args.get(1));
      case "startswith" -> upper(args.get(0)).startsWith(upper(args.get(1)));
      case "endswith" -> upper(args.get(0)).endsWith(upper(args.get(1)));
      case "format" -> format(Values.toStr(args.get(0)), args.subList(1, args.size()));
      case "join" -> join(args.get(0), args.size() > 1 ? Values.toStr(args.get(1)) : ",");
      case "tojson" -> Json.write(args.get(0));
      case "fromjson" -> Json.read(Values.toStr(args.get(0)));
      case "hashfiles" -> {
        List<String> patterns = new ArrayList<>();
        args.forEach(a -> patterns.add(Values.toStr(a)));
        yield context.hashFiles(patterns);
      }
      case "success", "failure", "always", "cancelled" -> context.status(name);
      default -> throw new ExprException("unrecognized function '" + name + "'", -1);
    };
  }

  /** An array holds an item equal to {@code item}; else text contains text (ignoring case). */
  private static boolean contains(Object search, Object item) {
    if (search instanceof List<?> list) {
      for (Object candidate : list) {
        if (Values.looseEquals(candidate, item)) {
          return true;
        }
      }
      return false;
    }
    if (Values.kind(search) == Values.Kind.OBJECT) {
      return false;
    }
    return upper(search).contains(upper(item));
  }

  private static String join(Object value, String separator) {
    if (value instanceof List<?> list) {
      List<String> parts = new ArrayList<>();
      list.forEach(v -> parts.add(Values.toStr(v)));
      return String.join(separator, parts);
    }
    if (Values.kind(value) == Values.Kind.OBJECT) {
      return "";
    }
    return Values.toStr(value);
  }

  /** {@code {0}} is the first argument; {@code {{} and {@code }}} stand for braces. */
  static String format(String template, List<Object> args) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c == '{' && i + 1 < template.length() && template.charAt(i + 1) == '{') {
        out.append('{');
        i += 2;
      } else if (c == '}' && i + 1 < template.length() && template.charAt(i + 1) == '}') {
        out.append('}');
        i += 2;
      } else if (c == '{') {
        int close = template.indexOf('}', i);
        String number = close < 0 ? "" : template.substring(i + 1, close);
        if (!number.matches("[0-9]{1,9}")) {
          throw new ExprException(
              "format(): invalid placeholder at index "
                  + i
                  + " of '"
                  + template
                  + "' (use {0}, {1}, ... and {{ or }} for a brace)",
              -1);
        }
        int n = Integer.parseInt(number);
        if (n >= args.size()) {
          throw new ExprException(
              "format(): placeholder {"
                  + n
                  + "} but only "
                  + args.size()
                  + " argument"
                  + (args.size() == 1 ? "" : "s")
                  + " after the format string",
              -1);
        }
        out.append(Values.toStr(args.get(n)));
        i = close + 1;
      } else if (c == '}') {
        throw new ExprException(
            "format(): unmatched '}' at index " + i + " of '" + template + "' (use }})", -1);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String upper(Object value) {
    return Values.fold(Values.toStr(value));
  }
}
