package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
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
