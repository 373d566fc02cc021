package io.opsflow.pass.ccsds;

import java.time.Duration;
import java.time.Instant;

/**
 * CCSDS Unsegmented time Code (CUC, CCSDS 301.0-B-4 3.2): {@code coarse} whole seconds and {@code
 * fine} binary fractions of a second (fine / 256^fineOctets) since the epoch, preceded by a
 * one-octet P-field:
 *
 * <pre>
 * bit 7: extension flag 0 | bits 6-4: 001 (epoch 1958-01-01 TAI) or 010 (agency epoch)
 * bits 3-2: coarse octets - 1 (1..4) | bits 1-0: fine octets (0..3)
 * </pre>
 *
 * <p>Time scale: with the CCSDS epoch the count is TAI seconds (no leap seconds), so converting to
 * and from a UTC {@link Instant} applies TAI - UTC ({@link LeapSeconds}; 37 s since 2017; dates
 * before 1972 are refused). With an agency epoch the count is taken as elapsed seconds of the
 * mission clock on Java's time scale (86,400 s a day, no leap seconds applied): an onboard clock is
 * correlated to ground UTC by time correlation anyway, which absorbs such offsets.
 */
public record CucTime(boolean agencyEpoch, int coarseOctets, int fineOctets, long coarse, long fine)
    implements TimeCode {

  public CucTime {
    if (coarseOctets < 1 || coarseOctets > 4) {
      throw new IllegalArgumentException("coarse octets " + coarseOctets + " outside 1..4");
    }
    if (fineOctets < 0 || fineOctets > 3) {
      throw new IllegalArgumentException("fine octets " + fineOctets + " outside 0..3");
    }
    if (coarse < 0 || coarse >= 1L << (8 * coarseOctets)) {
      throw new IllegalArgumentException(
          "coarse time " + coarse + " does not fit " + coarseOctets + " octets");
    }
    if (fine < 0 || fine >= 1L << (8 * fineOctets)) {
      throw new IllegalArgumentException(
          "fine time " + fine + " does not fit " + fineOctets + " octets");
    }
  }

  /** A level-1 code (epoch 1958-01-01 TAI) for UTC instant {@code utc}, truncated to the format. */
  public static CucTime of(Instant utc, int coarseOctets, int fineOctets) {
    Duration sinceEpoch = Duration.between(LeapSeconds.CCSDS_EPOCH, LeapSeconds.utcToTai(utc));
    return of(false, sinceEpoch, coarseOctets, fineOctets);
  }

  /** A level-2 code counting from {@code agencyEpoch}, truncated to the format. */
  public static CucTime ofAgency(
      Instant instant, Instant agencyEpoch, int coarseOctets, int fineOctets) {
    return of(true, Duration.between(agencyEpoch, instant), coarseOctets, fineOctets);
  }

  private static CucTime of(boolean agency, Duration since, int coarseOctets, int fineOctets) {
    if (since.isNegative()) {
      throw new IllegalArgumentException("instant before the epoch by " + since.negated());
    }
    long fine = ((long) since.getNano() << (8 * fineOctets)) / 1_000_000_000L;
    return new CucTime(agency, coarseOctets, fineOctets, since.getSeconds(), fine);
  }

  public int pField() {
    return ((agencyEpoch ? 0b010 : 0b001) << 4) | ((coarseOctets - 1) << 2) | fineOctets;
  }

  @Override
  public int length() {
    return 1 + coarseOctets + fineOctets;
  }

  @Override
  public byte[] encode() {
    byte[] out = new byte[length()];
    out[0] = (byte) pField();
    TimeCode.put(out, 1, coarseOctets, coarse);
    TimeCode.put(out, 1 + coarseOctets, fineOctets, fine);
    return out;
  }

  /** Time since the epoch; the fraction rounds up to the nanosecond, so it re-encodes to itself. */
  public Duration sinceEpoch() {
    long denominator = 1L << (8 * fineOctets);
    long nanos = Math.ceilDiv(fine * 1_000_000_000L, denominator);
    return Duration.ofSeconds(coarse, nanos);
  }

  @Override
  public Instant toInstant() {
    if (agencyEpoch) {
      throw new IllegalStateException("a CUC with an agency-defined epoch needs that epoch");
    }
    return LeapSeconds.taiToUtc(LeapSeconds.CCSDS_EPOCH.plus(sinceEpoch()));
  }

  @Override
  public Instant toInstant(Instant agencyEpoch) {
    return this.agencyEpoch ? agencyEpoch.plus(sinceEpoch()) : toInstant();
  }

  static CucTime decode(byte[] bytes, int offset, int available, long reportedOffset) {
    int pField = bytes[offset] & 0xFF;
    int coarseOctets = ((pField >>> 2) & 0b11) + 1;
    int fineOctets = pField & 0b11;
    TimeCode.require(available, 1 + coarseOctets + fineOctets, "CUC T-field", reportedOffset + 1);
    return new CucTime(
        ((pField >>> 4) & 0b111) == 0b010,
        coarseOctets,
        fineOctets,
        TimeCode.unsigned(bytes, offset + 1, coarseOctets),
        TimeCode.unsigned(bytes, offset + 1 + coarseOctets, fineOctets));
  }
}
