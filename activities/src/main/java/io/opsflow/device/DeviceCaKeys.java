package io.opsflow.device;

import io.opsflow.OwnerOnlyFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the tenants' CA signing keys at rest (AES-256-GCM, the tenant id as associated data, so
 * a ciphertext copied to another tenant's row does not decrypt). The key is configured ({@code
 * opsflow.device-onboarding.ca-key}, base64) or generated once in {@code <data
 * dir>/security/device-ca-key}, readable by its owner only. Neither the key nor a decrypted CA key
 * is ever logged, returned by the API or passed to Temporal.
 */
public final class DeviceCaKeys {

  /** The file's path inside the data directory. */
  public static final String RELATIVE_PATH = "security/device-ca-key";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE = 12;

  private final SecretKeySpec key;
  private final String keyId;

  public DeviceCaKeys(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException(
          "the device CA key must be 32 bytes (base64 of 32 random bytes), was " + key.length);
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
    try {
      this.keyId = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 4);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key from its base64 form. */
  public static DeviceCaKeys fromBase64(String base64) {
    try {
      return new DeviceCaKeys(Base64.getDecoder().decode(base64.strip()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "opsflow.device-onboarding.ca-key is not base64 of 32 bytes: " + e.getMessage(), e);
    }
  }

  /** The key in {@code <dataDir>/security/device-ca-key}, generated and written once. */
  public static DeviceCaKeys inDataDirectory(Path dataDir) {
    Path file = dataDir.resolve(RELATIVE_PATH);
    try {
      if (!Files.exists(file)) {
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        // Of processes starting together on one data directory, one creates it; all read it.
        OwnerOnlyFiles.createOnce(
            file,
            (Base64.getEncoder().encodeToString(fresh) + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      return fromBase64(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or write the device CA key " + file + ": " + e.getMessage(), e);
    }
  }

  /** The first 8 hex digits of the key's SHA-256: which key encrypted a row. */
  public String keyId() {
    return keyId;
  }

  /** nonce || ciphertext+tag of {@code secret}, bound to {@code tenantId}. */
  public byte[] encrypt(String secret, long tenantId) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    byte[] plain = secret.getBytes(StandardCharsets.UTF_8);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad(tenantId));
      byte[] sealed = cipher.doFinal(plain);
      return ByteBuffer.allocate(NONCE + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * The secret sealed by {@link #encrypt} for {@code tenantId}.
   *
   * @throws IllegalStateException when it was sealed with another key or for another tenant
   */
  public String decrypt(byte[] sealed, long tenantId) {
    if (sealed.length <= NONCE) {
      throw new IllegalStateException("the CA key of tenant " + tenantId + " is truncated");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, Arrays.copyOf(sealed, NONCE)));
      cipher.updateAAD(aad(tenantId));
      byte[] plain = cipher.doFinal(sealed, NONCE, sealed.length - NONCE);
      try {
        return new String(plain, StandardCharsets.UTF_8);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "the CA key of tenant "
              + tenantId
              + " does not decrypt with device CA key "
              + keyId
              + " (another data directory's key, or OPSFLOW_DEVICE_CA_KEY differs between"
              + " processes)",
          e);
    }
  }

  private static byte[] aad(long tenantId) {
    return ("opsflow-tenant-ca:" + tenantId).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "DeviceCaKeys[" + keyId + "]";
  }
}
