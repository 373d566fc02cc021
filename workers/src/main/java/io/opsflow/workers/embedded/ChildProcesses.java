package io.opsflow.workers.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts the embedded servers' processes (PostgreSQL, the Temporal dev server; Keycloak in the
 * api's tests) so that they die with this JVM, also when it is killed with SIGKILL and no shutdown
 * hook runs.
 *
 * <p>Linux's parent-death signal ({@code prctl(PR_SET_PDEATHSIG)}) is set through util-linux's
 * {@code setpriv --pdeathsig}, which applies it after any credential change and then executes the
 * command. The signal is sent when the <em>thread</em> that forked the child ends, so every child
 * is forked from one dedicated platform thread that lives as long as the JVM.
 */
public final class ChildProcesses {

  private static final ExecutorService SPAWNER =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "opsflow-child-process-spawner");
            thread.setDaemon(true);
            return thread;
          });

  private ChildProcesses() {}

  /** util-linux's {@code setpriv}, if installed. */
  static Optional<Path> setpriv() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
      Path candidate = Path.of(dir, "setpriv");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The command prefixed with {@code setpriv [privileges] [--pdeathsig <signal>] --}; the command
   * alone when there is nothing for setpriv to do, or when it is missing and no privilege change is
   * asked for.
   *
   * @param deathSignal signal the child gets when this JVM dies (e.g. {@code TERM}, {@code INT});
   *     null for none (short-lived tools)
   * @param privileges extra setpriv options (e.g. {@code --reuid=65534}); empty for none
   * @throws IllegalStateException if privileges are asked for and setpriv is missing
   */
  public static List<String> command(
      String deathSignal, List<String> privileges, List<String> command) {
    Optional<Path> setpriv = setpriv();
    if (setpriv.isEmpty() && !privileges.isEmpty()) {
      throw new IllegalStateException(
          "setpriv (util-linux) is needed to run " + command.get(0) + " " + privileges);
    }
    if (setpriv.isEmpty() || (privileges.isEmpty() && deathSignal == null)) {
      return command;
    }
    List<String> full = new ArrayList<>();
    full.add(setpriv.get().toString());
    full.addAll(privileges);
    if (deathSignal != null) {
      full.add("--pdeathsig");
      full.add(deathSignal);
    }
    full.add("--");
    full.addAll(command);
    return full;
  }

  /** The last 8,000 characters of a child's log, for an error message. */
  public static String tail(Path log) {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() > 8000 ? "..." + text.substring(text.length() - 8000) : text;
    } catch (NoSuchFileException e) {
      return "(no log written)";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** Starts the process from the spawner thread (see the class comment). */
  public static Process start(ProcessBuilder builder) throws IOException {
    Future<Process> started = SPAWNER.submit(builder::start);
    try {
      return started.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      started.cancel(false);
      throw new IOException("interrupted while starting " + builder.command().get(0), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    }
  }
}
