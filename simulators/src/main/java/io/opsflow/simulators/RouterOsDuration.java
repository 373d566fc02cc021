package io.opsflow.simulators;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** RouterOS time values: {@code 3600}, {@code 90s}, {@code 1d2h3m4s}, {@code 01:00:00}. */
final class RouterOsDuration {

  private static final Pattern UNITS = Pattern.compile("(\\d+)(w|d|h|ms|m|s)");
  private static final Pattern CLOCK =
      Pattern.compile("(?:(\\d+)d\\s*)?(\\d{1,2}):(\\d{2}):(\\d{2})");

  private RouterOsDuration() {}

  /** Parses a RouterOS time value; throws {@link IllegalArgumentException} when malformed. */
  static Duration parse(String text) {
    String s = text == null ? "" : text.trim();
    if (s.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(s));
    }
    Matcher clock = CLOCK.matcher(s);
    if (clock.matches()) {
      long days = clock.group(1) == null ? 0 : Long.parseLong(clock.group(1));
      return Duration.ofDays(days)
          .plusHours(Long.parseLong(clock.group(2)))
          .plusMinutes(Long.parseLong(clock.group(3)))
          .plusSeconds(Long.parseLong(clock.group(4)));
    }
    Matcher units = UNITS.matcher(s);
    Duration total = Duration.ZERO;
    int end = 0;
    while (units.find() && units.start() == end) {
      long n = Long.parseLong(units.group(1));
      total =
          total.plus(
              switch (units.group(2)) {
                case "w" -> Duration.ofDays(7 * n);
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "ms" -> Duration.ofMillis(n);
                default -> Duration.ofSeconds(n);
              });
      end = units.end();
    }
    if (end == 0 || end != s.length()) {
      throw new IllegalArgumentException("value of timeout is not a valid time: " + text);
    }
    return total;
  }

  /** Formats like RouterOS prints it: {@code 1w2d3h4m5s}, zero parts left out, {@code 0s}. */
  static String format(Duration duration) {
    long seconds = Math.max(0, duration.toSeconds());
    if (seconds == 0) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    long[] sizes = {7 * 86_400, 86_400, 3_600, 60, 1};
    String[] names = {"w", "d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      long n = seconds / sizes[i];
      seconds %= sizes[i];
      if (n > 0) {
        out.append(n).append(names[i]);
      }
    }
    return out.toString();
  }
}
