package io.opsflow.workers.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AesGcmPayloadCodecTest {

  static final byte[] OLD = PayloadKeys.generate();
  static final byte[] NEW = PayloadKeys.generate();

  static final Payload JSON =
      Payload.newBuilder()
          .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
          .putMetadata("messageType", ByteString.copyFromUtf8("x"))
          .setData(ByteString.copyFromUtf8("{\"client_secret\":\"pi_1_secret_abc\"}"))
          .build();

  static AesGcmPayloadCodec codec(Map<String, byte[]> keys, String active) {
    return new AesGcmPayloadCodec(PayloadKeys.of(keys, active));
  }

  final AesGcmPayloadCodec codec = codec(Map.of("old", OLD), "old");

  @Test
  void roundTripRestoresDataAndMetadata() {
    Payload encrypted = codec.encode(List.of(JSON)).get(0);
    assertThat(codec.decode(List.of(encrypted))).containsExactly(JSON);
  }

  @Test
  void encryptedPayloadNamesItsKeyAndHidesTheOriginal() {
    Payload encrypted = codec.encode(List.of(JSON)).get(0);
    assertThat(encrypted.getMetadataMap())
        .containsOnlyKeys("encoding", "encryption-key-id")
        .containsEntry("encoding", ByteString.copyFromUtf8("binary/encrypted"))
        .containsEntry("encryption-key-id", ByteString.copyFromUtf8("old"));
    String bytes = new String(encrypted.toByteArray(), StandardCharsets.ISO_8859_1);
    assertThat(bytes).doesNotContain("secret").doesNotContain("json/plain");
    // nonce (12) + serialized original + tag (16)
    assertThat(encrypted.getData().size()).isEqualTo(12 + JSON.getSerializedSize() + 16);
  }

  @Test
  void everyEncryptionUsesAFreshNonce() {
    Payload a = codec.encode(List.of(JSON)).get(0);
    Payload b = codec.encode(List.of(JSON)).get(0);
    assertThat(a.getData().substring(0, 12)).isNotEqualTo(b.getData().substring(0, 12));
    assertThat(a.getData()).isNotEqualTo(b.getData());
  }

  @Test
  void tamperedCiphertextIsRefusedNamingTheKey() {
    Payload encrypted = codec.encode(List.of(JSON)).get(0);
    byte[] data = encrypted.getData().toByteArray();
    data[20] ^= 1;
    Payload tampered = encrypted.toBuilder().setData(ByteString.copyFrom(data)).build();
    assertThatThrownBy(() -> codec.decode(List.of(tampered)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining("key id 'old'")
        .hasMessageContaining("altered");
  }

  @Test
  void relabelledKeyIdIsRefused() {
    AesGcmPayloadCodec twoIds = codec(Map.of("old", OLD, "alias", OLD), "old");
    Payload encrypted = twoIds.encode(List.of(JSON)).get(0);
    Payload relabelled =
        encrypted.toBuilder()
            .putMetadata("encryption-key-id", ByteString.copyFromUtf8("alias"))
            .build();
    assertThatThrownBy(() -> twoIds.decode(List.of(relabelled)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining("'alias'");
  }

  @Test
  void unknownKeyIdIsNamedInTheError() {
    Payload encrypted = codec(Map.of("k-2024", NEW), "k-2024").encode(List.of(JSON)).get(0);
    assertThatThrownBy(() -> codec.decode(List.of(encrypted)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining("key id 'k-2024'")
        .hasMessageContaining("[old]");
  }

  @Test
  void rotationKeepsOldPayloadsReadableAndEncryptsWithTheNewKey() {
    Payload before = codec.encode(List.of(JSON)).get(0);
    AesGcmPayloadCodec rotated = codec(Map.of("old", OLD, "new", NEW), "new");
    Payload after = rotated.encode(List.of(JSON)).get(0);
    assertThat(after.getMetadataOrThrow("encryption-key-id").toStringUtf8()).isEqualTo("new");
    assertThat(rotated.decode(List.of(before, after))).containsExactly(JSON, JSON);
    // A process that only has the old key cannot read the new payloads, and says why.
    assertThatThrownBy(() -> codec.decode(List.of(after))).hasMessageContaining("'new'");
  }

  @Test
  void unencryptedPayloadsPassThroughDecode() {
    Payload binaryNull =
        Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("binary/null"))
            .build();
    Payload noMetadata = Payload.newBuilder().setData(ByteString.copyFromUtf8("raw")).build();
    assertThat(codec.decode(List.of(JSON, binaryNull, noMetadata)))
        .containsExactly(JSON, binaryNull, noMetadata);
  }

  @Test
  void worksAsTheDataConvertersCodec() {
    var converter =
        new CodecDataConverter(DefaultDataConverter.STANDARD_INSTANCE, List.of(codec), true);
    Payload payload = converter.toPayload("pi_9_secret_z").orElseThrow();
    assertThat(AesGcmPayloadCodec.isEncrypted(payload)).isTrue();
    assertThat(payload.toByteString().toStringUtf8()).doesNotContain("pi_9_secret_z");
    assertThat(converter.fromPayload(payload, String.class, String.class))
        .isEqualTo("pi_9_secret_z");
    // A value recorded before encryption was on still reads.
    Payload clear = DefaultDataConverter.STANDARD_INSTANCE.toPayload("before").orElseThrow();
    assertThat(converter.fromPayload(clear, String.class, String.class)).isEqualTo("before");
  }
}
