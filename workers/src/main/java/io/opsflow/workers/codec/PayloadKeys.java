package io.opsflow.workers.codec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.util.StringUtils;

/**
 * The AES-256 keys of the payload codec, by key id, and the one that encrypts (the active key).
 * Built from {@link CodecProperties}: named keys ({@code keys}), the single key of {@code
 * OPSFLOW_PAYLOAD_KEY}, retired keys and the data directory's key, the last three with ids derived
 * from the key itself ({@link #idOf}), so that two processes with different keys see a clear
 * "unknown key id" instead of a failed decryption.
 */
public final class PayloadKeys {

  /** Key length in bytes (AES-256). */
  public static final int KEY_BYTES = 32;

  /** The environment variable of the single-key form. */
  public static final String ENV = "OPSFLOW_PAYLOAD_KEY";

  private final Map<String, SecretKey> keys;
  private final String activeId;

  private PayloadKeys(Map<String, SecretKey> keys, String activeId) {
    this.keys = Map.copyOf(keys);
    this.activeId = activeId;
  }

  /** Keys by id (raw 32-byte keys); {@code activeId} must be one of them. */
  public static PayloadKeys of(Map<String, byte[]> raw, String activeId) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    raw.forEach((id, key) -> keys.put(id, aes(id, key)));
    if (!keys.containsKey(activeId)) {
      throw new IllegalStateException(
          "The active payload key id '" + activeId + "' is not among the keys " + keys.keySet());
    }
    return new PayloadKeys(keys, activeId);
  }

  /**
   * The keys the properties configure.
   *
   * @throws IllegalStateException naming {@value #ENV} when there is no key to encrypt with, or
   *     naming the property of a key that is not a base64 256-bit key
   */
  public static PayloadKeys from(CodecProperties properties) {
    Map<String, byte[]> raw = new LinkedHashMap<>();
    properties
        .keys()
        .forEach((id, value) -> put(raw, id, decode("opsflow.temporal.codec.keys." + id, value)));
    String single = null;
    if (StringUtils.hasText(properties.key())) {
      byte[] key = decode(ENV + " (opsflow.temporal.codec.key)", properties.key());
      single = idOf(key);
      put(raw, single, key);
    }
    for (String previous : properties.previousKeys()) {
      if (StringUtils.hasText(previous)) {
        byte[] key = decode("opsflow.temporal.codec.previous-keys", previous);
        put(raw, idOf(key), key);
      }
    }
    String dataDir = null;
    if (StringUtils.hasText(properties.dataDirKey())) {
      byte[] key = decode("the data directory's payload key", properties.dataDirKey());
      dataDir = idOf(key);
      put(raw, dataDir, key);
    }
    String active;
    if (StringUtils.hasText(properties.activeKey())) {
      active = properties.activeKey().trim();
    } else if (single != null) {
      active = single;
    } else if (properties.keys().size() == 1) {
      active = properties.keys().keySet().iterator().next();
    } else if (properties.keys().size() > 1) {
      throw new IllegalStateException(
          "Several payload keys are configured (opsflow.temporal.codec.keys): set"
              + " opsflow.temporal.codec.active-key to the id of the one that encrypts.");
    } else if (dataDir != null) {
      active = dataDir;
    } else {
      throw new IllegalStateException(
          "No payload encryption key: workflow and activity payloads are encrypted before they"
              + " reach Temporal, and every process of a deployment must use the same key. Set "
              + ENV
              + " to a base64 256-bit key (`openssl rand -base64 32`; the all-in-one app keeps"
              + " the one it generated in <data dir>/security/payload-key), or configure"
              + " opsflow.temporal.codec.keys and active-key; opsflow.temporal.codec.enabled=false"
              + " stores payloads in clear.");
    }
    return of(raw, active);
  }

  /** A key id derived from the key: 12 hex digits of its SHA-256, never the key itself. */
  public static String idOf(byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("opsflow-payload-key:".getBytes(StandardCharsets.US_ASCII));
      return "k" + HexFormat.of().formatHex(sha.digest(key), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh random key. */
  public static byte[] generate() {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return key;
  }

  /**
   * A base64 key as its 32 bytes.
   *
   * @param what names the setting in the error (never the value)
   */
  public static byte[] decode(String what, String base64) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(what + " is not base64 (`openssl rand -base64 32`)", e);
    }
    if (key.length != KEY_BYTES) {
      throw new IllegalStateException(
          what
              + " must be a 256-bit key: "
              + KEY_BYTES
              + " bytes in base64, not "
              + key.length
              + " (`openssl rand -base64 32`)");
    }
    return key;
  }

  private static void put(Map<String, byte[]> raw, String id, byte[] key) {
    byte[] known = raw.putIfAbsent(id, key);
    if (known != null && !MessageDigest.isEqual(known, key)) {
      throw new IllegalStateException(
          "Two different payload keys are configured as id '" + id + "'");
    }
  }

  private static SecretKey aes(String id, byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalStateException("Payload key '" + id + "' is not a 256-bit key");
    }
    return new SecretKeySpec(key, "AES");
  }

  /** The id of the key that encrypts. */
  public String activeId() {
    return activeId;
  }

  SecretKey active() {
    return keys.get(activeId);
  }

  Optional<SecretKey> find(String id) {
    return Optional.ofNullable(keys.get(id));
  }

  /** Every key id, in a stable order. */
  public Set<String> ids() {
    return new java.util.TreeSet<>(keys.keySet());
  }

  /** For logs: the ids, active first. */
  @Override
  public String toString() {
    return "payload keys " + List.copyOf(ids()) + ", active " + activeId;
  }
}
