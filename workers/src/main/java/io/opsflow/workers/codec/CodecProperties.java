package io.opsflow.workers.codec;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Encryption of Temporal payloads ({@code opsflow.temporal.codec.*}): every workflow and activity
 * input, result, signal, update, query, memo and failure message is encrypted with AES-256-GCM
 * before it leaves the process, so card client secrets, agent tokens and keys never appear readable
 * in Temporal's history. Every process of a deployment (the app, worker processes, node agents)
 * needs the same keys.
 *
 * @param enabled Encrypt payloads (default). False stores them in clear (a warning is logged).
 * @param key The single-key form: a base64 256-bit key (environment variable {@code
 *     OPSFLOW_PAYLOAD_KEY}); its id is derived from the key. It is the active key unless {@code
 *     active-key} names another.
 * @param previousKeys Retired single-form keys (base64, comma-separated in {@code
 *     OPSFLOW_PAYLOAD_PREVIOUS_KEYS}): they still decrypt histories written with them, never
 *     encrypt.
 * @param keys Named keys, key id to base64 256-bit key; the id goes into every payload's metadata.
 * @param activeKey Id of the key that encrypts; default the single key, else the only named key,
 *     else the data directory's key.
 * @param dataDirKey Set by the embedded default, not by hand: the key kept in {@code <data
 *     dir>/security/payload-key} (or generated in memory for a temporary data directory). It
 *     encrypts when no other key is configured and always decrypts.
 * @param encodeFailureAttributes Also encrypt failure messages and stack traces (default). The
 *     client decodes them, so an update validator's rejection still reaches the API with its
 *     message and type (SDK 1.39+; 1.35 serialized it twice, sdk-java #2875, and an encrypted one
 *     read "Encoded failure"). False keeps them readable in the history.
 */
@ConfigurationProperties(prefix = CodecProperties.PREFIX)
public record CodecProperties(
    @DefaultValue("true") boolean enabled,
    String key,
    List<String> previousKeys,
    Map<String, String> keys,
    String activeKey,
    String dataDirKey,
    @DefaultValue("true") boolean encodeFailureAttributes) {

  /** Prefix of all keys. */
  public static final String PREFIX = "opsflow.temporal.codec";

  /** Property set by the embedded default to the data directory's key. */
  public static final String DATA_DIR_KEY = PREFIX + ".data-dir-key";

  public CodecProperties {
    previousKeys = previousKeys == null ? List.of() : List.copyOf(previousKeys);
    keys = keys == null ? Map.of() : Map.copyOf(keys);
  }

  /** Whether a key is configured other than the data directory's. */
  public boolean hasConfiguredKey() {
    return (key != null && !key.isBlank()) || !keys.isEmpty();
  }
}
