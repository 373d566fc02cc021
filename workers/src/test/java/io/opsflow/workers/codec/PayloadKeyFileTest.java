package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadKeyFileTest {

  @TempDir Path dataDir;

  @Test
  void generatedOnceOwnerOnlyAndReadBackTheSame() throws Exception {
    PayloadKeyFile.Loaded first = PayloadKeyFile.loadOrCreate(dataDir);
    assertThat(first.created()).isTrue();
    assertThat(first.key()).hasSize(32);
    Path file = dataDir.resolve("security/payload-key");
    assertThat(first.file()).isEqualTo(file);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    // The same form as OPSFLOW_PAYLOAD_KEY, so other processes can be given it.
    assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).isEqualTo(first.key());
    try (var left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file); // no temporary file left behind
    }

    PayloadKeyFile.Loaded again = PayloadKeyFile.loadOrCreate(dataDir);
    assertThat(again.created()).isFalse();
    assertThat(again.key()).isEqualTo(first.key());
  }

  /** Worker processes started together on one data directory must encrypt with one key. */
  @Test
  void processesStartingTogetherOnOneDataDirectoryAgreeOnOneKey() throws Exception {
    int starting = 6;
    CyclicBarrier together = new CyclicBarrier(starting);
    List<Future<PayloadKeyFile.Loaded>> loaded = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(starting)) {
      for (int i = 0; i < starting; i++) {
        loaded.add(
            pool.submit(
                () -> {
                  together.await();
                  return PayloadKeyFile.loadOrCreate(dataDir);
                }));
      }
      for (Future<PayloadKeyFile.Loaded> each : loaded) {
        each.get();
      }
    }
    byte[] onDisk =
        Base64.getDecoder()
            .decode(Files.readString(dataDir.resolve("security/payload-key")).trim());
    int created = 0;
    for (Future<PayloadKeyFile.Loaded> each : loaded) {
      assertThat(each.get().key()).isEqualTo(onDisk);
      created += each.get().created() ? 1 : 0;
    }
    assertThat(created).isEqualTo(1);
  }

  @Test
  void aDamagedKeyFileIsRefusedNotReplaced() throws Exception {
    Path file = dataDir.resolve("security/payload-key");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "c2hvcnQ=\n");
    assertThatThrownBy(() -> PayloadKeyFile.loadOrCreate(dataDir))
        .hasMessageContaining(file.toString())
        .hasMessageContaining("256-bit");
    assertThat(Files.readString(file)).isEqualTo("c2hvcnQ=\n");
  }
}
