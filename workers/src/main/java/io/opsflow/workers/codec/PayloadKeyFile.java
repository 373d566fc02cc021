package io.opsflow.workers.codec;

import io.opsflow.OwnerOnlyFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The payload key the embedded default generated for its data directory, in {@code <data
 * dir>/security/payload-key}: one line, the base64 key (the same form as {@code
 * OPSFLOW_PAYLOAD_KEY}, so other processes can be given it). Readable by its owner only; written
 * once, atomically ({@link OwnerOnlyFiles#createOnce}), so that a kill at any moment leaves either
 * no key or the whole key, never a key that a restart would read differently, and processes
 * starting together on one data directory end up with the same key.
 */
public final class PayloadKeyFile {

  /** The file's path inside the data directory. */
  public static final String RELATIVE_PATH = "security/payload-key";

  private PayloadKeyFile() {}

  /** A key read from, or just written to, the file. */
  public record Loaded(byte[] key, Path file, boolean created) {}

  /** The key in the data directory, if it has one. */
  public static boolean exists(Path dataDir) {
    return Files.exists(dataDir.resolve(RELATIVE_PATH));
  }

  /**
   * Reads the data directory's key, generating and writing it first if there is none.
   *
   * @throws IllegalStateException naming the file if it cannot be read or written, or holds no
   *     valid key
   */
  public static Loaded loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve(RELATIVE_PATH);
    if (Files.exists(file)) {
      return new Loaded(read(file), file, false);
    }
    byte[] key = PayloadKeys.generate();
    boolean created;
    try {
      created =
          OwnerOnlyFiles.createOnce(
              file,
              (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot write the payload encryption key to " + file + ": " + e.getMessage(), e);
    }
    // Another process sharing the data directory may have created it first: its key is the one.
    return created ? new Loaded(key, file, true) : new Loaded(read(file), file, false);
  }

  private static byte[] read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot read the payload encryption key " + file + ": " + e.getMessage(), e);
    }
    try {
      return PayloadKeys.decode("The payload encryption key in " + file, text);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          e.getMessage()
              + ". It encrypts this data directory's Temporal history: restore it from a backup"
              + " rather than replacing it.",
          e);
    }
  }
}
