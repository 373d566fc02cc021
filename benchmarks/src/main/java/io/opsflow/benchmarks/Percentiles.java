package io.opsflow.benchmarks;

import java.util.Arrays;

/** p50 / p99 / max of a sample, nearest-rank percentiles. */
record Percentiles(int count, double min, double p50, double p99, double max, double mean) {

  static final Percentiles EMPTY =
      new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

  static Percentiles of(double[] values) {
    if (values.length == 0) {
      return EMPTY;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return new Percentiles(
        sorted.length,
        sorted[0],
        rank(sorted, 0.50),
        rank(sorted, 0.99),
        sorted[sorted.length - 1],
        Arrays.stream(sorted).average().orElse(Double.NaN));
  }

  /** The nearest-rank quantile {@code q} (0..1) of a sample; NaN when it is empty. */
  static double quantile(double[] values, double q) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return rank(sorted, q);
  }

  private static double rank(double[] sorted, double q) {
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** "p50 / p99 / max" in milliseconds. */
  String triple() {
    return String.format("%s / %s / %s", ms(p50), ms(p99), ms(max));
  }

  static String ms(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return Math.abs(value) >= 100 ? String.format("%.0f", value) : String.format("%.1f", value);
  }
}
