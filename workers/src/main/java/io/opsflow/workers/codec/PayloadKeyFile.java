package io.opsflow.workers.codec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Set;

/**
 * The payload key the embedded default generated for its data directory, in {@code <data
 * dir>/security/payload-key}: one line, the base64 key (the same form as {@code
 * OPSFLOW_PAYLOAD_KEY}, so other processes can be given it). Readable by its owner only; written
 * once, atomically (a temporary file synced, then renamed), so that a kill at any moment leaves
 * either no key or the whole key, never a key that a restart would read differently.
 */
public final class PayloadKeyFile {

  /** The file's path inside the data directory. */
  public static final String RELATIVE_PATH = "security/payload-key";

  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

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
    try {
      Path dir = Files.createDirectories(file.getParent());
      Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
      Path temp =
          Files.createTempFile(
              dir, "payload-key-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
      try {
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
          channel.write(
              ByteBuffer.wrap(
                  (Base64.getEncoder().encodeToString(key) + "\n")
                      .getBytes(StandardCharsets.US_ASCII)));
          channel.force(true);
        }
        try {
          Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("the file system cannot rename atomically", e);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
      syncDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      return new Loaded(read(file), file, false);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot write the payload encryption key to " + file + ": " + e.getMessage(), e);
    }
    return new Loaded(key, file, true);
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

  /** The rename itself survives a crash of the machine only once the directory is synced. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // not supported everywhere; the rename is still atomic
    }
  }
}
