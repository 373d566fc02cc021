package io.opsflow.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads meters (resilience4j circuit breakers, counters) from {@code /actuator/prometheus}. */
final class BreakerMetrics {

  private static final Pattern STATE =
      Pattern.compile("(?m)^resilience4j_circuitbreaker_state\\{([^}]*)\\} ([0-9.]+)$");

  private BreakerMetrics() {}

  /** Sum of the samples of {@code metric} whose labels contain every one of {@code labels}. */
  static double sum(ApiClient api, String metric, String... labels) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)\\} ([0-9.Ee+-]+)$")
            .matcher(api.text("/actuator/prometheus"));
    double total = 0;
    while (m.find()) {
      boolean all = true;
      for (String label : labels) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  /**
   * The value of {@code resilience4j_circuitbreaker_state{name=<breaker>,state=<state>}}, or -1
   * when the breaker has no meter (it was never used).
   */
  static double state(ApiClient api, String name, String state) {
    Matcher m = STATE.matcher(api.text("/actuator/prometheus"));
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("name=\"" + name + "\"") && labels.contains("state=\"" + state + "\"")) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }
}
