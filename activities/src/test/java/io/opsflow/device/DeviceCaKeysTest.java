package io.opsflow.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key that seals tenants' CA keys at rest, generated once in the data directory. */
class DeviceCaKeysTest {

  @TempDir Path dataDir;

  @Test
  void theGeneratedKeyIsOwnerOnlyAndARestartReadsTheSameKey() throws Exception {
    DeviceCaKeys first = DeviceCaKeys.inDataDirectory(dataDir);
    byte[] sealed = first.encrypt("-----BEGIN NEBULA ED25519 PRIVATE KEY-----", 7);

    Path file = dataDir.resolve(DeviceCaKeys.RELATIVE_PATH);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    DeviceCaKeys again = DeviceCaKeys.inDataDirectory(dataDir);
    assertThat(again.keyId()).isEqualTo(first.keyId());
    assertThat(again.decrypt(sealed, 7)).isEqualTo("-----BEGIN NEBULA ED25519 PRIVATE KEY-----");
    assertThatThrownBy(() -> again.decrypt(sealed, 8)).isInstanceOf(RuntimeException.class);
  }

  /**
   * Worker processes started together on one data directory: what one seals, the others open. With
   * a key per process, a tenant's CA key stored by one would be unreadable to the rest.
   */
  @Test
  void processesStartingTogetherSealWithOneKey() throws Exception {
    int starting = 6;
    CyclicBarrier together = new CyclicBarrier(starting);
    List<Future<DeviceCaKeys>> keys = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(starting)) {
      for (int i = 0; i < starting; i++) {
        keys.add(
            pool.submit(
                () -> {
                  together.await();
                  return DeviceCaKeys.inDataDirectory(dataDir);
                }));
      }
    }
    byte[] sealed = keys.get(0).get().encrypt("ca-key", 1);
    for (Future<DeviceCaKeys> each : keys) {
      assertThat(each.get().keyId()).isEqualTo(keys.get(0).get().keyId());
      assertThat(each.get().decrypt(sealed, 1)).isEqualTo("ca-key");
    }
  }
}
