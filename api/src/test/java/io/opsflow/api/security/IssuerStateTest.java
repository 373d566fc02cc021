package io.opsflow.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded issuer's state on disk: written owner-only, read back unchanged after a restart. */
class IssuerStateTest {

  @TempDir Path dir;

  @Test
  void theSigningKeyAndGeneratedSecretsAreWrittenOwnerOnlyAndSurviveARestart() throws Exception {
    IssuerState first = IssuerState.open(Optional.of(dir));
    String secret = first.secret("console", null);

    for (String name : new String[] {"issuer-key.json", "credentials.properties"}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))))
          .as(name)
          .isEqualTo("rw-------");
    }
    // No temporary file left beside them.
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("issuer-key.json", "credentials.properties");
    }

    IssuerState again = IssuerState.open(Optional.of(dir));
    assertThat(again.persistent()).isTrue();
    assertThat(again.signingKey().toJSONString()).isEqualTo(first.signingKey().toJSONString());
    assertThat(again.secret("console", null)).isEqualTo(secret);
    assertThat(again.secret("other", "configured")).isEqualTo("configured");
  }

  /** API processes starting together on one data directory sign with one key. */
  @Test
  void processesStartingTogetherSignWithOneKey() throws Exception {
    int starting = 4;
    CyclicBarrier together = new CyclicBarrier(starting);
    List<Future<IssuerState>> states = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(starting)) {
      for (int i = 0; i < starting; i++) {
        states.add(
            pool.submit(
                () -> {
                  together.await();
                  return IssuerState.open(Optional.of(dir));
                }));
      }
    }
    String onDisk = Files.readString(dir.resolve("issuer-key.json"));
    for (Future<IssuerState> state : states) {
      assertThat(state.get().signingKey().toJSONString()).isEqualTo(onDisk);
    }
  }
}
