package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.opsflow.pass.PassReport.TimeCorrelation;
import io.opsflow.pass.TimeCorrelationFit.Sample;
import io.opsflow.pass.ccsds.CucTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class TimeCorrelationFitTest {

  private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

  /**
   * A spacecraft clock as the ground-station simulator runs it: onboard = ground + offset + drift
   * (ppm of the time since start), read through the CUC 4+2 time code the TM carries (1/65536 s),
   * received with up to 2 ms of jitter.
   */
  @Test
  void recoversTheOffsetAndDriftOfASimulatedOnboardClock() {
    Duration offset = Duration.ofMillis(2500);
    double driftPpm = 20;
    Random jitter = new Random(7);
    List<Sample> samples = new ArrayList<>();
    for (int s = 0; s < 600; s++) {
      Instant sent = START.plusSeconds(s);
      Instant onboard = sent.plus(offset).plusNanos(Math.round(s * 1e9 * driftPpm / 1e6));
      Instant coded = CucTime.of(onboard, 4, 2).toInstant();
      Instant received = sent.plusNanos(jitter.nextInt(2_000_000));
      samples.add(new Sample(coded, received));
    }

    TimeCorrelation fit = TimeCorrelationFit.fit(samples);

    assertThat(fit.samples()).isEqualTo(600);
    // ground - onboard = -(offset + drift * elapsed): the onboard clock runs fast, drift < 0.
    assertThat(fit.driftPpm()).isCloseTo(-20, within(0.1));
    double elapsedAtEpoch = Duration.between(START, fit.epoch()).toNanos() / 1e9 - 2.5;
    assertThat(fit.offsetSeconds()).isCloseTo(-2.5 - 20e-6 * elapsedAtEpoch + 0.001, within(1e-4));
    // The epoch is the middle of the pass, onboard.
    assertThat(fit.epoch()).isBetween(START.plusSeconds(301), START.plusSeconds(303));
    // Uniform jitter of 0..2 ms: about 0.58 ms RMS.
    assertThat(fit.residualRmsSeconds()).isBetween(0.0004, 0.0008);
    Instant predicted = TimeCorrelationFit.groundTime(fit, samples.get(100).onboard());
    assertThat(Duration.between(START.plusSeconds(100), predicted).abs())
        .isLessThan(Duration.ofMillis(2));
  }

  @Test
  void noSamplesNoFitOneSampleAnOffsetOnly() {
    assertThat(TimeCorrelationFit.fit(List.of())).isNull();

    TimeCorrelation one =
        TimeCorrelationFit.fit(List.of(new Sample(START, START.plusMillis(1500))));

    assertThat(one.samples()).isEqualTo(1);
    assertThat(one.epoch()).isEqualTo(START);
    assertThat(one.offsetSeconds()).isEqualTo(1.5);
    assertThat(one.driftPpm()).isZero();
    assertThat(one.residualRmsSeconds()).isZero();
  }

  /**
   * Any noiseless line is recovered: offset to the nanosecond, drift to what nanosecond timestamps
   * resolve over the samples' span (1 ns over 1 s is 0.001 ppm).
   */
  @Property(tries = 300)
  void aNoiselessLineIsRecovered(
      @ForAll @LongRange(min = 0, max = 3_000_000_000L) long startSecond,
      @ForAll @DoubleRange(min = -1000, max = 1000) double offsetSeconds,
      @ForAll @DoubleRange(min = -500, max = 500) double driftPpm,
      @ForAll @IntRange(min = 2, max = 400) int count,
      @ForAll @IntRange(min = 1, max = 60_000) int stepMillis) {
    Instant epoch = Instant.ofEpochSecond(startSecond);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Instant onboard = epoch.plusMillis((long) i * stepMillis);
      double x = (long) i * stepMillis / 1000.0;
      double delta = offsetSeconds + driftPpm / 1e6 * x;
      samples.add(new Sample(onboard, onboard.plusNanos(Math.round(delta * 1e9))));
    }

    TimeCorrelation fit = TimeCorrelationFit.fit(samples);

    double epochX = Duration.between(epoch, fit.epoch()).toNanos() / 1e9;
    double span = (count - 1) * stepMillis / 1000.0;
    assertThat(fit.driftPpm()).isCloseTo(driftPpm, within(1e-6 + 2e-3 / span));
    assertThat(fit.offsetSeconds())
        .isCloseTo(offsetSeconds + driftPpm / 1e6 * epochX, within(2e-9 + 1e-12 * epochX));
    assertThat(fit.residualRmsSeconds()).isLessThan(2e-9);
    for (Sample s : samples) {
      assertThat(
              Duration.between(s.ground(), TimeCorrelationFit.groundTime(fit, s.onboard())).abs())
          .isLessThanOrEqualTo(Duration.ofNanos(5));
    }
  }
}
