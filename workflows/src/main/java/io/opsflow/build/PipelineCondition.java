package io.opsflow.build;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A job's {@code if:}: one of the status functions, optionally inside {@code ${{ }}}. */
final class PipelineCondition {

  static final String SUPPORTED = "success(), failure(), always() or !cancelled()";

  private static final Pattern WRAPPED = Pattern.compile("\\$\\{\\{(.*)}}", Pattern.DOTALL);
  private static final Pattern FUNCTION =
      Pattern.compile("(success|failure|always|!\\s*cancelled)\\s*\\(\\s*\\)");

  private PipelineCondition() {}

  /** The condition, or null when {@code text} is not one opsflow evaluates. */
  static JobCondition parse(String text) {
    String expression = text.strip();
    Matcher wrapped = WRAPPED.matcher(expression);
    if (wrapped.matches()) {
      expression = wrapped.group(1).strip();
    }
    Matcher function = FUNCTION.matcher(expression);
    if (!function.matches()) {
      return null;
    }
    return switch (function.group(1)) {
      case "success" -> JobCondition.SUCCESS;
      case "failure" -> JobCondition.FAILURE;
      case "always" -> JobCondition.ALWAYS;
      default -> JobCondition.NOT_CANCELLED;
    };
  }
}
