package io.opsflow.build.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Process groups of detached jobs, seen through {@code /proc} and signalled with {@code kill}. A
 * group counts as alive while one of its members has not exited (zombies waiting to be reaped do
 * not count).
 */
final class ProcessGroups {

  private static final Path PROC = Path.of("/proc");
  private static final Duration KILL_COMMAND_TIMEOUT = Duration.ofSeconds(5);

  private ProcessGroups() {}

  /** Whether some process of group {@code pgid} is still running. */
  static boolean alive(long pgid) {
    if (!Files.isReadable(PROC.resolve("self/stat"))) {
      // No procfs: kill -0 tells whether the group has members (zombies included).
      return kill("0", pgid);
    }
    try (Stream<Path> entries = Files.list(PROC)) {
      return entries
          .filter(p -> isPid(p.getFileName().toString()))
          .anyMatch(p -> runningInGroup(p, pgid));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + PROC, e);
    }
  }

  /** The command line of {@code pid}, arguments separated by spaces, if it is readable. */
  static Optional<String> commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
      return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Sends {@code signal} (a name such as {@code TERM}) to every process of group {@code pgid}.
   *
   * @return whether kill found the group
   */
  static boolean kill(String signal, long pgid) {
    if (pgid <= 1) {
      throw new IllegalArgumentException("refusing to signal process group " + pgid);
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-s", signal, "--", "-" + pgid)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!kill.waitFor(KILL_COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill.destroyForcibly();
        throw new IllegalStateException("kill -s " + signal + " -" + pgid + " did not return");
      }
      return kill.exitValue() == 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling " + pgid, e);
    }
  }

  private static boolean isPid(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean runningInGroup(Path procDir, long pgid) {
    String stat;
    try {
      stat = Files.readString(procDir.resolve("stat"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return false; // exited while we listed
    } catch (IOException e) {
      return false;
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so cut at the last
    // ')'.
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return false;
    }
    String[] fields = stat.substring(close + 2).split(" ");
    if (fields.length < 3) {
      return false;
    }
    char state = fields[0].isEmpty() ? '?' : fields[0].charAt(0);
    return state != 'Z' && state != 'X' && fields[2].equals(Long.toString(pgid));
  }
}
