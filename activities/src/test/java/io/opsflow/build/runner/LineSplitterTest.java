package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

  private final LineSplitter splitter = new LineSplitter();
  private final List<String> lines = new ArrayList<>();

  private void feed(String text) {
    feed(text.getBytes(StandardCharsets.UTF_8));
  }

  private void feed(byte[] bytes) {
    splitter.feed(bytes, 0, bytes.length, lines::add);
  }

  @Test
  void linesEndAtNewlineAndLoseATrailingCarriageReturn() {
    feed("one\r\ntwo\n\nthree");

    assertThat(lines).containsExactly("one", "two", "");
    assertThat(splitter.hasPartialLine()).isTrue();
    splitter.finish(lines::add);
    assertThat(lines).containsExactly("one", "two", "", "three");
  }

  @Test
  void theSameBytesGiveTheSameLinesHoweverTheyAreChunked() {
    byte[] text = "héllo wörld\nsecond ✓ line\n".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < text.length; i++) {
      splitter.feed(text, i, 1, lines::add);
    }

    assertThat(lines).containsExactly("héllo wörld", "second ✓ line");
  }

  @Test
  void anOverlongLineIsCutAndMarked() {
    byte[] longLine = new byte[LineSplitter.MAX_LINE_BYTES + 10];
    java.util.Arrays.fill(longLine, (byte) 'x');
    feed(longLine);
    feed("\nnext\n");

    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .startsWith("xxx")
        .endsWith(" [line truncated: 10 more bytes]")
        .hasSize(LineSplitter.MAX_LINE_BYTES + " [line truncated: 10 more bytes]".length());
    assertThat(lines.get(1)).isEqualTo("next");
  }

  @Test
  void finishWithoutPendingBytesAddsNothing() {
    feed("done\n");
    splitter.finish(lines::add);

    assertThat(lines).containsExactly("done");
  }
}
