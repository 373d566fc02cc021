package io.opsflow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files of secrets in the data directory (keys, generated credentials): readable by their owner
 * only, in a directory only the owner can enter, and never seen half-written. Each write goes to an
 * owner-only temporary file in the same directory, synced, then put in place in one step, and the
 * directory is synced so the new name survives a crash of the machine.
 *
 * <p>Two ways to put it in place:
 *
 * <ul>
 *   <li>{@link #createOnce}: the file is made only if it does not exist, by a hard link, which the
 *       file system refuses when the name is taken. Processes sharing a data directory that start
 *       together therefore agree on one key: exactly one creates it and the others read it. (A
 *       rename would not do: on POSIX it silently replaces a file another process has just made.)
 *   <li>{@link #replace}: the file is replaced by a rename.
 * </ul>
 *
 * <p>A file system without POSIX permissions is refused, naming the file and {@code
 * OPSFLOW_DATA_DIR}: a secret is never written readable by others.
 */
public final class OwnerOnlyFiles {

  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private OwnerOnlyFiles() {}

  /**
   * Writes {@code content} to {@code file} unless it exists.
   *
   * @return true if this call created the file; false if it existed, or another process created it
   *     meanwhile (its content stays: read it)
   * @throws IOException if the file cannot be written owner-only, naming it
   */
  public static boolean createOnce(Path file, byte[] content) throws IOException {
    if (Files.exists(file)) {
      return false;
    }
    Path dir = directory(file);
    Path temp = written(dir, file, content);
    try {
      Files.createLink(file, temp);
    } catch (FileAlreadyExistsException taken) {
      return false;
    } finally {
      Files.deleteIfExists(temp);
    }
    syncDirectory(dir);
    return true;
  }

  /**
   * Writes {@code content} to {@code file}, replacing what it held in one step.
   *
   * @throws IOException if the file cannot be written owner-only, naming it
   */
  public static void replace(Path file, byte[] content) throws IOException {
    Path dir = directory(file);
    Path temp = written(dir, file, content);
    try {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "cannot replace " + file + ": the file system cannot rename atomically");
    } finally {
      Files.deleteIfExists(temp);
    }
    syncDirectory(dir);
  }

  /** The file's directory, made owner-only (created if missing); refused without POSIX. */
  private static Path directory(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    if (!Files.getFileStore(dir).supportsFileAttributeView(PosixFileAttributeView.class)) {
      throw new IOException(
          "cannot write "
              + file
              + " readable by its owner only: the file system has no POSIX"
              + " permissions; put OPSFLOW_DATA_DIR on one that has");
    }
    Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
    return dir;
  }

  /** An owner-only temporary file beside {@code file} holding {@code content}, synced. */
  private static Path written(Path dir, Path file, byte[] content) throws IOException {
    Path temp =
        Files.createTempFile(
            dir,
            file.getFileName() + "-",
            ".tmp",
            PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    return temp;
  }

  /** The new name survives a crash of the machine only once the directory is synced. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // not supported everywhere; the link or rename is still atomic
    }
  }
}
