package io.opsflow.workers.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts every payload with AES-256-GCM, in the shape of Temporal's encryption samples: the
 * encrypted payload's metadata is {@code encoding: binary/encrypted} and {@code encryption-key-id:
 * <id>}, its data a fresh random 12-byte nonce followed by the ciphertext (with the 16-byte tag) of
 * the whole original {@link Payload} proto, metadata included. The key id is also the additional
 * authenticated data, so a payload relabelled with another id is refused.
 *
 * <p>Decoding leaves payloads without the encrypted encoding as they are: histories recorded before
 * encryption was on still replay. Any key of the {@link PayloadKeys} decodes; only the active one
 * encodes, so rotating keeps old histories readable.
 */
public final class AesGcmPayloadCodec implements PayloadCodec {

  /** Metadata key of the encoding. */
  public static final String METADATA_ENCODING = "encoding";

  /** The encoding of an encrypted payload. */
  public static final String ENCODING = "binary/encrypted";

  /** Metadata key naming the key a payload was encrypted with. */
  public static final String METADATA_KEY_ID = "encryption-key-id";

  private static final String TRANSFORMATION = "AES/GCM/NoPadding";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final ByteString ENCODING_BYTES = ByteString.copyFromUtf8(ENCODING);

  private final PayloadKeys keys;
  private final SecureRandom random = new SecureRandom();

  public AesGcmPayloadCodec(PayloadKeys keys) {
    this.keys = keys;
  }

  /** The keys this codec uses. */
  public PayloadKeys keys() {
    return keys;
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    List<Payload> encoded = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      encoded.add(encrypt(payload));
    }
    return encoded;
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    List<Payload> decoded = new ArrayList<>(payloads.size());
    for (Payload payload : payloads) {
      decoded.add(isEncrypted(payload) ? decrypt(payload) : payload);
    }
    return decoded;
  }

  /** Whether the payload carries the encrypted encoding. */
  public static boolean isEncrypted(Payload payload) {
    return ENCODING_BYTES.equals(payload.getMetadataOrDefault(METADATA_ENCODING, ByteString.EMPTY));
  }

  private Payload encrypt(Payload payload) {
    String keyId = keys.activeId();
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] plain = payload.toByteArray();
    byte[] out = new byte[NONCE_BYTES + plain.length + TAG_BITS / 8];
    System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.ENCRYPT_MODE, keys.active(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(keyId.getBytes(StandardCharsets.UTF_8));
      cipher.doFinal(plain, 0, plain.length, out, NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException("Cannot encrypt a payload with key id '" + keyId + "'", e);
    }
    return Payload.newBuilder()
        .putMetadata(METADATA_ENCODING, ENCODING_BYTES)
        .putMetadata(METADATA_KEY_ID, ByteString.copyFromUtf8(keyId))
        .setData(ByteString.copyFrom(out))
        .build();
  }

  private Payload decrypt(Payload payload) {
    ByteString idBytes = payload.getMetadataOrDefault(METADATA_KEY_ID, null);
    if (idBytes == null) {
      throw new PayloadCodecException(
          "Cannot decrypt a payload: it is " + ENCODING + " but names no " + METADATA_KEY_ID);
    }
    String keyId = idBytes.toStringUtf8();
    var key =
        keys.find(keyId)
            .orElseThrow(
                () ->
                    new PayloadCodecException(
                        "Cannot decrypt a payload encrypted with key id '"
                            + keyId
                            + "': this process has no key with that id (it has "
                            + keys.ids()
                            + "). Give every process of the deployment the same keys"
                            + " (OPSFLOW_PAYLOAD_KEY, opsflow.temporal.codec.keys), and keep"
                            + " retired keys for decoding after a rotation."));
    byte[] data = payload.getData().toByteArray();
    if (data.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new PayloadCodecException(
          "Cannot decrypt a payload with key id '" + keyId + "': it is too short to be one");
    }
    byte[] plain;
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, data, 0, NONCE_BYTES));
      cipher.updateAAD(idBytes.toByteArray());
      plain = cipher.doFinal(data, NONCE_BYTES, data.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new PayloadCodecException(
          "Cannot decrypt a payload with key id '"
              + keyId
              + "': authentication failed (the data was altered, or the key configured under"
              + " that id is not the one it was encrypted with)",
          e);
    } catch (GeneralSecurityException e) {
      throw new PayloadCodecException(
          "Cannot decrypt a payload with key id '" + keyId + "': " + e.getMessage(), e);
    }
    try {
      return Payload.parseFrom(plain);
    } catch (InvalidProtocolBufferException e) {
      throw new PayloadCodecException(
          "A payload decrypted with key id '" + keyId + "' is not a serialized Payload", e);
    }
  }
}
