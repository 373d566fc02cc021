package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadKeysTest {

  static final byte[] A = PayloadKeys.generate();
  static final byte[] B = PayloadKeys.generate();

  static String b64(byte[] key) {
    return Base64.getEncoder().encodeToString(key);
  }

  static CodecProperties props(
      String key, List<String> previous, Map<String, String> keys, String active, String dataDir) {
    return new CodecProperties(true, key, previous, keys, active, dataDir, true);
  }

  @Test
  void singleKeyGetsAnIdDerivedFromTheKeyAndEncrypts() {
    PayloadKeys keys = PayloadKeys.from(props(b64(A), null, null, null, null));
    assertThat(keys.activeId()).isEqualTo(PayloadKeys.idOf(A)).matches("k[0-9a-f]{12}");
    assertThat(PayloadKeys.idOf(A)).isNotEqualTo(PayloadKeys.idOf(B));
    assertThat(keys.toString()).doesNotContain(b64(A));
  }

  @Test
  void previousKeysDecryptOnly() {
    PayloadKeys keys = PayloadKeys.from(props(b64(B), List.of(b64(A)), null, null, null));
    assertThat(keys.activeId()).isEqualTo(PayloadKeys.idOf(B));
    assertThat(keys.ids()).containsExactlyInAnyOrder(PayloadKeys.idOf(A), PayloadKeys.idOf(B));
  }

  @Test
  void namedKeysNeedAnActiveOneWhenThereAreSeveral() {
    Map<String, String> named = Map.of("2024", b64(A), "2025", b64(B));
    assertThatThrownBy(() -> PayloadKeys.from(props(null, null, named, null, null)))
        .hasMessageContaining("active-key");
    assertThat(PayloadKeys.from(props(null, null, named, "2025", null)).activeId())
        .isEqualTo("2025");
    assertThat(PayloadKeys.from(props(null, null, Map.of("only", b64(A)), null, null)).activeId())
        .isEqualTo("only");
    assertThatThrownBy(() -> PayloadKeys.from(props(null, null, named, "2026", null)))
        .hasMessageContaining("'2026'");
  }

  @Test
  void theDataDirectoryKeyEncryptsOnlyWhenNothingElseIsConfigured() {
    String dataDir = b64(A);
    assertThat(PayloadKeys.from(props(null, null, null, null, dataDir)).activeId())
        .isEqualTo(PayloadKeys.idOf(A));
    PayloadKeys configured = PayloadKeys.from(props(b64(B), null, null, null, dataDir));
    assertThat(configured.activeId()).isEqualTo(PayloadKeys.idOf(B));
    assertThat(configured.ids()).contains(PayloadKeys.idOf(A));
  }

  @Test
  void noKeyAtAllFailsNamingTheEnvironmentVariable() {
    assertThatThrownBy(() -> PayloadKeys.from(props(null, null, null, null, null)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("OPSFLOW_PAYLOAD_KEY")
        .hasMessageContaining("openssl rand -base64 32");
  }

  @Test
  void aKeyThatIsNot256BitsIsRefusedWithoutQuotingIt() {
    String short16 = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> PayloadKeys.from(props(short16, null, null, null, null)))
        .hasMessageContaining("OPSFLOW_PAYLOAD_KEY")
        .hasMessageContaining("256-bit")
        .hasMessageNotContaining(short16);
    assertThatThrownBy(() -> PayloadKeys.from(props("not base64!", null, null, null, null)))
        .hasMessageContaining("not base64");
  }

  @Test
  void oneIdWithTwoDifferentKeysIsRefused() {
    String id = PayloadKeys.idOf(A);
    assertThatThrownBy(() -> PayloadKeys.from(props(b64(A), null, Map.of(id, b64(B)), null, null)))
        .hasMessageContaining(id);
  }
}
