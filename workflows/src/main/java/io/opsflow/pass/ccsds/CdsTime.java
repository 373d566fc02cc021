package io.opsflow.pass.ccsds;

import java.time.Duration;
import java.time.Instant;

/**
 * CCSDS Day Segmented time code (CDS, CCSDS 301.0-B-4 3.3): days since the epoch, milliseconds of
 * the day and an optional sub-millisecond segment, preceded by a one-octet P-field:
 *
 * <pre>
 * bit 7: extension flag 0 | bits 6-4: 100 | bit 3: epoch (0 = 1958-01-01, 1 = agency)
 * bit 2: day segment (0 = 16 bits, 1 = 24 bits)
 * bits 1-0: sub-millisecond segment (00 none, 01 microseconds in 16 bits, 10 picoseconds in 32)
 * </pre>
 *
 * <p>Time scale: CDS counts UTC days, so a day is a calendar day and no leap-second offset is
 * applied. The standard lets milliseconds of day reach 86,400,999 inside an inserted leap second; a
 * java.time {@link Instant} cannot name 23:59:60, so such codes are refused when decoding.
 * Picoseconds are truncated to nanoseconds by {@link #toInstant()}.
 */
public record CdsTime(
    boolean agencyEpoch,
    boolean longDays,
    SubMillis subMillis,
    long day,
    long millisOfDay,
    long subMilli)
    implements TimeCode {

  public static final long MILLIS_PER_DAY = 86_400_000L;

  /** The sub-millisecond segment. */
  public enum SubMillis {
    NONE(0, 1),
    MICROS(2, 1_000),
    PICOS(4, 1_000_000_000L);

    final int octets;
    final long perMilli;

    SubMillis(int octets, long perMilli) {
      this.octets = octets;
      this.perMilli = perMilli;
    }
  }

  public CdsTime {
    if (subMillis == null) {
      throw new IllegalArgumentException("sub-millisecond resolution is required");
    }
    if (day < 0 || day >= 1L << (longDays ? 24 : 16)) {
      throw new IllegalArgumentException(
          "day " + day + " does not fit the " + (longDays ? 24 : 16) + "-bit day segment");
    }
    if (millisOfDay < 0 || millisOfDay >= MILLIS_PER_DAY) {
      throw new IllegalArgumentException("milliseconds of day " + millisOfDay + " outside a day");
    }
    if (subMilli < 0 || subMilli >= subMillis.perMilli) {
      throw new IllegalArgumentException(
          "sub-millisecond " + subMilli + " outside 0.." + (subMillis.perMilli - 1));
    }
  }

  /** A level-1 code (1958-01-01) for {@code utc}, truncated to the resolution. */
  public static CdsTime of(Instant utc, boolean longDays, SubMillis subMillis) {
    return of(false, Duration.between(LeapSeconds.CCSDS_EPOCH, utc), longDays, subMillis);
  }

  /** A level-2 code counting from {@code agencyEpoch}, truncated to the resolution. */
  public static CdsTime ofAgency(
      Instant instant, Instant agencyEpoch, boolean longDays, SubMillis subMillis) {
    return of(true, Duration.between(agencyEpoch, instant), longDays, subMillis);
  }

  private static CdsTime of(boolean agency, Duration since, boolean longDays, SubMillis sub) {
    if (since.isNegative()) {
      throw new IllegalArgumentException("instant before the epoch by " + since.negated());
    }
    long nanosOfMilli = since.getNano() % 1_000_000;
    long subMilli =
        switch (sub) {
          case NONE -> 0;
          case MICROS -> nanosOfMilli / 1_000;
          case PICOS -> nanosOfMilli * 1_000;
        };
    return new CdsTime(
        agency,
        longDays,
        sub,
        since.getSeconds() / 86_400,
        (since.getSeconds() % 86_400) * 1_000 + since.getNano() / 1_000_000,
        subMilli);
  }

  public int pField() {
    return (0b100 << 4) | (agencyEpoch ? 0x08 : 0) | (longDays ? 0x04 : 0) | subMillis.ordinal();
  }

  @Override
  public int length() {
    return 1 + (longDays ? 3 : 2) + 4 + subMillis.octets;
  }

  @Override
  public byte[] encode() {
    byte[] out = new byte[length()];
    int dayOctets = longDays ? 3 : 2;
    out[0] = (byte) pField();
    TimeCode.put(out, 1, dayOctets, day);
    TimeCode.put(out, 1 + dayOctets, 4, millisOfDay);
    TimeCode.put(out, 5 + dayOctets, subMillis.octets, subMilli);
    return out;
  }

  public Duration sinceEpoch() {
    long nanos =
        switch (subMillis) {
          case NONE -> 0;
          case MICROS -> subMilli * 1_000;
          case PICOS -> subMilli / 1_000;
        };
    return Duration.ofDays(day).plusMillis(millisOfDay).plusNanos(nanos);
  }

  @Override
  public Instant toInstant() {
    if (agencyEpoch) {
      throw new IllegalStateException("a CDS with an agency-defined epoch needs that epoch");
    }
    return LeapSeconds.CCSDS_EPOCH.plus(sinceEpoch());
  }

  @Override
  public Instant toInstant(Instant agencyEpoch) {
    return (this.agencyEpoch ? agencyEpoch : LeapSeconds.CCSDS_EPOCH).plus(sinceEpoch());
  }

  static CdsTime decode(byte[] bytes, int offset, int available, long reportedOffset) {
    int pField = bytes[offset] & 0xFF;
    if ((pField & 0b11) == 0b11) {
      throw new CcsdsFormatException(
          "CDS P-field", reportedOffset, "sub-millisecond resolution 11 is reserved");
    }
    boolean longDays = (pField & 0x04) != 0;
    SubMillis subMillis = SubMillis.values()[pField & 0b11];
    int dayOctets = longDays ? 3 : 2;
    TimeCode.require(
        available, 1 + dayOctets + 4 + subMillis.octets, "CDS T-field", reportedOffset + 1);
    long millis = TimeCode.unsigned(bytes, offset + 1 + dayOctets, 4);
    if (millis >= MILLIS_PER_DAY) {
      throw new CcsdsFormatException(
          "CDS milliseconds of day",
          reportedOffset + 1 + dayOctets,
          millis < MILLIS_PER_DAY + 1_000
              ? millis + " is inside a leap second (23:59:60), which an Instant cannot represent"
              : millis + " exceeds a day (at most 86400999 with a leap second)");
    }
    long subMilli = TimeCode.unsigned(bytes, offset + 5 + dayOctets, subMillis.octets);
    if (subMilli >= subMillis.perMilli) {
      throw new CcsdsFormatException(
          "CDS sub-milliseconds",
          reportedOffset + 5 + dayOctets,
          subMilli + " exceeds " + (subMillis.perMilli - 1));
    }
    return new CdsTime(
        (pField & 0x08) != 0,
        longDays,
        subMillis,
        TimeCode.unsigned(bytes, offset + 1, dayOctets),
        millis,
        subMilli);
  }
}
