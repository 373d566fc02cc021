package io.opsflow.workers.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The one directory the embedded default keeps its state in: the PostgreSQL cluster ({@code
 * postgres/}), the Temporal dev server's database ({@code temporal.db}) and their logs.
 *
 * <p>One process at a time: the directory is locked ({@code opsflow.lock}, an OS file lock that the
 * kernel releases when the holder dies, even by SIGKILL) for as long as this object is open; a
 * second application on the same directory gets a clear error naming the holder. An ephemeral
 * directory is a fresh temporary one, deleted on {@link #close()} (tests).
 */
public final class DataDirectory implements AutoCloseable {

  /** Environment variable naming the data directory. */
  public static final String ENV = "OPSFLOW_DATA_DIR";

  /** The default, relative to the working directory. */
  public static final String DEFAULT = "opsflow-data";

  static final String LOCK_FILE = "opsflow.lock";

  private final Path root;
  private final boolean ephemeral;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private boolean closed;

  private DataDirectory(Path root, boolean ephemeral, FileChannel lockChannel, FileLock lock) {
    this.root = root;
    this.ephemeral = ephemeral;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens (creating it if needed) and locks the directory.
   *
   * @throws IllegalStateException if another live process holds it
   */
  public static DataDirectory open(Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new IllegalStateException(
          "Cannot create the data directory " + root + " (" + ENV + "): " + e, e);
    }
    return lock(root, false);
  }

  /** A fresh temporary directory, deleted on close. */
  public static DataDirectory temporary() {
    try {
      Path root = Files.createTempDirectory("opsflow-data-");
      // PostgreSQL may run as another user (root drops to nobody): it must reach its cluster.
      Files.setPosixFilePermissions(
          root,
          Set.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_EXECUTE));
      return lock(root, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary data directory", e);
    }
  }

  private static DataDirectory lock(Path root, boolean ephemeral) {
    Path lockFile = root.resolve(LOCK_FILE);
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this JVM already
      }
      if (lock == null) {
        String holder = readHolder(lockFile);
        channel.close();
        throw new IllegalStateException(
            "The data directory "
                + root
                + " is in use by another running opsflow process"
                + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                + ". Stop it, or give this one its own directory with "
                + ENV
                + "=<dir>.");
      }
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      channel.force(false);
      return new DataDirectory(root, ephemeral, channel, lock);
    } catch (IOException e) {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException ignored) {
          // closing after a failure
        }
      }
      throw new IllegalStateException("Cannot lock the data directory " + root + ": " + e, e);
    }
  }

  private static String readHolder(Path lockFile) {
    try {
      return Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** The directory. */
  public Path root() {
    return root;
  }

  /** A path inside the directory. */
  public Path resolve(String name) {
    return root.resolve(name);
  }

  /** Whether the directory is temporary (deleted on close). */
  public boolean ephemeral() {
    return ephemeral;
  }

  /** Releases the lock; an ephemeral directory is deleted. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      // the lock goes with the process anyway
    }
    if (ephemeral) {
      EmbeddedPostgres.deleteRecursively(root);
    }
  }

  @Override
  public String toString() {
    return root + (ephemeral ? " (temporary)" : "");
  }
}
