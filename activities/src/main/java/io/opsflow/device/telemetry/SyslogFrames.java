package io.opsflow.device.telemetry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a TCP syslog stream into messages (RFC 6587), deciding per frame: a frame starting with a
 * digit is octet-counted ({@code MSG-LEN SP MSG}), anything else runs to the next LF (a CR before
 * it is dropped too). So one connection may even mix the two. Longer than the maximum, a message is
 * cut and the rest of its frame discarded; a malformed count is read as the start of a newline
 * frame, so nothing is lost.
 */
final class SyslogFrames {

  private static final int MAX_COUNT_DIGITS = 9;

  private final InputStream in;
  private final int max;

  SyslogFrames(InputStream in, int maxMessageLength) {
    this.in = in;
    this.max = maxMessageLength;
  }

  /** The next message's text, or null at the end of the stream. */
  String next() throws IOException {
    int first = in.read();
    while (first == '\n' || first == '\r') {
      first = in.read(); // blank lines between frames
    }
    if (first < 0) {
      return null;
    }
    ByteArrayOutputStream frame = new ByteArrayOutputStream(256);
    if (first >= '1' && first <= '9') {
      int length = first - '0';
      frame.write(first);
      int digits = 1;
      int b = in.read();
      while (b >= '0' && b <= '9' && digits < MAX_COUNT_DIGITS) {
        length = length * 10 + (b - '0');
        frame.write(b);
        digits++;
        b = in.read();
      }
      if (b == ' ') {
        return counted(length);
      }
      // Not a count after all: what was read starts a newline-framed message.
      if (b < 0 || b == '\n') {
        return text(frame);
      }
      frame.write(b);
    } else {
      frame.write(first);
    }
    return line(frame);
  }

  private String counted(int length) throws IOException {
    byte[] kept = in.readNBytes(Math.min(length, max));
    long rest = length - kept.length;
    while (rest > 0) {
      long skipped = in.skip(rest);
      if (skipped <= 0) {
        if (in.read() < 0) {
          break;
        }
        skipped = 1;
      }
      rest -= skipped;
    }
    return new String(kept, StandardCharsets.UTF_8);
  }

  private String line(ByteArrayOutputStream frame) throws IOException {
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (frame.size() < max) {
        frame.write(b);
      }
    }
    byte[] bytes = frame.toByteArray();
    int length = bytes.length;
    if (length > 0 && bytes[length - 1] == '\r') {
      length--;
    }
    return new String(bytes, 0, length, StandardCharsets.UTF_8);
  }

  private static String text(ByteArrayOutputStream frame) {
    return frame.toString(StandardCharsets.UTF_8);
  }
}
