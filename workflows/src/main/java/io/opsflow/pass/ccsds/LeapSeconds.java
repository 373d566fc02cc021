package io.opsflow.pass.ccsds;

import java.time.Instant;

/**
 * TAI - UTC since 1972 (IERS Bulletin C; unchanged since 2017-01-01, 37 s). TAI readings are
 * expressed as Instants on the same axis as UTC ones: the TAI reading at UTC instant u is u + (TAI
 * - UTC). Before 1972 UTC ran at a different rate with fractional steps; those dates are refused
 * rather than guessed.
 */
final class LeapSeconds {

  /** 1958-01-01T00:00:00: the CCSDS epoch (as a TAI reading for CUC, a UTC date for CDS). */
  static final Instant CCSDS_EPOCH = Instant.parse("1958-01-01T00:00:00Z");

  static final Instant FIRST = Instant.parse("1972-01-01T00:00:00Z");

  // UTC start of each TAI - UTC value, and the value (seconds).
  private static final String[] STARTS = {
    "1972-01-01", "1972-07-01", "1973-01-01", "1974-01-01", "1975-01-01", "1976-01-01",
    "1977-01-01", "1978-01-01", "1979-01-01", "1980-01-01", "1981-07-01", "1982-07-01",
    "1983-07-01", "1985-07-01", "1988-01-01", "1990-01-01", "1991-01-01", "1992-07-01",
    "1993-07-01", "1994-07-01", "1996-01-01", "1997-07-01", "1999-01-01", "2006-01-01",
    "2009-01-01", "2012-07-01", "2015-07-01", "2017-01-01"
  };
  private static final long[] START_SECONDS = new long[STARTS.length];

  static {
    for (int i = 0; i < STARTS.length; i++) {
      START_SECONDS[i] = Instant.parse(STARTS[i] + "T00:00:00Z").getEpochSecond();
    }
  }

  private LeapSeconds() {}

  /** TAI - UTC in seconds at {@code utc} (1972 or later). */
  static int taiMinusUtc(Instant utc) {
    for (int i = START_SECONDS.length - 1; i >= 0; i--) {
      if (utc.getEpochSecond() >= START_SECONDS[i]) {
        return 10 + i;
      }
    }
    throw new IllegalArgumentException(
        utc + " is before 1972-01-01: TAI - UTC was not a whole number of seconds");
  }

  /** The TAI reading at UTC instant {@code utc}. */
  static Instant utcToTai(Instant utc) {
    return utc.plusSeconds(taiMinusUtc(utc));
  }

  /**
   * The UTC instant of TAI reading {@code tai}. An inserted leap second (23:59:60 UTC) has no
   * Instant: its TAI second reads as 00:00:00 of the next day, like the second after it.
   */
  static Instant taiToUtc(Instant tai) {
    for (int i = START_SECONDS.length - 1; i >= 0; i--) {
      Instant utc = tai.minusSeconds(10 + i);
      if (utc.getEpochSecond() >= START_SECONDS[i]) {
        return utc;
      }
    }
    throw new IllegalArgumentException(
        "TAI " + tai + " is before 1972-01-01 UTC: TAI - UTC was not a whole number of seconds");
  }
}
