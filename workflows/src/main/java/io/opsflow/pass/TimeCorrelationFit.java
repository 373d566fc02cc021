package io.opsflow.pass;

import io.opsflow.pass.PassReport.TimeCorrelation;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Fits the onboard clock against ground time: for each TM packet the onboard time (its secondary
 * header's time code) and the ground receive time (UTC), and by least squares the line {@code
 * ground - onboard = offset + drift * (onboard - epoch)}, the epoch being the mean onboard time so
 * offset and drift are uncorrelated. Pure and deterministic: the same samples give the same fit.
 *
 * <p>The residual RMS includes the link's delay jitter: with a constant delay the offset absorbs it
 * (ground time is when the ground station received the packet, not when it was sent).
 */
public final class TimeCorrelationFit {

  /** One TM packet's two clocks. */
  public record Sample(Instant onboard, Instant ground) {}

  private TimeCorrelationFit() {}

  /**
   * The fitted relation, null without samples. One sample, or samples all at one onboard time, give
   * an offset with no drift.
   */
  public static TimeCorrelation fit(List<Sample> samples) {
    int n = samples.size();
    if (n == 0) {
      return null;
    }
    // Seconds relative to the first sample, so doubles keep sub-microsecond precision.
    Instant origin = samples.get(0).onboard();
    double[] x = new double[n];
    double[] y = new double[n];
    double meanX = 0;
    for (int i = 0; i < n; i++) {
      Sample s = samples.get(i);
      x[i] = seconds(Duration.between(origin, s.onboard()));
      y[i] = seconds(Duration.between(s.onboard(), s.ground()));
      meanX += x[i];
    }
    meanX /= n;
    double meanY = 0;
    for (double v : y) {
      meanY += v;
    }
    meanY /= n;
    double sxx = 0;
    double sxy = 0;
    for (int i = 0; i < n; i++) {
      double dx = x[i] - meanX;
      sxx += dx * dx;
      sxy += dx * (y[i] - meanY);
    }
    double drift = sxx > 0 ? sxy / sxx : 0;
    // The line passes through (meanX, meanY): the offset at the epoch is the mean difference.
    double offset = meanY;
    double squares = 0;
    for (int i = 0; i < n; i++) {
      double residual = y[i] - (offset + drift * (x[i] - meanX));
      squares += residual * residual;
    }
    Instant epoch = origin.plusNanos(Math.round(meanX * 1e9));
    return new TimeCorrelation(n, epoch, offset, drift * 1e6, Math.sqrt(squares / n));
  }

  /** Ground time of {@code onboard} by a fitted relation. */
  public static Instant groundTime(TimeCorrelation fit, Instant onboard) {
    double x = seconds(Duration.between(fit.epoch(), onboard));
    double delta = fit.offsetSeconds() + fit.driftPpm() / 1e6 * x;
    return onboard.plusNanos(Math.round(delta * 1e9));
  }

  private static double seconds(Duration d) {
    return d.getSeconds() + d.getNano() / 1e9;
  }
}
