package io.opsflow.pass.ccsds;

/**
 * Bytes the CCSDS codec refuses: names the field and the octet offset (from the start of the
 * buffer, or of the stream for {@link SpacePacketStreamDecoder}) where the problem was found.
 */
public final class CcsdsFormatException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String field;
  private final long offset;

  public CcsdsFormatException(String field, long offset, String detail) {
    super(field + " at octet " + offset + ": " + detail);
    this.field = field;
    this.offset = offset;
  }

  /** The field that is wrong, e.g. {@code "packet version number"}. */
  public String field() {
    return field;
  }

  /** Octet offset of the field. */
  public long offset() {
    return offset;
  }
}
