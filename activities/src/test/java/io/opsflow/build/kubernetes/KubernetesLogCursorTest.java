package io.opsflow.build.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LogCursor}: whole-log reads of a growing log become numbered lines, each handed once. */
class KubernetesLogCursorTest {

  private final List<String> lines = new ArrayList<>();

  @Test
  void eachLineIsHandedOnceAcrossReads() {
    LogCursor cursor = new LogCursor(0, (n, l) -> lines.add(n + ":" + l));

    cursor.offer("a\nb\n", false);
    cursor.offer("a\nb\n", false);
    cursor.offer("a\nb\nc\n", false);

    assertThat(lines).containsExactly("0:a", "1:b", "2:c");
    assertThat(cursor.lines()).isEqualTo(3);
  }

  @Test
  void partialLastLineWaitsForItsNewlineOrTheEnd() {
    LogCursor cursor = new LogCursor(0, (n, l) -> lines.add(n + ":" + l));

    cursor.offer("a\npar", false);
    assertThat(lines).containsExactly("0:a");
    cursor.offer("a\npartial\nend", false);
    assertThat(lines).containsExactly("0:a", "1:partial");
    cursor.offer("a\npartial\nend", true);
    cursor.offer("a\npartial\nend", true);

    assertThat(lines).containsExactly("0:a", "1:partial", "2:end");
  }

  @Test
  void linesBeforeSkipAreCountedButNotHanded() {
    LogCursor cursor = new LogCursor(2, (n, l) -> lines.add(n + ":" + l));

    cursor.offer("a\nb\nc\r\nd\n", false);

    assertThat(lines).containsExactly("2:c", "3:d");
    assertThat(cursor.lines()).isEqualTo(4);
  }

  @Test
  void emptyLinesAreLines() {
    LogCursor cursor = new LogCursor(0, (n, l) -> lines.add(n + ":" + l));

    cursor.offer("\n\nx\n", true);

    assertThat(lines).containsExactly("0:", "1:", "2:x");
  }

  @Test
  void logShorterThanWhatWasReadIsIgnored() {
    LogCursor cursor = new LogCursor(0, (n, l) -> lines.add(n + ":" + l));
    cursor.offer("a\nb\n", false);

    cursor.offer("x\n", false);

    assertThat(lines).containsExactly("0:a", "1:b");
  }
}
