package io.opsflow.build.runner;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into text lines, the same way every time it reads the same bytes: that is what
 * lets a re-attached runner number lines exactly as before and skip the ones already stored. Lines
 * end at {@code \n} (a trailing {@code \r} is dropped), are decoded as UTF-8 (malformed bytes
 * become U+FFFD) and keep at most {@link #MAX_LINE_BYTES} bytes, followed by a marker naming how
 * much was cut, so a single endless line cannot exhaust memory. Not thread-safe.
 */
public final class LineSplitter {

  /** The most bytes of one line kept. */
  public static final int MAX_LINE_BYTES = 64 * 1024;

  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private long dropped;

  /** Feeds bytes; every line they complete goes to {@code out}, in order. */
  public void feed(byte[] bytes, int offset, int length, Consumer<String> out) {
    int start = offset;
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      if (bytes[i] == '\n') {
        keep(bytes, start, i - start);
        out.accept(take());
        start = i + 1;
      }
    }
    keep(bytes, start, end - start);
  }

  /** Whether bytes of an unterminated line are pending. */
  public boolean hasPartialLine() {
    return line.size() > 0 || dropped > 0;
  }

  /** Ends the stream: a pending unterminated line goes to {@code out} as the last line. */
  public void finish(Consumer<String> out) {
    if (hasPartialLine()) {
      out.accept(take());
    }
  }

  private void keep(byte[] bytes, int from, int length) {
    int room = MAX_LINE_BYTES - line.size();
    int kept = Math.min(room, length);
    line.write(bytes, from, kept);
    dropped += length - kept;
  }

  private String take() {
    byte[] raw = line.toByteArray();
    int length = raw.length;
    if (dropped == 0 && length > 0 && raw[length - 1] == '\r') {
      length--;
    }
    String text = new String(raw, 0, length, StandardCharsets.UTF_8);
    if (dropped > 0) {
      text += " [line truncated: " + dropped + " more bytes]";
    }
    line.reset();
    dropped = 0;
    return text;
  }
}
