package io.opsflow.build;

import io.opsflow.build.PipelineTriggers.EventFilter;
import io.opsflow.build.PipelineTriggers.InputSpec;
import io.opsflow.build.expr.Values;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Whether a build's trigger matches the pipeline's {@code on:}, and its {@code workflow_dispatch}
 * inputs typed and checked. GitHub creates no run at all for an event whose filters do not match;
 * opsflow likewise refuses to start such a build (the API answers 422 with {@link #refusal}).
 */
public final class TriggerFilters {

  private TriggerFilters() {}

  /**
   * Why {@code trigger} does not start a pipeline with {@code triggers}, or null when it does.
   * {@code paths} filters are not checked: a trigger carries no changed files.
   */
  public static String refusal(PipelineTriggers triggers, BuildTrigger trigger) {
    if (triggers == null || triggers.events().isEmpty()) {
      return null;
    }
    String event = trigger.event();
    EventFilter filter = triggers.events().get(event);
    if (filter == null) {
      return "the pipeline does not run on '"
          + event
          + "' (on: "
          + String.join(", ", triggers.events().keySet())
          + ")";
    }
    boolean branchFilters = !filter.branches().isEmpty() || !filter.branchesIgnore().isEmpty();
    boolean tagFilters = !filter.tags().isEmpty() || !filter.tagsIgnore().isEmpty();
    if (!branchFilters && !tagFilters) {
      return null;
    }
    String ref = trigger.ref() == null ? "" : trigger.ref();
    if (ref.startsWith("refs/tags/")) {
      String tag = ref.substring("refs/tags/".length());
      if (!tagFilters) {
        return "on." + event + " filters branches only; tag '" + tag + "' does not run it";
      }
      return check(event, "tags", filter.tags(), filter.tagsIgnore(), tag);
    }
    String branch = ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : ref;
    if (!branchFilters) {
      return "on." + event + " filters tags only; branch '" + branch + "' does not run it";
    }
    return check(event, "branches", filter.branches(), filter.branchesIgnore(), branch);
  }

  private static String check(
      String event, String what, List<String> include, List<String> ignore, String name) {
    if (!include.isEmpty() && !matches(include, name)) {
      return "on." + event + "." + what + " " + include + " does not match '" + name + "'";
    }
    if (!ignore.isEmpty() && matches(ignore, name)) {
      return "on." + event + "." + what + "-ignore " + ignore + " matches '" + name + "'";
    }
    return null;
  }

  /** GitHub's rule: patterns in order, a later {@code !pattern} excluding what earlier matched. */
  static boolean matches(List<String> patterns, String name) {
    boolean matched = false;
    for (String p : patterns) {
      if (p.startsWith("!")) {
        if (matched && glob(p.substring(1)).matcher(name).matches()) {
          matched = false;
        }
      } else if (!matched && glob(p).matcher(name).matches()) {
        matched = true;
      }
    }
    return matched;
  }

  /**
   * A filter pattern as a regex: {@code *} any characters but {@code /}, {@code **} any characters,
   * {@code ?} and {@code +} zero-or-one and one-or-more of the preceding character, {@code [...]} a
   * character class.
   *
   * @throws IllegalArgumentException for an unclosed {@code [} or a leading {@code ?}/{@code +}
   */
  static Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> {
          if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
            regex.append(".*");
            i++;
          } else {
            regex.append("[^/]*");
          }
        }
        case '?', '+' -> {
          if (i == 0) {
            throw new IllegalArgumentException("'" + c + "' must follow a character");
          }
          regex.append(c);
        }
        case '[' -> {
          int close = pattern.indexOf(']', i);
          if (close < 0) {
            throw new IllegalArgumentException("'[' is not closed by ']'");
          }
          String chars = pattern.substring(i + 1, close);
          if (!chars.matches("[A-Za-z0-9._\\-]+")) {
            throw new IllegalArgumentException("a [] class holds letters, digits and ranges only");
          }
          regex.append('[').append(chars).append(']');
          i = close;
        }
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }

  /**
   * The {@code inputs} context: every declared input typed, defaults applied.
   *
   * @throws IllegalArgumentException naming the input ({@code inputs.<name>: ...})
   */
  public static Map<String, Object> inputs(
      PipelineTriggers triggers, String event, Map<String, Object> given) {
    Map<String, Object> supplied = given == null ? Map.of() : given;
    Map<String, InputSpec> declared = triggers == null ? Map.of() : triggers.inputs();
    for (String name : supplied.keySet()) {
      if (!declared.containsKey(name)) {
        throw new IllegalArgumentException(
            "inputs."
                + name
                + ": not declared in on.workflow_dispatch.inputs"
                + (declared.isEmpty() ? "" : " (declared: " + String.join(", ", declared.keySet()))
                + (declared.isEmpty() ? "" : ")"));
      }
    }
    if (!supplied.isEmpty() && !"workflow_dispatch".equals(event)) {
      throw new IllegalArgumentException(
          "inputs: only a workflow_dispatch build takes inputs (event is '" + event + "')");
    }
    Map<String, Object> inputs = new LinkedHashMap<>();
    if (!"workflow_dispatch".equals(event)) {
      return inputs;
    }
    for (Map.Entry<String, InputSpec> d : declared.entrySet()) {
      String name = d.getKey();
      InputSpec spec = d.getValue();
      Object value = supplied.get(name);
      if (value == null) {
        if (spec.defaultValue() == null) {
          if (spec.required()) {
            throw new IllegalArgumentException("inputs." + name + ": required, and has no default");
          }
          inputs.put(name, spec.type().equals("boolean") ? (Object) false : "");
          continue;
        }
        value = spec.defaultValue();
      }
      if (value instanceof Map<?, ?> || value instanceof List<?>) {
        throw new IllegalArgumentException(
            "inputs." + name + ": must be a " + spec.type() + ", not an object or a list");
      }
      String problem = inputProblem(name, spec, value);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      inputs.put(name, typed(spec, value));
    }
    return inputs;
  }

  /** Why {@code value} is not valid for input {@code name}, or null. */
  static String inputProblem(String name, InputSpec spec, Object value) {
    String text =
        value instanceof Number n ? Values.formatNumber(n.doubleValue()) : value.toString();
    return switch (spec.type()) {
      case "boolean" ->
          value instanceof Boolean || text.equals("true") || text.equals("false")
              ? null
              : "inputs." + name + ": must be true or false, got '" + text + "'";
      case "number" ->
          value instanceof Number || !Double.isNaN(Values.parseNumber(text, false))
              ? null
              : "inputs." + name + ": must be a number, got '" + text + "'";
      case "choice" ->
          spec.options().contains(text)
              ? null
              : "inputs." + name + ": must be one of " + spec.options() + ", got '" + text + "'";
      default -> null;
    };
  }

  private static Object typed(InputSpec spec, Object value) {
    return switch (spec.type()) {
      case "boolean" -> value instanceof Boolean b ? b : Boolean.parseBoolean(value.toString());
      case "number" ->
          value instanceof Number n ? n.doubleValue() : Values.parseNumber(value.toString(), false);
      default ->
          value instanceof Number n ? Values.formatNumber(n.doubleValue()) : value.toString();
    };
  }
}
