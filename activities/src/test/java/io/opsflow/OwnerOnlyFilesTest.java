package io.opsflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets on disk: owner-only, never half-written, and created once among racing writers. */
class OwnerOnlyFilesTest {

  @TempDir Path dataDir;

  @Test
  void aCreatedFileIsOwnerOnlyInAnOwnerOnlyDirectoryWithNoTemporaryFileLeft() throws Exception {
    Path file = dataDir.resolve("security/key");

    assertThat(OwnerOnlyFiles.createOnce(file, bytes("first\n"))).isTrue();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    try (var left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }

  @Test
  void createOnceNeverReplacesWhileReplaceDoes() throws Exception {
    Path file = dataDir.resolve("security/key");
    OwnerOnlyFiles.createOnce(file, bytes("first"));

    assertThat(OwnerOnlyFiles.createOnce(file, bytes("second"))).isFalse();
    assertThat(Files.readString(file)).isEqualTo("first");

    OwnerOnlyFiles.replace(file, bytes("third"));
    assertThat(Files.readString(file)).isEqualTo("third");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (var left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }

  /**
   * Processes starting together on one data directory each find no key and write one: exactly one
   * of them may create it, and every one then reads that one. A rename in place of the link would
   * let each writer replace the previous one's key, and each report it created its own.
   */
  @Test
  void ofWritersRacingOnAMissingFileExactlyOneCreatesItAndTheOthersKeepItsContent()
      throws Exception {
    int writers = 8;
    for (int round = 0; round < 20; round++) {
      Path file = dataDir.resolve("round-" + round + "/security/key");
      CyclicBarrier start = new CyclicBarrier(writers);
      List<Future<Boolean>> created = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
        for (int w = 0; w < writers; w++) {
          String content = "writer-" + w;
          Callable<Boolean> write =
              () -> {
                start.await();
                return OwnerOnlyFiles.createOnce(file, bytes(content));
              };
          created.add(pool.submit(write));
        }
        int winners = 0;
        int winner = -1;
        for (int w = 0; w < writers; w++) {
          if (created.get(w).get()) {
            winners++;
            winner = w;
          }
        }
        assertThat(winners).as("writers that created the file in round %d", round).isEqualTo(1);
        assertThat(Files.readString(file)).isEqualTo("writer-" + winner);
      }
      try (var left = Files.list(file.getParent())) {
        assertThat(left).containsExactly(file);
      }
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
