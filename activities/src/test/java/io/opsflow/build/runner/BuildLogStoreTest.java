package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the store does to a line before PostgreSQL sees it (the SQL is covered against the DB). */
class BuildLogStoreTest {

  @Test
  void nulCharactersBecomeReplacementCharacters() {
    assertThat(BuildLogStore.storable("a\0b")).isEqualTo("a\uFFFDb");
  }

  @Test
  void overlongLinesAreCutAndMarkedWithoutSplittingACharacter() {
    String emoji = "\uD83D\uDE00"; // one character, two chars
    String line = "x".repeat(BuildLogStore.MAX_LINE_CHARS - 1) + emoji + "tail";

    String stored = BuildLogStore.storable(line);

    assertThat(stored)
        .isEqualTo(
            "x".repeat(BuildLogStore.MAX_LINE_CHARS - 1) + " [line truncated: 6 more characters]");
  }

  @Test
  void ordinaryLinesAreKeptAsTheyAre() {
    assertThat(BuildLogStore.storable("hello ✓")).isEqualTo("hello ✓");
  }
}
