package io.opsflow.device.telemetry;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RELP frame (rsyslog's Reliable Event Logging Protocol): {@code TXNR SP COMMAND SP DATALEN [SP
 * DATA] LF}. TXNR is 1 to 9 digits (0 only in the server's {@code serverclose}), COMMAND 1 to 32
 * ASCII letters, DATALEN 1 to 9 digits giving the byte length of DATA; DATA and the space before it
 * are absent when DATALEN is 0. {@link #read} is strict: anything else is a {@link Malformed}
 * frame, since a RELP stream cannot be re-synchronised after one.
 *
 * @param txnr the transaction number the response must carry
 * @param command {@code open}, {@code syslog}, {@code close}, {@code rsp}, {@code serverclose}
 * @param data the frame's data (a syslog message, offers, a response), empty when DATALEN is 0
 */
public record RelpFrame(long txnr, String command, byte[] data) {

  /** Largest transaction number; the sender wraps to 1 after it. */
  public static final long MAX_TXNR = 999_999_999L;

  private static final int MAX_DIGITS = 9;
  private static final int MAX_COMMAND = 32;

  /** A frame that breaks the RELP grammar or a limit; the reason says which part. */
  public static final class Malformed extends IOException {
    private final String reason;

    Malformed(String reason, String message) {
      super(message);
      this.reason = reason;
    }

    /** A short tag for metrics: {@code txnr}, {@code command}, {@code datalen}, ... */
    public String reason() {
      return reason;
    }
  }

  public RelpFrame {
    if (txnr < 0 || txnr > MAX_TXNR) {
      throw new IllegalArgumentException("txnr must be 0.." + MAX_TXNR + ", got " + txnr);
    }
    if (command.isEmpty()
        || command.length() > MAX_COMMAND
        || !command.chars().allMatch(RelpFrame::isAlpha)) {
      throw new IllegalArgumentException("command must be 1 to 32 ASCII letters: " + command);
    }
  }

  /** A frame with text data (UTF-8). */
  public static RelpFrame of(long txnr, String command, String data) {
    return new RelpFrame(txnr, command, data.getBytes(StandardCharsets.UTF_8));
  }

  /** The data as UTF-8 text. */
  public String text() {
    return new String(data, StandardCharsets.UTF_8);
  }

  /** The frame on the wire. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 32);
    String header = txnr + " " + command + " " + data.length;
    out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    if (data.length > 0) {
      out.write(' ');
      out.writeBytes(data);
    }
    out.write('\n');
    return out.toByteArray();
  }

  /**
   * Offers of an {@code open} command or its response: one {@code name=value} (or bare name) per
   * line, after the status line in a response.
   */
  public static Map<String, String> offers(String text) {
    Map<String, String> offers = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int eq = line.indexOf('=');
      offers.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? "" : line.substring(eq + 1));
    }
    return offers;
  }

  /**
   * Reads the next frame.
   *
   * @param maxData largest DATALEN accepted; a bigger frame is {@link Malformed} (reason {@code
   *     too_big}) before any of its data is read
   * @return the frame, or null when the stream ends between frames
   * @throws Malformed when the bytes break the grammar
   * @throws EOFException when the stream ends inside a frame (the peer went away)
   */
  public static RelpFrame read(InputStream in, int maxData) throws IOException {
    int b = in.read();
    if (b < 0) {
      return null;
    }
    Number txnr = number(in, b, "txnr");
    if (txnr.after() != ' ') {
      throw new Malformed(
          "txnr", "space expected after txnr " + txnr.value() + ", got byte " + txnr.after());
    }
    StringBuilder command = new StringBuilder(8);
    while ((b = next(in)) != ' ') {
      if (!isAlpha(b) || command.length() == MAX_COMMAND) {
        throw new Malformed(
            "command", "command must be 1 to 32 letters followed by a space, got byte " + b);
      }
      command.append((char) b);
    }
    if (command.isEmpty()) {
      throw new Malformed("command", "command missing after txnr " + txnr.value());
    }
    String frame = txnr.value() + " " + command;
    Number datalen = number(in, next(in), "datalen");
    if (datalen.value() > maxData) {
      throw new Malformed(
          "too_big", "frame " + frame + " has " + datalen.value() + " bytes, limit " + maxData);
    }
    b = datalen.after();
    byte[] data;
    if (datalen.value() == 0) {
      if (b == ' ') {
        b = next(in); // "0 " before the LF: tolerated
      }
      data = new byte[0];
    } else {
      if (b != ' ') {
        throw new Malformed(
            "datalen", "space expected after datalen " + datalen.value() + ", got byte " + b);
      }
      data = in.readNBytes((int) datalen.value());
      if (data.length < datalen.value()) {
        throw new EOFException("stream ended inside the data of frame " + frame);
      }
      b = next(in);
    }
    if (b != '\n') {
      throw new Malformed("trailer", "frame " + frame + " must end with LF after its data");
    }
    return new RelpFrame(txnr.value(), command.toString(), data);
  }

  /** A decimal number and the byte after it. */
  private record Number(long value, int after) {}

  /** 1 to 9 digits starting with {@code first}. */
  private static Number number(InputStream in, int first, String field) throws IOException {
    if (first < '0' || first > '9') {
      throw new Malformed(field, field + " must start with a digit, got byte " + first);
    }
    long value = first - '0';
    int digits = 1;
    int b;
    while ((b = next(in)) >= '0' && b <= '9') {
      if (++digits > MAX_DIGITS) {
        throw new Malformed(field, field + " longer than " + MAX_DIGITS + " digits");
      }
      value = value * 10 + (b - '0');
    }
    return new Number(value, b);
  }

  private static boolean isAlpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static int next(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("stream ended inside a frame");
    }
    return b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RelpFrame f
        && f.txnr == txnr
        && f.command.equals(command)
        && Arrays.equals(f.data, data);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(txnr) * 31 + command.hashCode() * 17 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return txnr + " " + command + " " + data.length;
  }
}
